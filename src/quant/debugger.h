// The quantization debugger (NILM.md section 7): per quantized layer of a quantized graph, how
// far its integer output is from the float op applied to the same (dequantized) inputs, in
// units of the output's quantization step. Pure rounding noise of a well-ranged layer gives
// rmse/scale ~ 1/sqrt(12) ~ 0.289; clipping or a too-coarse scale gives much more, and layers
// above a threshold (TFLite's guide: 0.7) are suspects that `--keep-float auto` keeps float.
//
// How: the quantized graph runs in nilm's runtime with an observer that copies every op's
// output as it is written; each quantized layer is then re-run as a one-op float graph
// (dequantized inputs as graph inputs, dequantized constants) on the reference tier. Errors
// are local: each layer sees the quantized model's own inputs, so one bad layer does not make
// every later layer look bad.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"
#include "plot/plot.h"

namespace nilm::quant {

inline constexpr double rounding_noise_rmse_over_scale = 0.28867513459481287;  // 1/sqrt(12)
inline constexpr double default_suspect_threshold = 0.7;

struct LayerError {
  std::string layer;  // the op's output tensor name (the float graph's name: --keep-float takes it)
  model::OpKind kind = model::OpKind::quantize;
  model::ElementType type = model::ElementType::i8;  // the output's integer type
  float scale = 0;
  std::int64_t zero_point = 0;
  float range_min = 0, range_max = 0;  // real values the output can represent
  float float_min = 0, float_max = 0;  // what the float op produced (clipping shows here)
  std::size_t values = 0;              // output values compared
  std::size_t clipped = 0;             // float results outside [range_min, range_max]
  double rmse = 0;                     // float op vs dequantized integer output
  double rmse_over_scale = 0;          // rmse / scale (inf when scale is 0)
  bool suspect = false;                // rmse_over_scale > threshold
};

struct DebugOptions {
  double threshold = default_suspect_threshold;
  int threads = 1;  // the quantized model's interpreter threads (the one-op graphs use 1)
};

struct DebugReport {
  std::vector<LayerError> layers;  // in execution order
  std::size_t windows = 0;         // windows run (a short last batch repeats its own windows)
  double threshold = default_suspect_threshold;
};

// windows: count x window normalised inputs for the graph's float input 0 (batch rows at a
// time). Layers are the ops with a quantized integer output (QUANTIZE / requantize included:
// their float op is the identity). Throws nilm::Error for a graph without float input 0 (int8
// I/O models: inspect the float-I/O file) or without quantized layers.
DebugReport debug_layers(const model::Graph& quantized, const float* windows, std::size_t count,
                         const DebugOptions& options = {});

// The suspects' names that a float graph has (QUANTIZE / DEQUANTIZE ops the quantizer added are
// left out: they are no float-graph layer), for QuantizeOptions::keep_float.
std::vector<std::string> suspect_layers(const DebugReport& report);
std::vector<std::string> suspect_layers(const model::Graph& quantized, const float* windows,
                                        std::size_t count, const DebugOptions& options = {});

// The report without the data-movement layers (RESHAPE, TRANSPOSE, CONCATENATION, MAX_POOL_2D)
// that reproduce their float op exactly (rmse 0): what the table and chart show by default.
// `hidden` (if given) receives how many were left out.
DebugReport without_exact_moves(const DebugReport& report, std::size_t* hidden = nullptr);

// Terminal table: layer, op, type, scale, output range, float range, clipped %, rmse/scale, flag.
std::string format_debug_table(const DebugReport& report);
// CSV with a header row, one row per layer (numbers in full precision); nilm::Error if unwritable.
void write_debug_csv(const DebugReport& report, const std::string& path);
// rmse/scale per layer with the 0.289 rounding-noise line and the threshold drawn.
plot::BarChart debug_chart(const DebugReport& report, const std::string& title);

}  // namespace nilm::quant
