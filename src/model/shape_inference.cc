// Output shapes per op kind, following TFLite's kernels. A file whose declared shapes disagree
// with these is refused, so kernels can size loops from the declared shapes safely.
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "model/graph.h"

namespace nilm::model {

namespace {

const Tensor& input(const Graph& graph, const Op& op, std::size_t i) {
  if (i >= op.inputs.size() || op.inputs[i] < 0 ||
      static_cast<std::size_t>(op.inputs[i]) >= graph.tensors.size())
    fail("input " + std::to_string(i) + " is missing");
  return graph.tensors[static_cast<std::size_t>(op.inputs[i])];
}

bool has_input(const Op& op, std::size_t i) { return i < op.inputs.size() && op.inputs[i] >= 0; }

void require_rank(const Tensor& t, std::size_t rank, const char* what) {
  if (t.shape.size() != rank)
    fail(std::string(what) + " '" + t.name + "' must have rank " + std::to_string(rank) +
         ", has shape " + shape_string(t.shape));
}

// Values of a constant int32 tensor (shape operands of RESHAPE, TRANSPOSE, MEAN).
std::vector<int> constant_ints(const Tensor& t, const char* what) {
  if (!t.is_constant()) fail(std::string(what) + " '" + t.name + "' must be a constant");
  if (t.type != ElementType::i32) fail(std::string(what) + " '" + t.name + "' must be i32");
  if (t.shape.size() > 1) fail(std::string(what) + " '" + t.name + "' must be 1-D");
  auto n = static_cast<std::size_t>(t.elements());
  if (t.data.size() != n * 4) fail(std::string(what) + " '" + t.name + "' has the wrong byte size");
  std::vector<int> values(n);
  if (n) std::memcpy(values.data(), t.data.data(), n * 4);
  return values;
}

void require_positive(int value, const char* what) {
  if (value < 1) fail(std::string(what) + " must be >= 1, is " + std::to_string(value));
}

// TFLite's output size for one spatial dimension.
int window_output(int in, int kernel, int stride, int dilation, Padding padding, const char* dim) {
  require_positive(kernel, "kernel size");
  require_positive(stride, "stride");
  require_positive(dilation, "dilation");
  const std::int64_t effective = std::int64_t{kernel - 1} * dilation + 1;
  if (padding == Padding::same) return static_cast<int>((std::int64_t{in} + stride - 1) / stride);
  if (in < effective)
    fail(std::string("input ") + dim + " " + std::to_string(in) + " is smaller than the kernel (" +
         std::to_string(effective) + ") with valid padding");
  return static_cast<int>((in - effective + stride) / stride);
}

void check_bias(const Graph& graph, const Op& op, int channels) {
  if (!has_input(op, 2)) return;
  const Tensor& bias = input(graph, op, 2);
  if (bias.shape != Shape{channels})
    fail("bias '" + bias.name + "' must have shape [" + std::to_string(channels) + "], has " +
         shape_string(bias.shape));
}

Shape broadcast(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    int x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (x != y && x != 1 && y != 1)
      fail("shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Shape conv2d_shape(const Graph& graph, const Op& op) {
  const auto& a = op.attr<Conv2DAttrs>();
  const Tensor& x = input(graph, op, 0);
  const Tensor& w = input(graph, op, 1);
  require_rank(x, 4, "input");
  require_rank(w, 4, "weights");
  if (w.shape[3] != x.shape[3])
    fail("weights " + shape_string(w.shape) + " (OHWI) do not match " +
         std::to_string(x.shape[3]) + " input channels");
  check_bias(graph, op, w.shape[0]);
  return {x.shape[0], window_output(x.shape[1], w.shape[1], a.stride_h, a.dilation_h, a.padding, "height"),
          window_output(x.shape[2], w.shape[2], a.stride_w, a.dilation_w, a.padding, "width"),
          w.shape[0]};
}

Shape depthwise_shape(const Graph& graph, const Op& op) {
  const auto& a = op.attr<DepthwiseConv2DAttrs>();
  const Tensor& x = input(graph, op, 0);
  const Tensor& w = input(graph, op, 1);
  require_rank(x, 4, "input");
  require_rank(w, 4, "weights");
  require_positive(a.depth_multiplier, "depth_multiplier");
  if (w.shape[0] != 1 || std::int64_t{x.shape[3]} * a.depth_multiplier != w.shape[3])
    fail("weights " + shape_string(w.shape) + " must be [1,kh,kw," +
         std::to_string(std::int64_t{x.shape[3]} * a.depth_multiplier) + "]");
  check_bias(graph, op, w.shape[3]);
  return {x.shape[0], window_output(x.shape[1], w.shape[1], a.stride_h, a.dilation_h, a.padding, "height"),
          window_output(x.shape[2], w.shape[2], a.stride_w, a.dilation_w, a.padding, "width"),
          w.shape[3]};
}

Shape pool_shape(const Graph& graph, const Op& op) {
  const auto& a = op.attr<Pool2DAttrs>();
  const Tensor& x = input(graph, op, 0);
  require_rank(x, 4, "input");
  return {x.shape[0], window_output(x.shape[1], a.filter_h, a.stride_h, 1, a.padding, "height"),
          window_output(x.shape[2], a.filter_w, a.stride_w, 1, a.padding, "width"), x.shape[3]};
}

Shape fully_connected_shape(const Graph& graph, const Op& op) {
  const auto& a = op.attr<FullyConnectedAttrs>();
  const Tensor& x = input(graph, op, 0);
  const Tensor& w = input(graph, op, 1);
  require_rank(w, 2, "weights");
  const int out = w.shape[0], in = w.shape[1];
  if (in < 1) fail("weights " + shape_string(w.shape) + " have no input features");
  check_bias(graph, op, out);
  if (x.shape.empty()) fail("input '" + x.name + "' is a scalar");
  if (a.keep_num_dims) {
    if (x.shape.back() != in)
      fail("input " + shape_string(x.shape) + " last dimension must be " + std::to_string(in));
    Shape shape = x.shape;
    shape.back() = out;
    return shape;
  }
  const std::int64_t elements = x.elements();
  if (elements % in != 0 || elements / in > std::numeric_limits<int>::max())
    fail("input " + shape_string(x.shape) + " is not a multiple of " + std::to_string(in) +
         " input features");
  return {static_cast<int>(elements / in), out};
}

Shape reshape_shape(const Graph& graph, const Op& op) {
  const Tensor& x = input(graph, op, 0);
  Shape shape = op.attr<ReshapeAttrs>().new_shape;
  if (has_input(op, 1)) {
    Shape operand = constant_ints(input(graph, op, 1), "shape operand");
    if (!shape.empty() && operand != shape)
      fail("shape operand " + shape_string(operand) + " differs from new_shape " + shape_string(shape));
    shape = operand;
  }
  int unknown = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
      continue;
    }
    if (shape[i] < 0) fail("new shape " + shape_string(shape) + " is invalid");
    if (shape[i] != 0 && known > (std::int64_t{1} << 40) / shape[i])
      fail("new shape " + shape_string(shape) + " is too large");
    known *= shape[i];
  }
  const std::int64_t elements = x.elements();
  if (unknown >= 0) {
    if (known == 0 || elements % known != 0 || elements / known > std::numeric_limits<int>::max())
      fail("cannot reshape " + shape_string(x.shape) + " to " + shape_string(shape));
    shape[static_cast<std::size_t>(unknown)] = static_cast<int>(elements / known);
  } else if (known != elements) {
    fail("cannot reshape " + shape_string(x.shape) + " to " + shape_string(shape));
  }
  return shape;
}

Shape transpose_shape(const Graph& graph, const Op& op) {
  const Tensor& x = input(graph, op, 0);
  const std::vector<int> perm = constant_ints(input(graph, op, 1), "permutation");
  if (perm.size() != x.shape.size())
    fail("permutation has " + std::to_string(perm.size()) + " entries for rank " +
         std::to_string(x.shape.size()));
  std::vector<bool> seen(perm.size(), false);
  Shape shape(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const int p = perm[i];
    if (p < 0 || static_cast<std::size_t>(p) >= perm.size() || seen[static_cast<std::size_t>(p)])
      fail("permutation " + shape_string(perm) + " is not a permutation");
    seen[static_cast<std::size_t>(p)] = true;
    shape[i] = x.shape[static_cast<std::size_t>(p)];
  }
  return shape;
}

Shape concatenation_shape(const Graph& graph, const Op& op) {
  const Tensor& first = input(graph, op, 0);
  const int rank = static_cast<int>(first.shape.size());
  int axis = op.attr<ConcatenationAttrs>().axis;
  if (axis < -rank || axis >= rank)
    fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  Shape shape = first.shape;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < op.inputs.size(); ++i) {
    const Tensor& t = input(graph, op, i);
    if (t.shape.size() != first.shape.size())
      fail("input " + std::to_string(i) + " has rank " + std::to_string(t.shape.size()) +
           ", input 0 has " + std::to_string(rank));
    for (int d = 0; d < rank; ++d)
      if (d != axis && t.shape[static_cast<std::size_t>(d)] != first.shape[static_cast<std::size_t>(d)])
        fail("input " + std::to_string(i) + " shape " + shape_string(t.shape) +
             " does not match " + shape_string(first.shape) + " outside the axis");
    total += t.shape[static_cast<std::size_t>(axis)];
  }
  if (total > (1 << 30)) fail("concatenated axis is too large");
  shape[static_cast<std::size_t>(axis)] = static_cast<int>(total);
  return shape;
}

Shape mean_shape(const Graph& graph, const Op& op) {
  const Tensor& x = input(graph, op, 0);
  const std::vector<int> axes = constant_ints(input(graph, op, 1), "axes");
  const int rank = static_cast<int>(x.shape.size());
  std::vector<bool> reduced(x.shape.size(), false);
  for (int axis : axes) {
    if (axis < -rank || axis >= rank)
      fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    reduced[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)] = true;
  }
  Shape shape;
  for (std::size_t d = 0; d < x.shape.size(); ++d) {
    if (!reduced[d]) shape.push_back(x.shape[d]);
    else if (op.attr<MeanAttrs>().keep_dims) shape.push_back(1);
  }
  return shape;
}

Shape batch_matmul_shape(const Graph& graph, const Op& op) {
  const auto& a = op.attr<BatchMatMulAttrs>();
  const Tensor& x = input(graph, op, 0);
  const Tensor& y = input(graph, op, 1);
  if (x.shape.size() < 2 || y.shape.size() < 2)
    fail("operands " + shape_string(x.shape) + " and " + shape_string(y.shape) + " need rank >= 2");
  const std::size_t rx = x.shape.size(), ry = y.shape.size();
  const int m = a.adj_x ? x.shape[rx - 1] : x.shape[rx - 2];
  const int kx = a.adj_x ? x.shape[rx - 2] : x.shape[rx - 1];
  const int ky = a.adj_y ? y.shape[ry - 1] : y.shape[ry - 2];
  const int n = a.adj_y ? y.shape[ry - 2] : y.shape[ry - 1];
  if (kx != ky)
    fail("inner dimensions differ: " + shape_string(x.shape) + (a.adj_x ? "^T" : "") + " x " +
         shape_string(y.shape) + (a.adj_y ? "^T" : ""));
  Shape shape = broadcast(Shape(x.shape.begin(), x.shape.end() - 2), Shape(y.shape.begin(), y.shape.end() - 2));
  shape.push_back(m);
  shape.push_back(n);
  return shape;
}

}  // namespace

std::vector<Shape> infer_output_shapes(const Graph& graph, const Op& op) {
  const OpInfo& info = op_info(op.kind);
  if (op.attrs.index() != info.attrs_index)
    fail(std::string("attributes are not those of ") + info.name);
  const Tensor& x = input(graph, op, 0);
  switch (op.kind) {
    case OpKind::conv2d: return {conv2d_shape(graph, op)};
    case OpKind::depthwise_conv2d: return {depthwise_shape(graph, op)};
    case OpKind::max_pool2d:
    case OpKind::average_pool2d: return {pool_shape(graph, op)};
    case OpKind::fully_connected: return {fully_connected_shape(graph, op)};
    case OpKind::reshape: return {reshape_shape(graph, op)};
    case OpKind::transpose: return {transpose_shape(graph, op)};
    case OpKind::concatenation: return {concatenation_shape(graph, op)};
    case OpKind::mean: return {mean_shape(graph, op)};
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div:
    case OpKind::squared_difference:
    case OpKind::pow: return {broadcast(x.shape, input(graph, op, 1).shape)};
    case OpKind::softmax:
      if (x.shape.empty()) fail("input '" + x.name + "' is a scalar");
      return {x.shape};
    case OpKind::batch_matmul: return {batch_matmul_shape(graph, op)};
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::relu:
    case OpKind::logistic:
    case OpKind::gelu:
    case OpKind::quantize:
    case OpKind::dequantize: return {x.shape};
  }
  fail("operator kind is unknown");
}

}  // namespace nilm::model
