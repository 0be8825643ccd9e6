// Graph validation: everything a kernel or a planner relies on, checked once, so the runtime
// can trust indices, shapes and byte sizes without re-checking them in inner loops.
#include <cmath>
#include <limits>

#include "core/error.h"
#include "model/graph.h"

namespace nilm::model {

namespace {

constexpr std::size_t max_rank = 6;  // TFLite's broadcasting kernels stop at 6-D

bool is_quantized_type(ElementType t) {
  return t == ElementType::i8 || t == ElementType::u8 || t == ElementType::i16;
}

struct ZeroPointRange { std::int64_t lo, hi; };
ZeroPointRange zero_point_range(ElementType t) {
  switch (t) {
    case ElementType::i8: return {-128, 127};
    case ElementType::u8: return {0, 255};
    case ElementType::i16: return {0, 0};  // int16 activations are symmetric
    default: return {0, 0};                // i32 / i64 biases: zero point 0
  }
}

void check_quantization(const Tensor& t, const std::string& where) {
  if (!t.quantization) {
    if (is_quantized_type(t.type)) fail(where + ": " + element_type_name(t.type) + " tensor has no quantization parameters");
    return;
  }
  const Quantization& q = *t.quantization;
  if (q.scales.empty()) fail(where + ": quantization has no scales");
  if (q.scales.size() != q.zero_points.size())
    fail(where + ": quantization has " + std::to_string(q.scales.size()) + " scales and " +
         std::to_string(q.zero_points.size()) + " zero points");
  if (q.per_channel()) {
    if (q.axis < 0 || static_cast<std::size_t>(q.axis) >= t.shape.size())
      fail(where + ": quantized dimension " + std::to_string(q.axis) + " is out of range for shape " +
           shape_string(t.shape));
    if (q.scales.size() != static_cast<std::size_t>(t.shape[static_cast<std::size_t>(q.axis)]))
      fail(where + ": " + std::to_string(q.scales.size()) + " scales for dimension " +
           std::to_string(q.axis) + " of shape " + shape_string(t.shape));
  } else if (q.axis < 0 || (q.axis > 0 && static_cast<std::size_t>(q.axis) >= t.shape.size())) {
    fail(where + ": quantized dimension " + std::to_string(q.axis) + " is out of range");
  }
  for (float s : q.scales)
    if (!std::isfinite(s) || s <= 0.0f) fail(where + ": quantization scale " + std::to_string(s) + " is not a positive number");
  if (t.type == ElementType::f32 || t.type == ElementType::f16) return;  // min/max only
  const ZeroPointRange range = zero_point_range(t.type);
  for (std::int64_t z : q.zero_points)
    if (z < range.lo || z > range.hi)
      fail(where + ": zero point " + std::to_string(z) + " is out of range for " + element_type_name(t.type));
}

void check_tensor(const Graph& graph, std::size_t index, const std::string& prefix) {
  const Tensor& t = graph.tensors[index];
  const std::string where = prefix + ": tensor " + std::to_string(index) + " '" + t.name + "'";
  element_size(t.type);  // throws on an out-of-range enum value
  if (t.shape.size() > max_rank) fail(where + ": rank " + std::to_string(t.shape.size()) + " exceeds " + std::to_string(max_rank));
  try {
    element_count(t.shape);
  } catch (const Error& e) {
    fail(where + ": " + e.what());
  }
  if (t.is_constant() && t.data.size() != t.byte_size())
    fail(where + ": constant has " + std::to_string(t.data.size()) + " bytes, shape " + shape_string(t.shape) +
         " of " + element_type_name(t.type) + " needs " + std::to_string(t.byte_size()));
  check_quantization(t, where);
}

const Tensor* optional_tensor(const Graph& g, const Op& op, std::size_t i) {
  return i < op.inputs.size() && op.inputs[i] >= 0 ? &g.tensors[static_cast<std::size_t>(op.inputs[i])] : nullptr;
}

// Element types each op accepts (TFLite's float, hybrid and integer kernels).
void check_types(const Graph& g, const Op& op) {
  using T = ElementType;
  const Tensor& x = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& y = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  auto type_error = [&](const std::string& what) { fail("element types: " + what); };
  auto expect = [&](const Tensor& t, T type, const char* role) {
    if (t.type != type)
      type_error(std::string(role) + " '" + t.name + "' is " + element_type_name(t.type) + ", expected " +
                 element_type_name(type));
  };
  switch (op.kind) {
    case OpKind::conv2d:
    case OpKind::depthwise_conv2d:
    case OpKind::fully_connected:
    case OpKind::batch_matmul: {
      const Tensor& w = g.tensors[static_cast<std::size_t>(op.inputs[1])];
      const Tensor* b = op.kind == OpKind::batch_matmul ? nullptr : optional_tensor(g, op, 2);
      if (x.type == T::f32) {
        if (w.type != T::f32 && w.type != T::i8)
          type_error("weights '" + w.name + "' are " + element_type_name(w.type) + ", expected f32 or i8");
        if (b) expect(*b, T::f32, "bias");
        expect(y, T::f32, "output");
      } else if (x.type == T::i8 || x.type == T::u8) {
        expect(w, x.type, "weights");
        if (b) expect(*b, T::i32, "bias");
        expect(y, x.type, "output");
      } else if (x.type == T::i16) {
        expect(w, op.kind == OpKind::batch_matmul ? T::i16 : T::i8, "weights");
        if (b && b->type != T::i64 && b->type != T::i32)
          type_error("bias '" + b->name + "' is " + element_type_name(b->type) + ", expected i64 or i32");
        expect(y, T::i16, "output");
      } else {
        type_error(std::string("input '") + x.name + "' is " + element_type_name(x.type));
      }
      return;
    }
    case OpKind::quantize:
      if (x.type != T::f32 && !is_quantized_type(x.type))
        type_error("input '" + x.name + "' is " + element_type_name(x.type));
      if (!is_quantized_type(y.type))
        type_error("output '" + y.name + "' is " + element_type_name(y.type) + ", expected i8, u8 or i16");
      return;
    case OpKind::dequantize:
      if (!is_quantized_type(x.type) && x.type != T::f16)
        type_error("input '" + x.name + "' is " + element_type_name(x.type) + ", expected i8, u8, i16 or f16");
      expect(y, T::f32, "output");
      return;
    default: break;
  }
  // Everything else computes in its input's type: every data input and the output agree.
  if (x.type == T::f16 || x.type == T::i64) type_error(std::string("input '") + x.name + "' is " + element_type_name(x.type));
  expect(y, x.type, "output");
  const std::size_t data_inputs =
      op.kind == OpKind::reshape || op.kind == OpKind::transpose || op.kind == OpKind::mean ? 1 : op.inputs.size();
  for (std::size_t i = 1; i < data_inputs; ++i) expect(*optional_tensor(g, op, i), x.type, "input");
  const bool float_only = op.kind == OpKind::sqrt || op.kind == OpKind::rsqrt || op.kind == OpKind::gelu ||
                          op.kind == OpKind::tanh || op.kind == OpKind::logistic || op.kind == OpKind::softmax;
  if (float_only && x.type == T::i32) type_error(std::string(op_name(op.kind)) + " does not take i32");
}

void check_activation(Activation a) {
  if (static_cast<int>(a) > static_cast<int>(Activation::tanh)) fail("fused activation is unknown");
  // TFLite's kernels clamp for RELU/RELU6/RELU_N1_TO_1 and silently ignore a fused TANH
  // (FULLY_CONNECTED refuses it), so a file saying TANH would compute something else in TFLite.
  if (a == Activation::tanh) fail("fused activation TANH is not applied by TFLite's kernels; use a TANH op");
}
void check_padding(Padding p) {
  if (static_cast<int>(p) > static_cast<int>(Padding::valid)) fail("padding is unknown");
}

// Attribute values that shape inference does not already cover.
void check_attributes(const Op& op) {
  std::visit(
      [](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Conv2DAttrs> || std::is_same_v<A, DepthwiseConv2DAttrs> ||
                      std::is_same_v<A, Pool2DAttrs>) {
          check_padding(a.padding);
          check_activation(a.activation);
        } else if constexpr (std::is_same_v<A, FullyConnectedAttrs> || std::is_same_v<A, ConcatenationAttrs> ||
                             std::is_same_v<A, BinaryAttrs>) {
          check_activation(a.activation);
        } else if constexpr (std::is_same_v<A, SoftmaxAttrs>) {
          if (!std::isfinite(a.beta) || a.beta <= 0.0f) fail("softmax beta " + std::to_string(a.beta) + " is not positive");
        }
      },
      op.attrs);
}

}  // namespace

void validate(const Graph& graph, const std::string& where) {
  const std::size_t n = graph.tensors.size();
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) fail(where + ": too many tensors");
  for (std::size_t i = 0; i < n; ++i) check_tensor(graph, i, where);

  // available[t]: the value of tensor t exists at this point of execution.
  std::vector<bool> available(n, false), produced(n, false), is_input(n, false);
  for (std::size_t i = 0; i < n; ++i) available[i] = graph.tensors[i].is_constant();
  auto check_index = [&](int t, const std::string& what) {
    if (t < 0 || static_cast<std::size_t>(t) >= n)
      fail(where + ": " + what + " refers to tensor " + std::to_string(t) + ", the graph has " + std::to_string(n));
    return static_cast<std::size_t>(t);
  };
  for (int t : graph.inputs) {
    const std::size_t i = check_index(t, "graph input");
    if (graph.tensors[i].is_constant()) fail(where + ": graph input tensor " + std::to_string(t) + " is a constant");
    if (is_input[i]) fail(where + ": tensor " + std::to_string(t) + " is listed twice as a graph input");
    is_input[i] = available[i] = true;
  }
  if (graph.outputs.empty()) fail(where + ": the graph has no outputs");

  for (std::size_t k = 0; k < graph.ops.size(); ++k) {
    const Op& op = graph.ops[k];
    const std::string at = where + ": operator " + std::to_string(k) + " (" +
                           (static_cast<int>(op.kind) < op_kind_count ? op_name(op.kind) : "unknown") + ")";
    try {
      const OpInfo& info = op_info(op.kind);
      const int inputs = static_cast<int>(op.inputs.size());
      if (inputs < info.min_inputs || inputs > info.max_inputs)
        fail("has " + std::to_string(inputs) + " inputs, expects " +
             (info.min_inputs == info.max_inputs ? std::to_string(info.min_inputs)
                                                 : std::to_string(info.min_inputs) + " to " + std::to_string(info.max_inputs)));
      if (static_cast<int>(op.outputs.size()) != info.outputs)
        fail("has " + std::to_string(op.outputs.size()) + " outputs, expects " + std::to_string(info.outputs));
      if (op.attrs.index() != info.attrs_index) fail("attributes are not those of this operator");
      for (int i = 0; i < inputs; ++i) {
        const int t = op.inputs[static_cast<std::size_t>(i)];
        if (t == -1 && i >= info.min_inputs) continue;  // absent optional input
        if (t < 0 || static_cast<std::size_t>(t) >= n)
          fail("input " + std::to_string(i) + " refers to tensor " + std::to_string(t) + ", the graph has " + std::to_string(n));
        if (!available[static_cast<std::size_t>(t)])
          fail("input " + std::to_string(i) + " reads tensor " + std::to_string(t) + " '" +
               graph.tensors[static_cast<std::size_t>(t)].name + "' before any operator computes it");
      }
      for (std::size_t i = 0; i < op.outputs.size(); ++i) {
        const int t = op.outputs[i];
        if (t < 0 || static_cast<std::size_t>(t) >= n)
          fail("output " + std::to_string(i) + " refers to tensor " + std::to_string(t) + ", the graph has " + std::to_string(n));
        const std::size_t u = static_cast<std::size_t>(t);
        if (graph.tensors[u].is_constant()) fail("writes the constant tensor " + std::to_string(t));
        if (is_input[u]) fail("writes the graph input tensor " + std::to_string(t));
        if (produced[u]) fail("writes tensor " + std::to_string(t) + ", which an earlier operator already wrote");
      }
      check_attributes(op);
      const std::vector<Shape> shapes = infer_output_shapes(graph, op);
      for (std::size_t i = 0; i < op.outputs.size(); ++i) {
        const Tensor& out = graph.tensors[static_cast<std::size_t>(op.outputs[i])];
        if (out.shape != shapes[i])
          fail("output '" + out.name + "' has shape " + shape_string(out.shape) + ", the inputs give " +
               shape_string(shapes[i]));
      }
      check_types(graph, op);
    } catch (const Error& e) {
      fail(at + ": " + e.what());
    }
    for (int t : op.outputs) produced[static_cast<std::size_t>(t)] = available[static_cast<std::size_t>(t)] = true;
  }

  for (int t : graph.outputs) {
    const std::size_t i = check_index(t, "graph output");
    if (!available[i]) fail(where + ": graph output tensor " + std::to_string(t) + " '" + graph.tensors[i].name + "' is never computed");
  }
}

}  // namespace nilm::model
