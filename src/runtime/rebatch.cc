#include "runtime/rebatch.h"

#include <cstring>

#include "core/error.h"

namespace nilm::runtime {

model::Graph rebatch(const model::Graph& graph, int batch) {
  if (batch < 1) fail("batch must be at least 1, got " + std::to_string(batch));
  model::Graph g = graph;  // ConstantData copies share the bytes
  if (batch == 1) return g;
  for (int t : g.inputs) {
    auto& shape = g.tensor(t).shape;
    if (shape.empty() || shape[0] != 1)
      fail("cannot batch input '" + g.tensor(t).name + "' of shape " + model::shape_string(shape) +
           ": its first dimension is not 1");
    shape[0] = batch;
  }
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    model::Op& op = g.ops[i];
    if (op.kind == model::OpKind::reshape) {
      auto& target = std::get<model::ReshapeAttrs>(op.attrs).new_shape;
      if (!target.empty() && target[0] == 1) target[0] = batch;
      if (op.inputs.size() > 1 && op.inputs[1] >= 0) {  // the int32 shape operand, if any
        model::Tensor shape = g.tensor(op.inputs[1]);
        if (shape.is_constant() && shape.type == model::ElementType::i32 && shape.elements() > 0 &&
            shape.data.as<std::int32_t>()[0] == 1) {
          std::vector<std::uint8_t> bytes(shape.data.data(), shape.data.data() + shape.data.size());
          const std::int32_t b = batch;
          std::memcpy(bytes.data(), &b, sizeof b);
          shape.data = model::ConstantData(std::move(bytes));
          shape.name += "/batch" + std::to_string(batch);
          op.inputs[1] = g.add_tensor(std::move(shape));
        }
      }
    }
    std::vector<model::Shape> shapes;
    try {
      shapes = model::infer_output_shapes(g, op);
    } catch (const Error& e) {
      fail("cannot batch operator " + std::to_string(i) + " (" + model::op_name(op.kind) + "): " + e.what());
    }
    for (std::size_t o = 0; o < op.outputs.size() && o < shapes.size(); ++o)
      g.tensor(op.outputs[o]).shape = shapes[o];
  }
  model::validate(g, "graph batched by " + std::to_string(batch));
  return g;
}

}  // namespace nilm::runtime
