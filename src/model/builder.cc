#include "model/builder.h"

#include <cctype>
#include <cstring>

#include "core/error.h"

namespace nilm::model {

namespace {

template <class T>
std::vector<std::uint8_t> to_bytes(const std::vector<T>& values) {
  std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

std::string GraphBuilder::fresh_name(OpKind kind) {
  std::string name = op_name(kind);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name + "_" + std::to_string(counter_++);
}

int GraphBuilder::input(const std::string& name, Shape shape, ElementType type) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  const int index = graph_.add_tensor(std::move(t));
  graph_.inputs.push_back(index);
  return index;
}

void GraphBuilder::output(int tensor) {
  graph_.tensor(tensor);  // range check
  graph_.outputs.push_back(tensor);
}

int GraphBuilder::constant(const std::string& name, Shape shape, const std::vector<float>& values) {
  return constant_raw(name, std::move(shape), ElementType::f32, to_bytes(values));
}

int GraphBuilder::constant_i32(const std::string& name, Shape shape, const std::vector<std::int32_t>& values) {
  return constant_raw(name, std::move(shape), ElementType::i32, to_bytes(values));
}

int GraphBuilder::constant_raw(const std::string& name, Shape shape, ElementType type,
                               std::vector<std::uint8_t> bytes, std::optional<Quantization> quantization) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (bytes.size() != t.byte_size())
    fail("constant '" + name + "': " + std::to_string(bytes.size()) + " bytes for shape " +
         shape_string(t.shape) + " of " + element_type_name(type) + " (needs " + std::to_string(t.byte_size()) + ")");
  t.data = ConstantData(std::move(bytes));
  t.quantization = std::move(quantization);
  return graph_.add_tensor(std::move(t));
}

int GraphBuilder::op(OpKind kind, std::vector<int> inputs, OpAttrs attrs, const std::string& name,
                     ElementType out_type) {
  Op o;
  o.kind = kind;
  o.inputs = std::move(inputs);
  o.attrs = std::move(attrs);
  for (int t : o.inputs)
    if (t != -1) graph_.tensor(t);  // range check before shape inference reads it
  const std::vector<Shape> shapes = [&] {
    try {
      return infer_output_shapes(graph_, o);
    } catch (const Error& e) {
      fail(std::string("building ") + op_name(kind) + ": " + e.what());
    }
  }();
  const std::string base = name.empty() ? fresh_name(kind) : name;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    Tensor t;
    t.name = i == 0 ? base : base + ":" + std::to_string(i);
    t.shape = shapes[i];
    t.type = kind == OpKind::quantize     ? out_type
             : kind == OpKind::dequantize ? ElementType::f32
                                          : graph_.tensor(o.inputs[0]).type;
    o.outputs.push_back(graph_.add_tensor(std::move(t)));
  }
  graph_.ops.push_back(std::move(o));
  return graph_.ops.back().outputs[0];
}

int GraphBuilder::conv2d(int x, int weights, int bias, Padding padding, Activation activation, int stride,
                         int dilation) {
  Conv2DAttrs a;
  a.padding = padding;
  a.activation = activation;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  return op(OpKind::conv2d, {x, weights, bias}, a);
}

int GraphBuilder::conv1d(int x, int weights, int bias, Padding padding, Activation activation, int stride,
                         int dilation) {
  const Shape s = graph_.tensor(x).shape;
  if (s.size() != 3) fail("conv1d: input must be [N, W, C], is " + shape_string(s));
  const int as_2d = reshape(x, {s[0], 1, s[1], s[2]});
  Conv2DAttrs a;
  a.padding = padding;
  a.activation = activation;
  a.stride_w = stride;
  a.dilation_w = dilation;
  const int y = op(OpKind::conv2d, {as_2d, weights, bias}, a);
  const Shape o = graph_.tensor(y).shape;
  return reshape(y, {o[0], o[2], o[3]});
}

int GraphBuilder::max_pool2d(int x, int filter_h, int filter_w, int stride_h, int stride_w, Padding padding) {
  return op(OpKind::max_pool2d, {x}, Pool2DAttrs{padding, stride_h, stride_w, filter_h, filter_w, Activation::none});
}

int GraphBuilder::average_pool2d(int x, int filter_h, int filter_w, int stride_h, int stride_w, Padding padding) {
  return op(OpKind::average_pool2d, {x}, Pool2DAttrs{padding, stride_h, stride_w, filter_h, filter_w, Activation::none});
}

namespace {
template <class Pool>
int pool1d(GraphBuilder& b, int x, Pool pool) {
  const Shape s = b.tensor(x).shape;
  if (s.size() != 3) fail("pool1d: input must be [N, W, C], is " + shape_string(s));
  const int y = pool(b.reshape(x, {s[0], 1, s[1], s[2]}));
  const Shape o = b.tensor(y).shape;
  return b.reshape(y, {o[0], o[2], o[3]});
}
}  // namespace

int GraphBuilder::max_pool1d(int x, int size, int stride, Padding padding) {
  return pool1d(*this, x, [&](int v) { return max_pool2d(v, 1, size, 1, stride, padding); });
}

int GraphBuilder::average_pool1d(int x, int size, int stride, Padding padding) {
  return pool1d(*this, x, [&](int v) { return average_pool2d(v, 1, size, 1, stride, padding); });
}

int GraphBuilder::fully_connected(int x, int weights, int bias, Activation activation, bool keep_num_dims) {
  return op(OpKind::fully_connected, {x, weights, bias}, FullyConnectedAttrs{activation, keep_num_dims, false});
}

int GraphBuilder::reshape(int x, Shape new_shape) {
  const int shape = constant_i32(fresh_name(OpKind::reshape) + "/shape", {static_cast<int>(new_shape.size())},
                                 std::vector<std::int32_t>(new_shape.begin(), new_shape.end()));
  return op(OpKind::reshape, {x, shape}, ReshapeAttrs{std::move(new_shape)});
}

int GraphBuilder::flatten(int x) {
  const Tensor& t = graph_.tensor(x);
  if (t.shape.empty()) fail("flatten: input is a scalar");
  const int batch = t.shape[0];
  return reshape(x, {batch, static_cast<int>(batch ? t.elements() / batch : 0)});
}

int GraphBuilder::transpose(int x, const std::vector<int>& permutation) {
  const int perm = constant_i32(fresh_name(OpKind::transpose) + "/perm", {static_cast<int>(permutation.size())},
                                std::vector<std::int32_t>(permutation.begin(), permutation.end()));
  return op(OpKind::transpose, {x, perm});
}

int GraphBuilder::concatenation(const std::vector<int>& xs, int axis) {
  return op(OpKind::concatenation, xs, ConcatenationAttrs{axis, Activation::none});
}

int GraphBuilder::mean(int x, const std::vector<int>& axes, bool keep_dims) {
  const int a = constant_i32(fresh_name(OpKind::mean) + "/axes", {static_cast<int>(axes.size())},
                             std::vector<std::int32_t>(axes.begin(), axes.end()));
  return op(OpKind::mean, {x, a}, MeanAttrs{keep_dims});
}

int GraphBuilder::add(int a, int b, Activation activation) { return op(OpKind::add, {a, b}, BinaryAttrs{activation}); }
int GraphBuilder::sub(int a, int b, Activation activation) { return op(OpKind::sub, {a, b}, BinaryAttrs{activation}); }
int GraphBuilder::mul(int a, int b, Activation activation) { return op(OpKind::mul, {a, b}, BinaryAttrs{activation}); }
int GraphBuilder::div(int a, int b, Activation activation) { return op(OpKind::div, {a, b}, BinaryAttrs{activation}); }
int GraphBuilder::squared_difference(int a, int b) { return op(OpKind::squared_difference, {a, b}); }
int GraphBuilder::pow(int a, int b) { return op(OpKind::pow, {a, b}); }

int GraphBuilder::unary(OpKind kind, int x) {
  if (op_info(kind).attrs_index != OpAttrs(NoAttrs{}).index() || op_info(kind).max_inputs != 1)
    fail(std::string("unary: ") + op_name(kind) + " is not an attribute-free unary op");
  return op(kind, {x});
}

int GraphBuilder::gelu(int x, bool approximate) { return op(OpKind::gelu, {x}, GeluAttrs{approximate}); }
int GraphBuilder::softmax(int x, float beta) { return op(OpKind::softmax, {x}, SoftmaxAttrs{beta}); }

int GraphBuilder::batch_matmul(int a, int b, bool adj_x, bool adj_y) {
  return op(OpKind::batch_matmul, {a, b}, BatchMatMulAttrs{adj_x, adj_y, false});
}

int GraphBuilder::quantize(int x, ElementType type, Quantization quantization) {
  const int y = op(OpKind::quantize, {x}, NoAttrs{}, "", type);
  graph_.tensor(y).quantization = std::move(quantization);
  return y;
}

int GraphBuilder::dequantize(int x) { return op(OpKind::dequantize, {x}); }

void GraphBuilder::set_metadata(const std::string& key, const std::string& value) { graph_.metadata[key] = value; }

void GraphBuilder::rename(int tensor, const std::string& name) { graph_.tensor(tensor).name = name; }

Graph GraphBuilder::finish() {
  validate(graph_, "graph builder");
  Graph out = std::move(graph_);
  graph_ = Graph{};
  counter_ = 0;
  return out;
}

}  // namespace nilm::model
