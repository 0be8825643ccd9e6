// Quantizing a float graph with calibration windows drawn from a store, and selective
// quantization: the debugger's suspects (on the same calibration windows) kept float32.
// What `nilm convert --keep-float auto` and `nilm evaluate --modes` call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/store.h"
#include "model/graph.h"
#include "quant/calibration.h"
#include "quant/debugger.h"
#include "quant/quantize.h"

namespace nilm::quant {

struct StoreCalibration {
  std::string houses = "train";  // a split name of the store, or a comma list of houses
  std::size_t windows = 256;     // balanced: half on, half off midpoints
  std::uint64_t seed = 1;
  RangeEstimator estimator = CalibrationOptions{}.estimator;
  int threads = 1;
};

// The houses `spec` names for the graph's appliance (split name or comma list).
std::vector<std::string> store_houses(const data::Store& store, const std::string& appliance, const std::string& spec);

// The balanced calibration windows for the graph's appliance and window (its metadata).
std::vector<float> calibration_windows(const model::Graph& float_graph, const data::Store& store,
                                       const StoreCalibration& calibration);

// quantize() with ranges from calibrate() on the store's balanced windows (modes that need
// calibration), from the constants alone otherwise. options.keep_float may hold "auto": it is
// replaced by the suspects (below) before quantizing.
model::Graph quantize_from_store(const model::Graph& float_graph, QuantizeOptions options, const data::Store& store,
                                 const StoreCalibration& calibration);

// The layers the debugger flags (rmse/scale > threshold) when `options.mode` quantizes the
// graph, measured on the calibration windows; empty for modes without quantized activations.
std::vector<std::string> auto_keep_float(const model::Graph& float_graph, QuantizeOptions options,
                                         const data::Store& store, const StoreCalibration& calibration,
                                         double threshold = default_suspect_threshold,
                                         DebugReport* report = nullptr);

}  // namespace nilm::quant
