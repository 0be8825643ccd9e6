// Every integer tensor of a quantized graph also becomes a (dequantized, float32) graph output
// after the model's own outputs, so LiteRT.js and nilm can be compared layer by layer, in
// quantization steps.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "model/graph.h"

namespace nilm::quant::testing {

struct Probe {
  std::string name;
  float scale;
  model::OpKind kind;
};

inline model::Graph with_probes(model::Graph g, std::vector<Probe>& probes) {
  const std::size_t ops = g.ops.size();
  for (std::size_t i = 0; i < ops; ++i) {
    if (g.ops[i].kind == model::OpKind::dequantize) continue;
    const int t = g.ops[i].outputs[0];
    const model::Tensor& x = g.tensor(t);
    if (x.type != model::ElementType::i8 && x.type != model::ElementType::i16) continue;
    if (std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end()) continue;
    probes.push_back({x.name, x.quantization->scales[0], g.ops[i].kind});
    model::Tensor y;
    y.name = x.name + "/probe";
    y.shape = x.shape;
    const int out = g.add_tensor(std::move(y));
    model::Op op;
    op.kind = model::OpKind::dequantize;
    op.inputs = {t};
    op.outputs = {out};
    g.ops.push_back(std::move(op));
    g.outputs.push_back(out);
  }
  return g;
}

}  // namespace nilm::quant::testing
