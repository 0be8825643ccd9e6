// The two NILM architectures of NILM.md section 4 as graphs with random weights, built with the
// model layer's GraphBuilder: for the runtime's whole-graph tests, its benchmark and anyone who
// needs a realistic graph without a trained model. Same ops, shapes and parameter counts as
// the converted models; only the weights are random (scaled so activations stay O(1)).
#pragma once

#include <cstdint>

#include "model/graph.h"

namespace nilm::runtime {

// Input [1, window, 1]: 5 conv1d 'same' + ReLU (16 k5, 32 k3, 64 k3, 128 k3, 256 k3), a max
// pool 2 'same' after each of the first four, flatten, dense 1024 ReLU, 512 ReLU, 1.
model::Graph cnn_graph(std::uint64_t seed, int window = 599);

// Input [1, window, 1]: conv1d 1->d_model k5 'same', L2 pool 2, position embedding, LayerNorm,
// `blocks` post-norm encoder blocks (2-head attention with 64-wide heads, FFN 4 * d_model with
// tanh GELU), symmetric relative position embedding + LayerNorm, mean over time, dense 256
// ReLU, dense 1. LayerNorm is spelled as TFLite converters do: MEAN, SQUARED_DIFFERENCE,
// RSQRT, SUB, MUL, ADD.
model::Graph transformer_graph(std::uint64_t seed, int window = 599, int d_model = 256,
                               int blocks = 2);

}  // namespace nilm::runtime
