// Graphs the model tests and the LiteRT.js peer test share: one small graph per op kind (and
// per interesting attribute), the NILM CNN and a transformer-shaped encoder, with random
// weights from a fixed seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/builder.h"
#include "model/graph.h"

namespace nilm::model::testing {

struct NamedGraph {
  std::string name;
  Graph graph;
};

// Uniform random values in [lo, hi).
std::vector<float> random_values(std::mt19937_64& rng, std::size_t n, float lo = -1.0f, float hi = 1.0f);

// Float graphs, one per op kind (several for kinds whose attributes change the computation).
std::vector<NamedGraph> every_op_graphs(std::uint64_t seed);

// The CNN of NILM.md section 4 (599 -> five convs with pools -> 1024 -> 512 -> 1) with random
// weights, scaled so activations stay O(1). `window` and `width` shrink it for quick tests
// (width 1.0 = 16/32/64/128/256 filters, 1024/512 dense).
Graph cnn_graph(std::uint64_t seed, int window = 599, double width = 1.0);

// The transformer of NILM.md section 4 (conv 1->d, L2 pool, position embedding, layer norms,
// `blocks` encoder blocks with 2-head attention and a GELU feed-forward, mean pool, dense).
Graph transformer_graph(std::uint64_t seed, int window = 599, int d_model = 256, int blocks = 2);

// Random inputs for every graph input (uniform in [-1, 1), or [0.1, 2) for graphs whose name
// says they need positive inputs).
std::vector<std::vector<float>> random_inputs(const Graph& graph, std::uint64_t seed, bool positive = false);

}  // namespace nilm::model::testing
