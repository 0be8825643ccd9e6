#include "runtime/fold_dequantize.h"

#include <cstring>
#include <vector>

#include "runtime/kernels/int_reference.h"

namespace nilm::runtime {

namespace {

// The float values of constant tensor t (i8 / i16 per tensor or per channel, or f16).
std::vector<float> dequantized(const model::Tensor& t) {
  const std::size_t n = std::size_t(t.elements());
  std::vector<float> out(n);
  if (t.type == model::ElementType::f16) {
    kernels::dequantize_f16_ref(n, t.data.as<std::uint16_t>(), out.data());
    return out;
  }
  const model::Quantization& q = *t.quantization;
  std::vector<std::int64_t> zeros = q.zero_points;
  if (zeros.empty()) zeros.assign(q.scales.size(), 0);
  std::size_t inner = 1;
  for (std::size_t d = std::size_t(q.axis) + 1; d < t.shape.size(); ++d) inner *= std::size_t(t.shape[d]);
  if (t.type == model::ElementType::i8)
    kernels::dequantize_ref(n, t.data.as<std::int8_t>(), q.scales.data(), zeros.data(), q.scales.size(), inner, out.data());
  else
    kernels::dequantize_ref(n, t.data.as<std::int16_t>(), q.scales.data(), zeros.data(), q.scales.size(), inner, out.data());
  return out;
}

bool foldable(const model::Graph& g, const model::Op& op) {
  if (op.kind != model::OpKind::dequantize || op.inputs.empty() || op.inputs[0] < 0) return false;
  const model::Tensor& x = g.tensor(op.inputs[0]);
  if (!x.is_constant()) return false;
  if (x.type == model::ElementType::f16) return true;
  return (x.type == model::ElementType::i8 || x.type == model::ElementType::i16) && x.quantization &&
         !x.quantization->scales.empty();
}

}  // namespace

int fold_constant_dequantize(model::Graph& graph) {
  int folded = 0;
  std::vector<model::Op> kept;
  kept.reserve(graph.ops.size());
  for (auto& op : graph.ops) {
    if (!foldable(graph, op)) {
      kept.push_back(std::move(op));
      continue;
    }
    const std::vector<float> values = dequantized(graph.tensor(op.inputs[0]));
    std::vector<std::uint8_t> bytes(values.size() * sizeof(float));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    model::Tensor& y = graph.tensor(op.outputs[0]);
    y.data = model::ConstantData(std::move(bytes));
    ++folded;
  }
  graph.ops = std::move(kept);
  return folded;
}

}  // namespace nilm::runtime
