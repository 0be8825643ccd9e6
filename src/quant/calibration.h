// Calibration: run the float graph through nilm's runtime on representative windows and record
// every tensor's range with a range estimator; and the balanced representative dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/store.h"
#include "model/graph.h"

namespace nilm::quant {

enum class RangeEstimator : std::uint8_t {
  minmax,      // the observed extremes (TFLite's converter)
  percentile,  // clip both tails at `percentile` (two-sided, 0 kept inside)
  mse,         // the clipping range minimising the expected squared error of `bits`-bit rounding
};
const char* estimator_name(RangeEstimator estimator);
RangeEstimator parse_estimator(const std::string& name);  // nilm::Error listing the names

struct CalibrationOptions {
  RangeEstimator estimator = RangeEstimator::minmax;  // docs/quantization.md: measured choice
  double percentile = 99.99;
  int bits = 8;     // activation width the mse estimator optimises for (16 for w8_a16)
  int threads = 1;  // interpreter threads
};

struct TensorRange {
  float min = 0, max = 0;
};

struct Calibration {               // ranges of the FLOAT graph's tensors, by tensor index
  std::vector<TensorRange> ranges; // constants: their data's range; unused tensors: 0
  std::size_t windows = 0;
  RangeEstimator estimator = RangeEstimator::minmax;
  std::string source;  // where the windows came from (stored as metadata), e.g. "balanced, seed 1"
};

// windows: count x window normalised inputs (the float graph's input 0; the graph runs them
// batch rows at a time, a short last batch is filled with repeats of its own windows).
// Deterministic: the same windows give the same ranges.
Calibration calibrate(const model::Graph& float_graph, const float* windows, std::size_t count,
                      const CalibrationOptions& options);

// Ranges from the graph's constants only (modes without calibration; tests).
Calibration constant_ranges(const model::Graph& float_graph);

// The range an estimator picks from a sample of values (the per-tensor rule calibrate() uses;
// exposed for tests): the extremes, or a histogram-based clipping range.
TensorRange estimate_range(const std::vector<float>& values, const CalibrationOptions& options);

// The balanced representative dataset: `count` normalised windows, equal numbers of on and off
// midpoints (alternating), drawn by data::WindowSampler with `seed`. Throws if the houses lack
// on or off windows.
std::vector<float> balanced_windows(const data::Store& store, const std::string& appliance,
                                    const std::vector<std::string>& houses, std::size_t count,
                                    std::uint64_t seed, int window = 599);

}  // namespace nilm::quant
