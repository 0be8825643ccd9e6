// quantize(): a float graph rewritten into the graph TFLite's converter would write for a mode
// (docs/quantization.md): QUANTIZE / DEQUANTIZE at float edges, per-channel symmetric int8
// weights, int32 / int64 biases, fixed output scales, scale-preserving ops, hybrid ops for w8,
// f16 constants + DEQUANTIZE for f16, and a per-op precision plan (what stays float / int16).
//
// Names: every float-graph tensor keeps its name on the tensor that replaces it; added tensors
// are "<name>/quantized" (int8), "<name>/quantized16" (int16), "<name>/dequantized" (f32),
// "<name>/f16" (half constant). A layer is named by its op's first output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/graph.h"
#include "quant/calibration.h"
#include "quant/modes.h"

namespace nilm::quant {

// Does the runtime have an integer kernel for (op, input, weights, output) types?
using KernelQuery = std::function<bool(model::OpKind, model::ElementType input, model::ElementType weights,
                                       model::ElementType output)>;
KernelQuery runtime_kernel_query();  // asks runtime::kernel_table()

struct QuantizeOptions {
  Mode mode = Mode::convert_only;
  bool int8_io = false;                 // integer model inputs/outputs (Edge TPU); a8/a16 modes
  std::vector<std::string> keep_float;  // layer names that stay float32
  KernelQuery has_kernel;               // w8_a8_fallback's oracle; empty: runtime_kernel_query()
};

model::Graph quantize(const model::Graph& float_graph, const Calibration& calibration,
                      const QuantizeOptions& options);

// What the plan decided for one layer (the precision of each op's output); for reports/tests.
struct LayerPlan {
  std::string layer;           // the op's first output name
  model::OpKind kind;
  model::ElementType precision;  // f32, i8 or i16 (hybrid ops: f32)
  const char* reason;          // why (the plan row)
};
std::vector<LayerPlan> plan_layers(const model::Graph& float_graph, const QuantizeOptions& options);

}  // namespace nilm::quant
