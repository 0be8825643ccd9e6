#include "model/graph.h"

#include <array>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/error.h"

namespace nilm::model {

namespace {

struct TypeInfo {
  ElementType type;
  const char* name;
  std::size_t size;
};
constexpr std::array<TypeInfo, 7> type_table{{
    {ElementType::f32, "f32", 4},
    {ElementType::f16, "f16", 2},
    {ElementType::i8, "i8", 1},
    {ElementType::i16, "i16", 2},
    {ElementType::i32, "i32", 4},
    {ElementType::i64, "i64", 8},
    {ElementType::u8, "u8", 1},
}};

// Index of each attribute struct in OpAttrs.
template <class T, class Variant> struct variant_index;
template <class T, class... Ts> struct variant_index<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool matches[] = {std::is_same_v<T, Ts>...};
    std::size_t i = 0;
    while (!matches[i]) ++i;
    return i;
  }();
};
template <class T> constexpr std::size_t attrs_of = variant_index<T, OpAttrs>::value;

constexpr int many = 1 << 16;  // CONCATENATION: no fixed upper bound on inputs

const std::array<OpInfo, op_kind_count> op_table{{
    {OpKind::conv2d, "CONV_2D", 2, 3, 1, attrs_of<Conv2DAttrs>},
    {OpKind::depthwise_conv2d, "DEPTHWISE_CONV_2D", 2, 3, 1, attrs_of<DepthwiseConv2DAttrs>},
    {OpKind::max_pool2d, "MAX_POOL_2D", 1, 1, 1, attrs_of<Pool2DAttrs>},
    {OpKind::average_pool2d, "AVERAGE_POOL_2D", 1, 1, 1, attrs_of<Pool2DAttrs>},
    {OpKind::fully_connected, "FULLY_CONNECTED", 2, 3, 1, attrs_of<FullyConnectedAttrs>},
    {OpKind::reshape, "RESHAPE", 1, 2, 1, attrs_of<ReshapeAttrs>},
    {OpKind::transpose, "TRANSPOSE", 2, 2, 1, attrs_of<NoAttrs>},
    {OpKind::concatenation, "CONCATENATION", 1, many, 1, attrs_of<ConcatenationAttrs>},
    {OpKind::mean, "MEAN", 2, 2, 1, attrs_of<MeanAttrs>},
    {OpKind::add, "ADD", 2, 2, 1, attrs_of<BinaryAttrs>},
    {OpKind::sub, "SUB", 2, 2, 1, attrs_of<BinaryAttrs>},
    {OpKind::mul, "MUL", 2, 2, 1, attrs_of<BinaryAttrs>},
    {OpKind::div, "DIV", 2, 2, 1, attrs_of<BinaryAttrs>},
    {OpKind::squared_difference, "SQUARED_DIFFERENCE", 2, 2, 1, attrs_of<NoAttrs>},
    {OpKind::pow, "POW", 2, 2, 1, attrs_of<NoAttrs>},
    {OpKind::sqrt, "SQRT", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::rsqrt, "RSQRT", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::tanh, "TANH", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::relu, "RELU", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::logistic, "LOGISTIC", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::gelu, "GELU", 1, 1, 1, attrs_of<GeluAttrs>},
    {OpKind::softmax, "SOFTMAX", 1, 1, 1, attrs_of<SoftmaxAttrs>},
    {OpKind::batch_matmul, "BATCH_MATMUL", 2, 2, 1, attrs_of<BatchMatMulAttrs>},
    {OpKind::quantize, "QUANTIZE", 1, 1, 1, attrs_of<NoAttrs>},
    {OpKind::dequantize, "DEQUANTIZE", 1, 1, 1, attrs_of<NoAttrs>},
}};

const TypeInfo& type_info(ElementType type) {
  for (const auto& info : type_table)
    if (info.type == type) return info;
  fail("element type " + std::to_string(static_cast<int>(type)) + " is not one of the graph IR's");
}

}  // namespace

std::size_t element_size(ElementType type) { return type_info(type).size; }
const char* element_type_name(ElementType type) { return type_info(type).name; }

std::int64_t element_count(const Shape& shape) {
  std::int64_t count = 1;
  for (int dim : shape) {
    if (dim < 0) fail("shape " + shape_string(shape) + " has a negative dimension");
    // Cap at 2^40 elements: far above any model here, and bytes = count * 8 cannot overflow.
    if (dim != 0 && count > (std::int64_t{1} << 40) / dim)
      fail("shape " + shape_string(shape) + " has too many elements");
    count *= dim;
  }
  return count;
}

std::string shape_string(const Shape& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

ConstantData::ConstantData(std::vector<std::uint8_t> bytes) {
  auto owned = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  data_ = owned->data();
  size_ = owned->size();
  keeper_ = std::move(owned);
}

ConstantData::ConstantData(const std::uint8_t* data, std::size_t size,
                           std::shared_ptr<const void> keeper)
    : data_(data), size_(size), keeper_(std::move(keeper)) {
  if (!keeper_) keeper_ = std::make_shared<int>(0);  // still marks the tensor constant
}

bool ConstantData::same_bytes(const ConstantData& other) const {
  if (empty() != other.empty() || size_ != other.size_) return false;
  return size_ == 0 || std::memcmp(data_, other.data_, size_) == 0;
}

const char* padding_name(Padding padding) { return padding == Padding::same ? "same" : "valid"; }

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::none: return "none";
    case Activation::relu: return "relu";
    case Activation::relu_n1_to_1: return "relu_n1_to_1";
    case Activation::relu6: return "relu6";
    case Activation::tanh: return "tanh";
  }
  return "?";
}

const OpInfo& op_info(OpKind kind) {
  auto index = static_cast<std::size_t>(kind);
  if (index >= op_table.size()) fail("operator kind " + std::to_string(index) + " is unknown");
  return op_table[index];
}

const char* op_name(OpKind kind) { return op_info(kind).name; }

int Graph::add_tensor(Tensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size() - 1);
}

bool same_graph(const Graph& a, const Graph& b, std::string* first_difference) {
  auto differ = [&](const std::string& what) {
    if (first_difference) *first_difference = what;
    return false;
  };
  if (a.tensors.size() != b.tensors.size()) return differ("tensor count");
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor& x = a.tensors[i];
    const Tensor& y = b.tensors[i];
    const std::string where = "tensor " + std::to_string(i) + " (" + x.name + ")";
    if (x.name != y.name) return differ(where + ": name");
    if (x.type != y.type) return differ(where + ": type");
    if (x.shape != y.shape) return differ(where + ": shape");
    if (!x.data.same_bytes(y.data)) return differ(where + ": data");
    if (x.quantization != y.quantization) return differ(where + ": quantization");
  }
  if (a.ops.size() != b.ops.size()) return differ("op count");
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    const Op& x = a.ops[i];
    const Op& y = b.ops[i];
    const std::string where = "op " + std::to_string(i) + " (" + op_name(x.kind) + ")";
    if (x.kind != y.kind) return differ(where + ": kind");
    if (x.inputs != y.inputs) return differ(where + ": inputs");
    if (x.outputs != y.outputs) return differ(where + ": outputs");
    if (x.attrs != y.attrs) return differ(where + ": attributes");
  }
  if (a.inputs != b.inputs) return differ("graph inputs");
  if (a.outputs != b.outputs) return differ("graph outputs");
  if (a.metadata != b.metadata) return differ("metadata");
  if (a.description != b.description) return differ("description");
  return true;
}

}  // namespace nilm::model
