#include "convert/onnx_export.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>

#include "convert/onnx_builder.h"
#include "core/error.h"

namespace nilm::convert {
namespace {

using model::Activation;
using model::ElementType;
using model::Graph;
using model::Op;
using model::OpKind;
using model::Shape;
using model::Tensor;
using onnx_detail::OnnxBuilder;
using onnx_detail::set_attr;

// How a tensor is laid out in ONNX: ONNX dimension i is the IR's dimension perm[i] (after the
// IR shape is padded with leading 1s to perm.size(), for broadcasting constants).
using Perm = std::vector<int>;
const Perm kNchw{0, 3, 1, 2};       // NHWC activations, OHWI conv weights -> NCHW / OIHW
const Perm kDepthwise{3, 0, 1, 2};  // [1, kh, kw, C*m] -> [C*m, 1, kh, kw]

Perm identity(std::size_t rank) {
  Perm p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

Shape padded(const Shape& shape, std::size_t rank) {
  Shape s(rank - shape.size(), 1);
  s.insert(s.end(), shape.begin(), shape.end());
  return s;
}

Shape permuted(const Shape& shape, const Perm& p) {
  Shape s(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) s[i] = shape[std::size_t(p[i])];
  return s;
}

// Constant bytes transposed: out[i0..] = in[...] with out dim i = in dim p[i].
std::vector<std::uint8_t> permute_bytes(const std::uint8_t* src, const Shape& shape, const Perm& p, std::size_t esize) {
  const std::size_t rank = shape.size();
  std::vector<std::size_t> in_stride(rank, 1);
  for (std::size_t d = rank; d-- > 1;) in_stride[d - 1] = in_stride[d] * std::size_t(shape[d]);
  const Shape out_shape = permuted(shape, p);
  const std::size_t n = std::size_t(model::element_count(shape));
  std::vector<std::uint8_t> out(n * esize);
  std::vector<int> index(rank, 0);  // odometer over the output
  for (std::size_t o = 0; o < n; ++o) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < rank; ++i) offset += std::size_t(index[i]) * in_stride[std::size_t(p[i])];
    std::memcpy(&out[o * esize], src + offset * esize, esize);
    for (std::size_t i = rank; i-- > 0;) {
      if (++index[i] < out_shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

// TFLite padding as ONNX's explicit begin/end pads for one spatial dimension.
std::pair<std::int64_t, std::int64_t> pads_for(model::Padding padding, int in, int out, int k, int stride, int dilation) {
  if (padding == model::Padding::valid) return {0, 0};
  const std::int64_t effective = std::int64_t(k - 1) * dilation + 1;
  const std::int64_t total = std::max<std::int64_t>(std::int64_t(out - 1) * stride + effective - in, 0);
  return {total / 2, total - total / 2};
}

bool is_quantized_int(const Tensor& t) {
  return t.type != ElementType::f32 && t.type != ElementType::f16 && t.quantization.has_value();
}

// int8 activations are stored as uint8 with zero point + 128: the same real values (q + 128
// on both sides), and the type ONNX Runtime's x86 kernels fuse QLinearConv for (it fuses int8
// activations only on Arm, unless a session option says otherwise). Weights stay int8.
bool shifted_to_u8(const Tensor& t) {
  return t.type == ElementType::i8 && !t.is_constant() && t.quantization && !t.quantization->per_channel();
}
ElementType stored_type(const Tensor& t) { return shifted_to_u8(t) ? ElementType::u8 : t.type; }
std::vector<std::int64_t> stored_zero_points(const Tensor& t) {
  std::vector<std::int64_t> zp = t.quantization->zero_points;
  if (shifted_to_u8(t))
    for (auto& z : zp) z += 128;
  return zp;
}

class Exporter {
 public:
  Exporter(const Graph& graph, const std::string& where, onnx::GraphProto* proto)
      : g_(graph), where_(where), b_(proto), raw_(graph.tensors.size()), real_(graph.tensors.size()),
        home_(graph.tensors.size()) {}

  OnnxBuilder& builder() { return b_; }
  const Tensor& t(int index) const { return g_.tensor(index); }
  [[noreturn]] void fail_op(const Op& op, const std::string& message) const {
    fail(where_ + ": operator " + std::to_string(&op - g_.ops.data()) + " (" + model::op_name(op.kind) +
         "): " + message);
  }

  // The layout a computed tensor was produced in.
  const Perm& home(int index) const { return home_[std::size_t(index)]; }
  bool has(int index, const Perm& p) const { return raw_[std::size_t(index)].count(p) > 0; }

  // Tensor `index` in its own element type, laid out as `p` (a Transpose, a permuted
  // initializer or a Reshape to the padded rank is added once and reused).
  std::string value(int index, const Perm& p) {
    auto& known = raw_[std::size_t(index)];
    if (auto it = known.find(p); it != known.end()) return it->second;
    const Tensor& tensor = t(index);
    const std::size_t rank = tensor.shape.size();
    if (p.size() < rank) fail(where_ + ": tensor '" + tensor.name + "': layout of lower rank requested");
    std::string name;
    if (tensor.is_constant()) {
      const Shape shape = padded(tensor.shape, p.size());
      const auto bytes = permute_bytes(tensor.data.data(), shape, p, model::element_size(tensor.type));
      name = b_.initializer(tensor.name, tensor.type, permuted(shape, p), bytes.data(), bytes.size());
    } else if (p.size() > rank) {  // broadcast operand: reshape to the padded rank first
      const Shape shape = padded(tensor.shape, p.size());
      const std::string r = reshape(value(index, identity(rank)), shape, tensor.name + "/rank");
      name = transpose(r, p, tensor.name);
    } else {
      const Perm& from = home(index);  // the layout it was computed in (full rank)
      const std::string& from_name = known.at(from);
      Perm to_onnx(p.size());  // ONNX Transpose: out dim i = in dim perm[i]
      for (std::size_t i = 0; i < p.size(); ++i)
        to_onnx[i] = int(std::find(from.begin(), from.end(), p[i]) - from.begin());
      name = transpose(from_name, to_onnx, tensor.name);
    }
    known[p] = name;
    return name;
  }

  // Tensor `index` as float32 in layout `p`: DequantizeLinear for quantized integers, Cast for
  // float16, the value itself for float32.
  std::string real(int index, const Perm& p) {
    const Tensor& tensor = t(index);
    if (tensor.type == ElementType::f32) return value(index, p);
    auto& known = real_[std::size_t(index)];
    if (auto it = known.find(p); it != known.end()) return it->second;
    std::string name;
    if (tensor.type == ElementType::f16) {
      auto& cast = b_.node("Cast", {value(index, p)}, tensor.name + "/float");
      set_attr(cast, "to", std::int64_t(onnx::TensorProto::FLOAT));
      name = cast.output(0);
    } else if (!tensor.quantization) {
      fail(where_ + ": tensor '" + tensor.name + "' is " + model::element_type_name(tensor.type) +
           " without quantization: no float meaning for ONNX");
    } else if (tensor.type == ElementType::i64) {
      name = dequantized_constant(index, p);  // int64 biases (w8_a16): DequantizeLinear has no int64
    } else {
      name = dequantize(value(index, p), tensor, p);
    }
    known[p] = name;
    return name;
  }

  // DequantizeLinear of `raw` holding tensor `tensor` laid out as `p`.
  std::string dequantize(const std::string& raw, const Tensor& tensor, const Perm& p) {
    return dequantize_as(raw, tensor, p, stored_type(tensor), stored_zero_points(tensor));
  }
  std::string dequantize_as(const std::string& raw, const Tensor& tensor, const Perm& p, ElementType type,
                            const std::vector<std::int64_t>& zero_points) {
    const auto& q = *tensor.quantization;
    std::vector<std::string> inputs{raw, scales(tensor), b_.zero_points(tensor.name + "/zero_point", type, zero_points)};
    auto& n = b_.node("DequantizeLinear", inputs, tensor.name + "/dequantized");
    if (q.per_channel()) set_attr(n, "axis", std::int64_t(onnx_axis(tensor, p)));
    return n.output(0);
  }

  // Stores the float result of an op as tensor `index` in layout `p`: QuantizeLinear to the
  // tensor's type, scale and zero point when it is a quantized integer.
  void set_real(int index, const Perm& p, const std::string& float_name) { define(index, p, quantize(float_name, t(index))); }

  std::string quantize(const std::string& float_name, const Tensor& tensor) {
    return quantize_as(float_name, tensor, stored_type(tensor), tensor.type == ElementType::f32 ? std::vector<std::int64_t>{}
                                                                                                 : stored_zero_points(tensor));
  }
  std::string quantize_as(const std::string& float_name, const Tensor& tensor, ElementType type,
                          const std::vector<std::int64_t>& zero_points) {
    if (tensor.type == ElementType::f32) return float_name;
    if (!is_quantized_int(tensor) || tensor.quantization->per_channel() ||
        (tensor.type != ElementType::i8 && tensor.type != ElementType::u8 && tensor.type != ElementType::i16))
      fail(where_ + ": tensor '" + tensor.name + "': only per-tensor int8/uint8/int16 activations can be quantized in ONNX");
    return b_.node("QuantizeLinear", {float_name, scales(tensor), b_.zero_points(tensor.name + "/zero_point", type, zero_points)},
                   tensor.name)
        .output(0);
  }

  void define(int index, const Perm& p, const std::string& name) {
    raw_[std::size_t(index)][p] = name;
    if (home_[std::size_t(index)].empty()) home_[std::size_t(index)] = p;
  }

  std::string reshape(const std::string& x, const Shape& shape, const std::string& base) {
    std::vector<std::int64_t> dims(shape.begin(), shape.end());
    return b_.node("Reshape", {x, b_.int64s(base + "/shape", dims)}, base).output(0);
  }
  std::string transpose(const std::string& x, const Perm& perm, const std::string& base) {
    auto& n = b_.node("Transpose", {x}, base + "/transposed");
    set_attr(n, "perm", std::vector<std::int64_t>(perm.begin(), perm.end()));
    return n.output(0);
  }

  // The fused activation as its own node (ONNX Runtime fuses Conv/Gemm + Relu back).
  std::string activation(const std::string& x, Activation a, const std::string& base) {
    switch (a) {
      case Activation::none: return x;
      case Activation::relu: return b_.node("Relu", {x}, base + "/relu").output(0);
      case Activation::relu6:
        return b_.node("Clip", {x, b_.floats(base + "/min", {}, {0.f}), b_.floats(base + "/max", {}, {6.f})}, base + "/relu6").output(0);
      case Activation::relu_n1_to_1:
        return b_.node("Clip", {x, b_.floats(base + "/min", {}, {-1.f}), b_.floats(base + "/max", {}, {1.f})}, base + "/relu_n1_to_1")
            .output(0);
      case Activation::tanh: break;
    }
    fail(where_ + ": fused " + model::activation_name(a) + " has no ONNX form");
  }

 private:
  std::string scales(const Tensor& tensor) {
    const auto& q = *tensor.quantization;
    const Shape shape = q.scales.size() == 1 ? Shape{} : Shape{int(q.scales.size())};
    return b_.floats(tensor.name + "/scale", shape, q.scales);
  }
  int onnx_axis(const Tensor& tensor, const Perm& p) const {
    const int axis = tensor.quantization->axis + int(p.size() - tensor.shape.size());
    return int(std::find(p.begin(), p.end(), axis) - p.begin());
  }
  std::string dequantized_constant(int index, const Perm& p) {
    const Tensor& tensor = t(index);
    if (!tensor.is_constant()) fail(where_ + ": tensor '" + tensor.name + "': int64 activations have no ONNX QDQ form");
    const auto& q = *tensor.quantization;
    const std::size_t n = std::size_t(tensor.elements());
    const std::size_t axis = std::size_t(q.axis);
    std::size_t inner = 1;
    for (std::size_t d = axis + 1; d < tensor.shape.size(); ++d) inner *= std::size_t(tensor.shape[d]);
    std::vector<float> real(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = q.per_channel() ? (i / inner) % std::size_t(tensor.shape[axis]) : 0;
      real[i] = float(double(q.scales[c]) * double(tensor.data.as<std::int64_t>()[i] - q.zero_points[c]));
    }
    const Shape shape = padded(tensor.shape, p.size());
    const auto bytes = permute_bytes(reinterpret_cast<const std::uint8_t*>(real.data()), shape, p, sizeof(float));
    return b_.initializer(tensor.name + "/float", ElementType::f32, permuted(shape, p), bytes.data(), bytes.size());
  }

  const Graph& g_;
  const std::string& where_;
  OnnxBuilder b_;
  std::vector<std::map<Perm, std::string>> raw_, real_;
  std::vector<Perm> home_;
};

// ---- one lowering per op kind --------------------------------------------------------------

std::string out_name(Exporter& e, const Op& op) { return e.t(op.outputs[0]).name; }

// Same type and quantization in and out: the op may run on the stored integers.
bool keeps_quantization(Exporter& e, const Op& op) {
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& y = e.t(op.outputs[0]);
  return x.type == y.type && x.quantization == y.quantization;
}

// Dynamic-range ("hybrid", w8) ops: float input x constant int8 weights (symmetric) -> float.
// ONNX's form of TFLite's hybrid kernels: the input is quantized per run
// (DynamicQuantizeLinear: uint8, asymmetric, one scale per tensor), the product is integer
// (MatMulInteger / ConvInteger), then int32 -> float times input scale x weight scale[c].
// ONNX Runtime fuses the matmul form into DynamicQuantizeMatMul. TFLite quantizes each batch
// row to int8 instead, so the two round differently (both within the input's quantization step).
bool is_hybrid(Exporter& e, const Op& op) {
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& w = e.t(op.inputs[1]);
  if (x.type != ElementType::f32 || e.t(op.outputs[0]).type != ElementType::f32) return false;
  if (w.type != ElementType::i8 || !w.is_constant() || !w.quantization) return false;
  const auto& zp = w.quantization->zero_points;
  return std::all_of(zp.begin(), zp.end(), [](std::int64_t z) { return z == 0; });
}

struct DynamicInput {
  std::string q, scale, zero_point;
};
DynamicInput dynamic_quantize(Exporter& e, const std::string& x, const std::string& base) {
  auto& n = e.builder().node("DynamicQuantizeLinear", {x}, base + "/dynamic_q");
  n.add_output(e.builder().fresh(base + "/dynamic_scale"));
  n.add_output(e.builder().fresh(base + "/dynamic_zero_point"));
  return {n.output(0), n.output(1), n.output(2)};
}

// int32 product -> float: Cast, times (input scale x weight scales shaped `scale_shape`).
std::string rescale(Exporter& e, const std::string& product, const std::string& input_scale, const Tensor& w,
                    const Shape& scale_shape, const std::string& base) {
  auto& cast = e.builder().node("Cast", {product}, base + "/int32_to_float");
  set_attr(cast, "to", std::int64_t(onnx::TensorProto::FLOAT));
  const auto& scales = w.quantization->scales;
  const std::string w_scale = e.builder().floats(w.name + "/scale", scales.size() == 1 ? Shape{} : scale_shape, scales);
  const std::string scale = e.builder().node("Mul", {input_scale, w_scale}, base + "/scale").output(0);
  return e.builder().node("Mul", {cast.output(0), scale}, base + "/rescaled").output(0);
}

template <class Attrs>
void conv(Exporter& e, const Op& op) {
  const auto& a = op.attr<Attrs>();
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& w = e.t(op.inputs[1]);
  const Tensor& y = e.t(op.outputs[0]);
  constexpr bool depthwise = std::is_same_v<Attrs, model::DepthwiseConv2DAttrs>;
  const Perm& w_layout = depthwise ? kDepthwise : kNchw;
  const bool has_bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
  const bool hybrid = is_hybrid(e, op);
  const std::string base = out_name(e, op);
  std::vector<std::string> inputs;
  DynamicInput dynamic;
  if (hybrid) {
    dynamic = dynamic_quantize(e, e.real(op.inputs[0], kNchw), base);
    inputs = {dynamic.q, e.value(op.inputs[1], w_layout), dynamic.zero_point};
  } else {
    inputs = {e.real(op.inputs[0], kNchw), e.real(op.inputs[1], w_layout)};
    if (has_bias) inputs.push_back(e.real(op.inputs[2], {0}));
  }
  const int kh = w.shape[1], kw = w.shape[2];
  const auto [top, bottom] = pads_for(a.padding, x.shape[1], y.shape[1], kh, a.stride_h, a.dilation_h);
  const auto [left, right] = pads_for(a.padding, x.shape[2], y.shape[2], kw, a.stride_w, a.dilation_w);
  auto& n = e.builder().node(hybrid ? "ConvInteger" : "Conv", inputs, base + (hybrid ? "/conv_integer" : "/conv"));
  set_attr(n, "kernel_shape", std::vector<std::int64_t>{kh, kw});
  set_attr(n, "strides", std::vector<std::int64_t>{a.stride_h, a.stride_w});
  set_attr(n, "dilations", std::vector<std::int64_t>{a.dilation_h, a.dilation_w});
  set_attr(n, "pads", std::vector<std::int64_t>{top, left, bottom, right});
  set_attr(n, "group", std::int64_t(depthwise ? x.shape[3] : 1));
  std::string result = n.output(0);
  if (hybrid) {
    result = rescale(e, result, dynamic.scale, w, {1, y.shape[3], 1, 1}, base);
    if (has_bias) result = e.builder().node("Add", {result, e.real(op.inputs[2], kNchw)}, base + "/bias").output(0);
  }
  e.set_real(op.outputs[0], kNchw, e.activation(result, a.activation, base));
}

void pool(Exporter& e, const Op& op) {
  const auto& a = op.attr<model::Pool2DAttrs>();
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& y = e.t(op.outputs[0]);
  const bool max = op.kind == OpKind::max_pool2d;
  // Max commutes with dequantization: an 8-bit max pool that keeps its quantization runs on
  // the integers (ONNX MaxPool takes int8/uint8, not int16), as TFLite's does.
  const bool on_integers = max && (x.type == ElementType::i8 || x.type == ElementType::u8) && keeps_quantization(e, op) &&
                           a.activation == Activation::none;
  const std::string in = on_integers ? e.value(op.inputs[0], kNchw) : e.real(op.inputs[0], kNchw);
  const auto [top, bottom] = pads_for(a.padding, x.shape[1], y.shape[1], a.filter_h, a.stride_h, 1);
  const auto [left, right] = pads_for(a.padding, x.shape[2], y.shape[2], a.filter_w, a.stride_w, 1);
  auto& n = e.builder().node(max ? "MaxPool" : "AveragePool", {in}, out_name(e, op) + (max ? "/max_pool" : "/average_pool"));
  set_attr(n, "kernel_shape", std::vector<std::int64_t>{a.filter_h, a.filter_w});
  set_attr(n, "strides", std::vector<std::int64_t>{a.stride_h, a.stride_w});
  set_attr(n, "pads", std::vector<std::int64_t>{top, left, bottom, right});
  // AveragePool's default count_include_pad = 0 is TFLite's: padding is not counted.
  if (on_integers) e.define(op.outputs[0], kNchw, n.output(0));
  else e.set_real(op.outputs[0], kNchw, e.activation(n.output(0), a.activation, out_name(e, op)));
}

// FULLY_CONNECTED = Gemm(x as [rows, in], W [out, in], bias, transB = 1). Reshapes happen on
// the stored (possibly int8) values so DequantizeLinear -> Gemm -> QuantizeLinear stays
// adjacent for ONNX Runtime's QDQ fusion.
void fully_connected(Exporter& e, const Op& op) {
  const auto& a = op.attr<model::FullyConnectedAttrs>();
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& w = e.t(op.inputs[1]);
  const Tensor& y = e.t(op.outputs[0]);
  const int in = w.shape[1], out = w.shape[0];
  const int rows = int(x.elements() / in);
  const std::string base = out_name(e, op);
  std::string xv = e.value(op.inputs[0], identity(x.shape.size()));
  std::string xf;
  if (x.shape != Shape{rows, in}) {
    xv = e.reshape(xv, {rows, in}, base + "/rows");
    xf = x.type == ElementType::f32 ? xv : e.dequantize(xv, x, identity(2));
  } else {
    xf = e.real(op.inputs[0], identity(2));
  }
  const bool has_bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
  std::string result;
  if (is_hybrid(e, op)) {  // MatMulInteger(x_u8, W^T int8 [in, out]) and the rescale
    const DynamicInput dynamic = dynamic_quantize(e, xf, base);
    result = e.builder().node("MatMulInteger", {dynamic.q, e.value(op.inputs[1], {1, 0}), dynamic.zero_point},
                              base + "/matmul_integer").output(0);
    result = rescale(e, result, dynamic.scale, w, {out}, base);
    if (has_bias) result = e.builder().node("Add", {result, e.real(op.inputs[2], {0})}, base + "/bias").output(0);
  } else {
    std::vector<std::string> inputs{xf, e.real(op.inputs[1], identity(2))};
    if (has_bias) inputs.push_back(e.real(op.inputs[2], {0}));
    auto& n = e.builder().node("Gemm", inputs, base + "/gemm");
    set_attr(n, "transB", std::int64_t(1));
    result = n.output(0);
  }
  std::string yv = e.quantize(e.activation(result, a.activation, base), y);
  if (y.shape != Shape{rows, out}) yv = e.reshape(yv, y.shape, base);
  e.define(op.outputs[0], identity(y.shape.size()), yv);
}

// RESHAPE / TRANSPOSE move values without changing them: on the integers when quantization is
// kept, else through float.
// The 1-D convolution's views: [N,1,W,C] <-> [N,W,C] only adds or drops the unit height, so a
// channels-first value stays channels-first ([N,C,1,W] <-> [N,C,W]) and a chain of conv1d /
// pool1d layers needs no Transpose between them.
const Perm kNcw{0, 2, 1};
bool unit_height_view(const Shape& from, const Shape& to) {
  return from.size() == 4 && to.size() == 3 && from[1] == 1 && from[0] == to[0] && from[2] == to[1] && from[3] == to[2];
}

void reshape_or_transpose(Exporter& e, const Op& op) {
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& y = e.t(op.outputs[0]);
  const bool on_integers = keeps_quantization(e, op);
  if (op.kind == OpKind::reshape && !x.is_constant()) {
    const bool drop = unit_height_view(x.shape, y.shape) && e.has(op.inputs[0], kNchw);
    const bool add = unit_height_view(y.shape, x.shape) && e.has(op.inputs[0], kNcw);
    if (drop || add) {
      const Perm& from = drop ? kNchw : kNcw;
      const Perm& to = drop ? kNcw : kNchw;
      const std::string in = on_integers ? e.value(op.inputs[0], from) : e.real(op.inputs[0], from);
      const std::string result = e.reshape(in, permuted(y.shape, to), y.name + "/reshape");
      if (on_integers) e.define(op.outputs[0], to, result);
      else e.set_real(op.outputs[0], to, result);
      return;
    }
  }
  const std::size_t rank = x.shape.size();
  const std::string in = on_integers ? e.value(op.inputs[0], identity(rank)) : e.real(op.inputs[0], identity(rank));
  std::string result;
  if (op.kind == OpKind::reshape) {
    result = e.reshape(in, y.shape, y.name + "/reshape");
  } else {
    const Tensor& perm = e.t(op.inputs[1]);
    Perm p(perm.data.as<std::int32_t>(), perm.data.as<std::int32_t>() + perm.elements());
    result = e.transpose(in, p, y.name);
  }
  if (on_integers) e.define(op.outputs[0], identity(y.shape.size()), result);
  else e.set_real(op.outputs[0], identity(y.shape.size()), result);
}

void concatenation(Exporter& e, const Op& op) {
  const auto& a = op.attr<model::ConcatenationAttrs>();
  const Tensor& y = e.t(op.outputs[0]);
  const Perm p = identity(y.shape.size());
  bool on_integers = a.activation == Activation::none && y.type != ElementType::f32;
  for (int i : op.inputs) on_integers = on_integers && e.t(i).type == y.type && e.t(i).quantization == y.quantization;
  std::vector<std::string> inputs;
  for (int i : op.inputs) inputs.push_back(on_integers ? e.value(i, p) : e.real(i, p));
  auto& n = e.builder().node("Concat", inputs, y.name + "/concat");
  set_attr(n, "axis", std::int64_t(a.axis < 0 ? a.axis + int(y.shape.size()) : a.axis));
  if (on_integers) e.define(op.outputs[0], p, n.output(0));
  else e.set_real(op.outputs[0], p, e.activation(n.output(0), a.activation, y.name));
}

void mean(Exporter& e, const Op& op) {
  const Tensor& x = e.t(op.inputs[0]);
  const Tensor& axes = e.t(op.inputs[1]);
  std::vector<std::int64_t> dims;
  for (std::int64_t i = 0; i < axes.elements(); ++i) {
    const int axis = axes.data.as<std::int32_t>()[i];
    dims.push_back(axis < 0 ? axis + int(x.shape.size()) : axis);
  }
  const std::string base = out_name(e, op);
  auto& n = e.builder().node("ReduceMean", {e.real(op.inputs[0], identity(x.shape.size())), e.builder().int64s(base + "/axes", dims)},
                             base + "/mean");
  set_attr(n, "keepdims", std::int64_t(op.attr<model::MeanAttrs>().keep_dims ? 1 : 0));
  e.set_real(op.outputs[0], identity(e.t(op.outputs[0]).shape.size()), n.output(0));
}

// Elementwise binary ops run in the layout their computed operands already share (NCHW for the
// transformer's L2 pooling after its conv); constants are permuted to match. Otherwise in the
// IR layout.
void binary(Exporter& e, const Op& op) {
  const Tensor& y = e.t(op.outputs[0]);
  Perm p;  // the layout of the first computed operand, if every computed operand has it
  for (int i : op.inputs) {
    if (e.t(i).is_constant()) continue;
    if (p.empty()) p = e.home(i);
    if (e.t(i).shape.size() != y.shape.size() || !e.has(i, p)) {
      p = identity(y.shape.size());
      break;
    }
  }
  if (p.size() != y.shape.size()) p = identity(y.shape.size());
  const std::string a = e.real(op.inputs[0], p), b = e.real(op.inputs[1], p);
  const std::string base = y.name;
  struct Row { OpKind kind; const char* onnx; };
  static constexpr std::array<Row, 5> rows{{{OpKind::add, "Add"}, {OpKind::sub, "Sub"}, {OpKind::mul, "Mul"},
                                            {OpKind::div, "Div"}, {OpKind::pow, "Pow"}}};
  std::string result;
  if (op.kind == OpKind::squared_difference) {
    const std::string d = e.builder().node("Sub", {a, b}, base + "/difference").output(0);
    result = e.builder().node("Mul", {d, d}, base + "/squared").output(0);
  } else {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.kind == op.kind; });
    result = e.builder().node(row->onnx, {a, b}, base + "/" + row->onnx).output(0);
  }
  const Activation act = std::holds_alternative<model::BinaryAttrs>(op.attrs) ? op.attr<model::BinaryAttrs>().activation
                                                                              : Activation::none;
  e.set_real(op.outputs[0], p, e.activation(result, act, base));
}

// Unary elementwise ops stay in the layout their input was computed in.
void unary(Exporter& e, const Op& op) {
  const int x = op.inputs[0];
  const Perm p = e.t(x).is_constant() || e.home(x).empty() ? identity(e.t(x).shape.size()) : e.home(x);
  const std::string in = e.real(x, p);
  const std::string base = out_name(e, op);
  struct Row { OpKind kind; const char* onnx; };
  static constexpr std::array<Row, 5> rows{{{OpKind::sqrt, "Sqrt"}, {OpKind::tanh, "Tanh"}, {OpKind::relu, "Relu"},
                                            {OpKind::logistic, "Sigmoid"}, {OpKind::gelu, "Gelu"}}};
  std::string result;
  if (op.kind == OpKind::rsqrt) {
    result = e.builder().node("Reciprocal", {e.builder().node("Sqrt", {in}, base + "/sqrt").output(0)}, base + "/rsqrt").output(0);
  } else {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.kind == op.kind; });
    auto& n = e.builder().node(row->onnx, {in}, base + "/" + row->onnx);
    if (op.kind == OpKind::gelu) set_attr(n, "approximate", std::string(op.attr<model::GeluAttrs>().approximate ? "tanh" : "none"));
    result = n.output(0);
  }
  e.set_real(op.outputs[0], p, result);
}

void softmax(Exporter& e, const Op& op) {
  const Tensor& x = e.t(op.inputs[0]);
  const float beta = op.attr<model::SoftmaxAttrs>().beta;
  const std::string base = out_name(e, op);
  const Perm p = identity(x.shape.size());
  std::string in = e.real(op.inputs[0], p);
  if (beta != 1.0f) in = e.builder().node("Mul", {in, e.builder().floats(base + "/beta", {}, {beta})}, base + "/scaled").output(0);
  auto& n = e.builder().node("Softmax", {in}, base + "/softmax");
  set_attr(n, "axis", std::int64_t(-1));
  e.set_real(op.outputs[0], p, n.output(0));
}

// BATCH_MATMUL = MatMul (numpy broadcasting of the batch dimensions, as TFLite); adj_x/adj_y
// transpose the operand's last two dimensions first, on the stored values.
void batch_matmul(Exporter& e, const Op& op) {
  const auto& a = op.attr<model::BatchMatMulAttrs>();
  const std::string base = out_name(e, op);
  auto operand = [&](int index, bool adjoint) {
    const Tensor& t = e.t(index);
    const Perm p = identity(t.shape.size());
    if (!adjoint) return e.real(index, p);
    Perm swap = p;
    std::swap(swap[swap.size() - 1], swap[swap.size() - 2]);
    const std::string moved = e.transpose(e.value(index, p), swap, t.name);
    return t.type == ElementType::f32 ? moved : e.dequantize(moved, t, swap);
  };
  const std::string x = operand(op.inputs[0], a.adj_x), y = operand(op.inputs[1], a.adj_y);
  const std::string result = e.builder().node("MatMul", {x, y}, base + "/matmul").output(0);
  e.set_real(op.outputs[0], identity(e.t(op.outputs[0]).shape.size()), result);
}

// QUANTIZE (float -> int, or requantize int -> int) and DEQUANTIZE (int / f16 -> float) keep
// the layout of their input.
void quantize_or_dequantize(Exporter& e, const Op& op) {
  const int x = op.inputs[0];
  const Perm p = e.t(x).is_constant() || e.home(x).empty() ? identity(e.t(x).shape.size()) : e.home(x);
  e.set_real(op.outputs[0], p, e.real(x, p));
}

using Lowering = void (*)(Exporter&, const Op&);
struct LoweringRow {
  OpKind kind;
  Lowering lower;
};
constexpr std::array<LoweringRow, model::op_kind_count> kLowerings{{
    {OpKind::conv2d, conv<model::Conv2DAttrs>},
    {OpKind::depthwise_conv2d, conv<model::DepthwiseConv2DAttrs>},
    {OpKind::max_pool2d, pool},
    {OpKind::average_pool2d, pool},
    {OpKind::fully_connected, fully_connected},
    {OpKind::reshape, reshape_or_transpose},
    {OpKind::transpose, reshape_or_transpose},
    {OpKind::concatenation, concatenation},
    {OpKind::mean, mean},
    {OpKind::add, binary},
    {OpKind::sub, binary},
    {OpKind::mul, binary},
    {OpKind::div, binary},
    {OpKind::squared_difference, binary},
    {OpKind::pow, binary},
    {OpKind::sqrt, unary},
    {OpKind::rsqrt, unary},
    {OpKind::tanh, unary},
    {OpKind::relu, unary},
    {OpKind::logistic, unary},
    {OpKind::gelu, unary},
    {OpKind::softmax, softmax},
    {OpKind::batch_matmul, batch_matmul},
    {OpKind::quantize, quantize_or_dequantize},
    {OpKind::dequantize, quantize_or_dequantize},
}};

Lowering lowering(OpKind kind) {
  for (const auto& row : kLowerings)
    if (row.kind == kind) return row.lower;
  return nullptr;
}

}  // namespace

std::string graph_to_onnx(const Graph& graph, const std::string& where) {
  model::validate(graph, where);
  onnx::ModelProto proto;
  proto.set_ir_version(10);
  proto.set_producer_name("nilm");
  proto.set_producer_version("0.1");
  proto.set_doc_string(graph.description);
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  for (const auto& [key, value] : graph.metadata) {
    auto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  onnx::GraphProto* g = proto.mutable_graph();
  g->set_name("main");

  Exporter e(graph, where, g);
  for (int i : graph.inputs) e.builder().reserve(graph.tensor(i).name);
  for (int o : graph.outputs) e.builder().reserve(graph.tensor(o).name);
  for (int i : graph.inputs) {
    const Tensor& t = graph.tensor(i);
    e.builder().add_input(t.name, t.type, t.shape);
    std::string value = t.name;
    if (shifted_to_u8(t)) {  // an int8 model input (int8_io): shift to the stored uint8
      const std::string real = e.dequantize_as(value, t, identity(t.shape.size()), t.type, t.quantization->zero_points);
      value = e.quantize(real, t);
    }
    e.define(i, identity(t.shape.size()), value);
  }
  for (const Op& op : graph.ops) {
    const Lowering lower = lowering(op.kind);
    if (!lower) e.fail_op(op, "no ONNX lowering");
    lower(e, op);
  }
  for (int o : graph.outputs) {
    const Tensor& t = graph.tensor(o);
    std::string v = e.value(o, identity(t.shape.size()));
    if (shifted_to_u8(t)) {  // an int8 model output: back from the stored uint8
      const std::string real = e.dequantize(v, t, identity(t.shape.size()));
      v = e.quantize_as(real, t, t.type, t.quantization->zero_points);
    }
    // Rename the producing node's output (an Identity after a DequantizeLinear would make
    // ONNX Runtime's QDQ propagation insert nodes around it).
    const auto producer = std::find_if(g->mutable_node()->begin(), g->mutable_node()->end(), [&](const onnx::NodeProto& n) {
      return n.output_size() == 1 && n.output(0) == v;
    });
    if (v != t.name && producer != g->mutable_node()->end()) {
      producer->set_output(0, t.name);
      for (auto& n : *g->mutable_node())
        for (auto& input : *n.mutable_input())
          if (input == v) input = t.name;
    } else if (v != t.name) {  // a graph input or a constant returned as it is
      auto* n = g->add_node();
      n->set_op_type("Identity");
      n->set_name(t.name);
      n->add_input(v);
      n->add_output(t.name);
    }
    e.builder().add_output(t.name, t.type, t.shape);
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) fail(where + ": the ONNX model could not be serialized (over 2 GB?)");
  return bytes;
}

void save_onnx(const Graph& graph, const std::string& path) {
  const std::string bytes = graph_to_onnx(graph, path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(path + ": cannot open for writing");
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  if (!out) fail(path + ": write failed");
}

}  // namespace nilm::convert
