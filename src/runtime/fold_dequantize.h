// Folds DEQUANTIZE ops whose input is a constant (TFLite's f16 mode: float16 weights dequantized
// for float ops; also int8 weights dequantized for a float op): the output becomes a float32
// constant computed once at load time and the op is dropped, so the float kernels see constant
// weights (and pack them) exactly as in a float model. Values are the DEQUANTIZE kernel's.
#pragma once

#include "model/graph.h"

namespace nilm::runtime {

// Returns the number of ops folded.
int fold_constant_dequantize(model::Graph& graph);

}  // namespace nilm::runtime
