// A plain, slow, double-precision evaluation of a Graph, written straight from TFLite's op
// definitions with no shared code with the runtime: the independent reference the tests
// compare LiteRT.js (and later nilm's runtime) against. Float graphs plus QUANTIZE/DEQUANTIZE.
#pragma once

#include <vector>

#include "model/graph.h"

namespace nilm::model::testing {

// inputs: one vector per graph input (row-major, NHWC). Returns one vector per graph output.
// Quantized tensors hold their integer values (as doubles).
std::vector<std::vector<double>> reference_eval(const Graph& graph, const std::vector<std::vector<float>>& inputs);

}  // namespace nilm::model::testing
