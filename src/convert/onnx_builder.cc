#include "convert/onnx_builder.h"

#include <array>
#include <cstring>

#include "core/error.h"

namespace nilm::convert::onnx_detail {

int onnx_type(model::ElementType type) {
  using E = model::ElementType;
  struct Row { E type; int onnx; };
  static constexpr std::array<Row, 7> rows{{
      {E::f32, onnx::TensorProto::FLOAT}, {E::f16, onnx::TensorProto::FLOAT16},
      {E::i8, onnx::TensorProto::INT8},   {E::i16, onnx::TensorProto::INT16},
      {E::i32, onnx::TensorProto::INT32}, {E::i64, onnx::TensorProto::INT64},
      {E::u8, onnx::TensorProto::UINT8},
  }};
  for (const Row& r : rows)
    if (r.type == type) return r.onnx;
  throw Error(std::string("ONNX export: no ONNX type for element type ") + model::element_type_name(type));
}

std::string OnnxBuilder::fresh(const std::string& base) {
  std::string name = base.empty() ? "v" : base;
  for (int i = 1; used_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

std::string OnnxBuilder::initializer(const std::string& base, model::ElementType type, const model::Shape& shape,
                                     const void* bytes, std::size_t size) {
  const std::string name = fresh(base);
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx_type(type));
  for (int d : shape) t->add_dims(d);
  t->set_raw_data(bytes, size);  // little endian, as ONNX's raw_data
  return name;
}

std::string OnnxBuilder::floats(const std::string& base, const model::Shape& shape, const std::vector<float>& values) {
  return initializer(base, model::ElementType::f32, shape, values.data(), values.size() * sizeof(float));
}

std::string OnnxBuilder::int64s(const std::string& base, const std::vector<std::int64_t>& values) {
  return initializer(base, model::ElementType::i64, {int(values.size())}, values.data(),
                     values.size() * sizeof(std::int64_t));
}

std::string OnnxBuilder::zero_points(const std::string& base, model::ElementType type,
                                     const std::vector<std::int64_t>& values) {
  const std::size_t size = model::element_size(type);
  std::vector<std::uint8_t> bytes(values.size() * size);
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Little-endian truncation of the (range-checked by validate) value to the type's width.
    const auto v = static_cast<std::uint64_t>(values[i]);
    for (std::size_t k = 0; k < size; ++k) bytes[i * size + k] = static_cast<std::uint8_t>(v >> (8 * k));
  }
  const model::Shape shape = values.size() == 1 ? model::Shape{} : model::Shape{int(values.size())};
  return initializer(base, type, shape, bytes.data(), bytes.size());
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                   const std::string& output_base) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op_type);
  for (const auto& i : inputs) n->add_input(i);
  const std::string out = fresh(output_base);
  n->add_output(out);
  n->set_name(out);
  return *n;
}

namespace {
void value_info(onnx::ValueInfoProto* v, const std::string& name, model::ElementType type, const model::Shape& shape) {
  v->set_name(name);
  auto* tensor = v->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx_type(type));
  auto* dims = tensor->mutable_shape();
  for (int d : shape) dims->add_dim()->set_dim_value(d);
}
}  // namespace

void OnnxBuilder::add_input(const std::string& name, model::ElementType type, const model::Shape& shape) {
  value_info(graph_->add_input(), name, type, shape);
}
void OnnxBuilder::add_output(const std::string& name, model::ElementType type, const model::Shape& shape) {
  value_info(graph_->add_output(), name, type, shape);
}

void set_attr(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}
void set_attr(onnx::NodeProto& node, const std::string& name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}
void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

}  // namespace nilm::convert::onnx_detail
