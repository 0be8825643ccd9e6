#include "reference_eval.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace nilm::model::testing {

namespace {

using Values = std::vector<double>;

std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d)
    strides[static_cast<std::size_t>(d)] = strides[static_cast<std::size_t>(d) + 1] * shape[static_cast<std::size_t>(d) + 1];
  return strides;
}

Values constant_values(const Tensor& t) {
  const auto n = static_cast<std::size_t>(t.elements());
  Values v(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (t.type) {
      case ElementType::f32: v[i] = t.data.as<float>()[i]; break;
      case ElementType::i8: v[i] = t.data.as<std::int8_t>()[i]; break;
      case ElementType::u8: v[i] = t.data.as<std::uint8_t>()[i]; break;
      case ElementType::i16: v[i] = t.data.as<std::int16_t>()[i]; break;
      case ElementType::i32: v[i] = t.data.as<std::int32_t>()[i]; break;
      case ElementType::i64: v[i] = static_cast<double>(t.data.as<std::int64_t>()[i]); break;
      case ElementType::f16: {
        std::uint16_t h;
        std::memcpy(&h, t.data.data() + 2 * i, 2);
        const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
        double value = exponent == 0 ? std::ldexp(mantissa, -24)
                       : exponent == 31 ? INFINITY
                                        : std::ldexp(mantissa + 1024, exponent - 25);
        v[i] = (h & 0x8000) ? -value : value;
        break;
      }
    }
  }
  return v;
}

double activate(double x, Activation a) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return std::max(0.0, x);
    case Activation::relu_n1_to_1: return std::clamp(x, -1.0, 1.0);
    case Activation::relu6: return std::clamp(x, 0.0, 6.0);
    case Activation::tanh: return std::tanh(x);
  }
  return x;
}

// TFLite SAME padding: total = max((out - 1) * stride + effective_kernel - in, 0), before = total / 2.
int pad_before(int in, int out, int kernel, int stride, int dilation, Padding padding) {
  if (padding == Padding::valid) return 0;
  const int effective = (kernel - 1) * dilation + 1;
  return std::max((out - 1) * stride + effective - in, 0) / 2;
}

struct Evaluator {
  const Graph& g;
  std::vector<Values> values;

  const Values& in(const Op& op, std::size_t i) { return values[static_cast<std::size_t>(op.inputs[i])]; }
  const Shape& shape(const Op& op, std::size_t i) { return g.tensor(op.inputs[i]).shape; }
  const Shape& out_shape(const Op& op) { return g.tensor(op.outputs[0]).shape; }
  bool has(const Op& op, std::size_t i) { return i < op.inputs.size() && op.inputs[i] >= 0; }

  Values conv(const Op& op, bool depthwise) {
    const Shape& xs = shape(op, 0);
    const Shape& ws = shape(op, 1);
    const Shape& ys = out_shape(op);
    Padding padding;
    int sh, sw, dh, dw, multiplier = 1;
    Activation act;
    if (depthwise) {
      const auto& a = op.attr<DepthwiseConv2DAttrs>();
      padding = a.padding, sh = a.stride_h, sw = a.stride_w, dh = a.dilation_h, dw = a.dilation_w, act = a.activation;
      multiplier = a.depth_multiplier;
    } else {
      const auto& a = op.attr<Conv2DAttrs>();
      padding = a.padding, sh = a.stride_h, sw = a.stride_w, dh = a.dilation_h, dw = a.dilation_w, act = a.activation;
    }
    const Values& x = in(op, 0);
    const Values& w = in(op, 1);
    const Values* b = has(op, 2) ? &in(op, 2) : nullptr;
    const int n = xs[0], h = xs[1], wi = xs[2], c = xs[3];
    const int kh = ws[1], kw = ws[2], oh = ys[1], ow = ys[2], oc = ys[3];
    const int ph = pad_before(h, oh, kh, sh, dh, padding), pw = pad_before(wi, ow, kw, sw, dw, padding);
    Values y(static_cast<std::size_t>(n) * oh * ow * oc);
    for (int bi = 0; bi < n; ++bi)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          for (int o = 0; o < oc; ++o) {
            double sum = b ? (*b)[static_cast<std::size_t>(o)] : 0.0;
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wi) continue;
                const std::size_t xbase = ((static_cast<std::size_t>(bi) * h + iy) * wi + ix) * c;
                if (depthwise) {
                  const int ic = o / multiplier;
                  sum += x[xbase + static_cast<std::size_t>(ic)] * w[(static_cast<std::size_t>(ky) * kw + kx) * oc + o];
                } else {
                  const std::size_t wbase = ((static_cast<std::size_t>(o) * kh + ky) * kw + kx) * c;
                  for (int ic = 0; ic < c; ++ic) sum += x[xbase + static_cast<std::size_t>(ic)] * w[wbase + static_cast<std::size_t>(ic)];
                }
              }
            y[((static_cast<std::size_t>(bi) * oh + oy) * ow + ox) * oc + o] = activate(sum, act);
          }
    return y;
  }

  Values pool(const Op& op, bool is_max) {
    const auto& a = op.attr<Pool2DAttrs>();
    const Shape& xs = shape(op, 0);
    const Shape& ys = out_shape(op);
    const Values& x = in(op, 0);
    const int n = xs[0], h = xs[1], w = xs[2], c = xs[3], oh = ys[1], ow = ys[2];
    const int ph = pad_before(h, oh, a.filter_h, a.stride_h, 1, a.padding);
    const int pw = pad_before(w, ow, a.filter_w, a.stride_w, 1, a.padding);
    Values y(static_cast<std::size_t>(n) * oh * ow * c);
    for (int bi = 0; bi < n; ++bi)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          for (int ch = 0; ch < c; ++ch) {
            double acc = is_max ? -INFINITY : 0.0;
            int count = 0;
            for (int ky = 0; ky < a.filter_h; ++ky)
              for (int kx = 0; kx < a.filter_w; ++kx) {
                const int iy = oy * a.stride_h - ph + ky, ix = ox * a.stride_w - pw + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;  // padding is not counted
                const double v = x[((static_cast<std::size_t>(bi) * h + iy) * w + ix) * c + ch];
                acc = is_max ? std::max(acc, v) : acc + v;
                ++count;
              }
            y[((static_cast<std::size_t>(bi) * oh + oy) * ow + ox) * c + ch] =
                activate(is_max ? acc : acc / count, a.activation);
          }
    return y;
  }

  Values fully_connected(const Op& op) {
    const auto& a = op.attr<FullyConnectedAttrs>();
    const Values& x = in(op, 0);
    const Values& w = in(op, 1);
    const Values* b = has(op, 2) ? &in(op, 2) : nullptr;
    const int out = shape(op, 1)[0], inner = shape(op, 1)[1];
    const std::size_t rows = x.size() / static_cast<std::size_t>(inner);
    Values y(rows * static_cast<std::size_t>(out));
    for (std::size_t r = 0; r < rows; ++r)
      for (int o = 0; o < out; ++o) {
        double sum = b ? (*b)[static_cast<std::size_t>(o)] : 0.0;
        for (int i = 0; i < inner; ++i)
          sum += x[r * static_cast<std::size_t>(inner) + static_cast<std::size_t>(i)] * w[static_cast<std::size_t>(o) * inner + i];
        y[r * static_cast<std::size_t>(out) + static_cast<std::size_t>(o)] = activate(sum, a.activation);
      }
    return y;
  }

  template <class F>
  Values binary(const Op& op, F f, Activation act = Activation::none) {
    const Shape& ys = out_shape(op);
    const Shape& as = shape(op, 0);
    const Shape& bs = shape(op, 1);
    const Values& a = in(op, 0);
    const Values& b = in(op, 1);
    const auto ystrides = strides_of(ys);
    auto source_index = [&](const Shape& s, std::size_t flat) {
      const auto st = strides_of(s);
      const std::size_t offset = ys.size() - s.size();
      std::size_t index = 0;
      for (std::size_t d = 0; d < ys.size(); ++d) {
        const std::size_t coord = flat / static_cast<std::size_t>(ystrides[d]) % static_cast<std::size_t>(ys[d]);
        if (d >= offset && s[d - offset] != 1) index += coord * static_cast<std::size_t>(st[d - offset]);
      }
      return index;
    };
    Values y(static_cast<std::size_t>(element_count(ys)));
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = activate(f(a[source_index(as, i)], b[source_index(bs, i)]), act);
    return y;
  }

  Values transpose(const Op& op) {
    const Shape& xs = shape(op, 0);
    const Values& x = in(op, 0);
    const Values& perm = in(op, 1);
    const Shape& ys = out_shape(op);
    const auto xst = strides_of(xs), yst = strides_of(ys);
    Values y(x.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
      std::size_t src = 0;
      for (std::size_t d = 0; d < ys.size(); ++d) {
        const std::size_t coord = i / static_cast<std::size_t>(yst[d]) % static_cast<std::size_t>(ys[d]);
        src += coord * static_cast<std::size_t>(xst[static_cast<std::size_t>(perm[d])]);
      }
      y[i] = x[src];
    }
    return y;
  }

  Values concatenation(const Op& op) {
    const Shape& ys = out_shape(op);
    int axis = op.attr<ConcatenationAttrs>().axis;
    if (axis < 0) axis += static_cast<int>(ys.size());
    std::size_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= static_cast<std::size_t>(ys[static_cast<std::size_t>(d)]);
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < ys.size(); ++d) inner *= static_cast<std::size_t>(ys[d]);
    Values y;
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t i = 0; i < op.inputs.size(); ++i) {
        const std::size_t chunk = static_cast<std::size_t>(shape(op, i)[static_cast<std::size_t>(axis)]) * inner;
        const Values& x = in(op, i);
        y.insert(y.end(), x.begin() + static_cast<std::ptrdiff_t>(o * chunk), x.begin() + static_cast<std::ptrdiff_t>((o + 1) * chunk));
      }
    for (double& v : y) v = activate(v, op.attr<ConcatenationAttrs>().activation);
    return y;
  }

  Values mean(const Op& op) {
    const Shape& xs = shape(op, 0);
    const Values& x = in(op, 0);
    std::vector<bool> reduced(xs.size(), false);
    for (double a : in(op, 1)) reduced[static_cast<std::size_t>(a < 0 ? a + static_cast<double>(xs.size()) : a)] = true;
    const auto xst = strides_of(xs);
    Shape kept;  // output coordinates in the order of the kept dimensions
    for (std::size_t d = 0; d < xs.size(); ++d)
      if (!reduced[d]) kept.push_back(xs[d]);
    const auto kst = strides_of(kept);
    Values sum(static_cast<std::size_t>(element_count(kept)), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::size_t out = 0, k = 0;
      for (std::size_t d = 0; d < xs.size(); ++d) {
        const std::size_t coord = i / static_cast<std::size_t>(xst[d]) % static_cast<std::size_t>(xs[d]);
        if (!reduced[d]) out += coord * static_cast<std::size_t>(kst[k++]);
      }
      sum[out] += x[i];
    }
    const double count = static_cast<double>(x.size()) / static_cast<double>(std::max<std::size_t>(sum.size(), 1));
    for (double& v : sum) v /= count;
    return sum;
  }

  Values softmax(const Op& op) {
    const Values& x = in(op, 0);
    const double beta = op.attr<SoftmaxAttrs>().beta;
    const auto depth = static_cast<std::size_t>(shape(op, 0).back());
    Values y(x.size());
    for (std::size_t r = 0; r < x.size() / depth; ++r) {
      double top = -INFINITY, total = 0.0;
      for (std::size_t i = 0; i < depth; ++i) top = std::max(top, x[r * depth + i]);
      for (std::size_t i = 0; i < depth; ++i) total += y[r * depth + i] = std::exp(beta * (x[r * depth + i] - top));
      for (std::size_t i = 0; i < depth; ++i) y[r * depth + i] /= total;
    }
    return y;
  }

  Values batch_matmul(const Op& op) {
    const auto& a = op.attr<BatchMatMulAttrs>();
    const Shape& xs = shape(op, 0);
    const Shape& ws = shape(op, 1);
    const Shape& ys = out_shape(op);
    const Values& x = in(op, 0);
    const Values& w = in(op, 1);
    const std::size_t rx = xs.size(), rw = ws.size(), ry = ys.size();
    const int m = ys[ry - 2], n = ys[ry - 1];
    const int k = a.adj_x ? xs[rx - 2] : xs[rx - 1];
    const std::size_t batches = static_cast<std::size_t>(element_count(ys)) / (static_cast<std::size_t>(m) * n);
    const Shape batch_shape(ys.begin(), ys.end() - 2);
    const auto bst = strides_of(batch_shape);
    auto batch_offset = [&](const Shape& s, std::size_t b) {  // broadcast batch index -> matrix index
      const Shape sb(s.begin(), s.end() - 2);
      const auto st = strides_of(sb);
      const std::size_t offset = batch_shape.size() - sb.size();
      std::size_t index = 0;
      for (std::size_t d = 0; d < batch_shape.size(); ++d) {
        const std::size_t coord = b / static_cast<std::size_t>(bst[d]) % static_cast<std::size_t>(batch_shape[d]);
        if (d >= offset && sb[d - offset] != 1) index += coord * static_cast<std::size_t>(st[d - offset]);
      }
      return index;
    };
    const std::size_t x_matrix = static_cast<std::size_t>(xs[rx - 2]) * xs[rx - 1];
    const std::size_t w_matrix = static_cast<std::size_t>(ws[rw - 2]) * ws[rw - 1];
    Values y(batches * static_cast<std::size_t>(m) * n);
    for (std::size_t b = 0; b < batches; ++b) {
      const double* xp = x.data() + batch_offset(xs, b) * x_matrix;
      const double* wp = w.data() + batch_offset(ws, b) * w_matrix;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          double sum = 0.0;
          for (int t = 0; t < k; ++t) {
            const double xv = a.adj_x ? xp[t * m + i] : xp[i * k + t];
            const double wv = a.adj_y ? wp[j * k + t] : wp[t * n + j];
            sum += xv * wv;
          }
          y[(b * static_cast<std::size_t>(m) + static_cast<std::size_t>(i)) * n + static_cast<std::size_t>(j)] = sum;
        }
    }
    return y;
  }

  Values quantize(const Op& op) {
    const Tensor& out = g.tensor(op.outputs[0]);
    const Quantization& q = *out.quantization;
    const double lo = out.type == ElementType::i8 ? -128 : out.type == ElementType::u8 ? 0 : -32768;
    const double hi = out.type == ElementType::i8 ? 127 : out.type == ElementType::u8 ? 255 : 32767;
    Values y = in(op, 0);
    for (double& v : y) v = std::clamp(std::round(v / q.scales[0]) + static_cast<double>(q.zero_points[0]), lo, hi);
    return y;
  }

  Values dequantize(const Op& op) {
    const Tensor& x = g.tensor(op.inputs[0]);
    Values y = in(op, 0);
    if (x.type == ElementType::f16) return y;
    const Quantization& q = *x.quantization;
    const auto st = strides_of(x.shape);
    for (std::size_t i = 0; i < y.size(); ++i) {
      std::size_t channel = 0;
      if (q.per_channel())
        channel = i / static_cast<std::size_t>(st[static_cast<std::size_t>(q.axis)]) %
                  static_cast<std::size_t>(x.shape[static_cast<std::size_t>(q.axis)]);
      y[i] = q.scales[channel] * (y[i] - static_cast<double>(q.zero_points[channel]));
    }
    return y;
  }

  template <class F>
  Values unary(const Op& op, F f) {
    Values y = in(op, 0);
    for (double& v : y) v = f(v);
    return y;
  }

  Values run(const Op& op) {
    switch (op.kind) {
      case OpKind::conv2d: return conv(op, false);
      case OpKind::depthwise_conv2d: return conv(op, true);
      case OpKind::max_pool2d: return pool(op, true);
      case OpKind::average_pool2d: return pool(op, false);
      case OpKind::fully_connected: return fully_connected(op);
      case OpKind::reshape: return in(op, 0);
      case OpKind::transpose: return transpose(op);
      case OpKind::concatenation: return concatenation(op);
      case OpKind::mean: return mean(op);
      case OpKind::add: return binary(op, [](double a, double b) { return a + b; }, op.attr<BinaryAttrs>().activation);
      case OpKind::sub: return binary(op, [](double a, double b) { return a - b; }, op.attr<BinaryAttrs>().activation);
      case OpKind::mul: return binary(op, [](double a, double b) { return a * b; }, op.attr<BinaryAttrs>().activation);
      case OpKind::div: return binary(op, [](double a, double b) { return a / b; }, op.attr<BinaryAttrs>().activation);
      case OpKind::squared_difference: return binary(op, [](double a, double b) { return (a - b) * (a - b); });
      case OpKind::pow: return binary(op, [](double a, double b) { return std::pow(a, b); });
      case OpKind::sqrt: return unary(op, [](double v) { return std::sqrt(v); });
      case OpKind::rsqrt: return unary(op, [](double v) { return 1.0 / std::sqrt(v); });
      case OpKind::tanh: return unary(op, [](double v) { return std::tanh(v); });
      case OpKind::relu: return unary(op, [](double v) { return std::max(0.0, v); });
      case OpKind::logistic: return unary(op, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
      case OpKind::gelu:
        if (op.attr<GeluAttrs>().approximate)
          return unary(op, [](double v) {
            return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
          });
        return unary(op, [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); });
      case OpKind::softmax: return softmax(op);
      case OpKind::batch_matmul: return batch_matmul(op);
      case OpKind::quantize: return quantize(op);
      case OpKind::dequantize: return dequantize(op);
    }
    throw std::logic_error("reference_eval: unknown op");
  }
};

}  // namespace

std::vector<std::vector<double>> reference_eval(const Graph& graph, const std::vector<std::vector<float>>& inputs) {
  Evaluator e{graph, std::vector<Values>(graph.tensors.size())};
  for (std::size_t i = 0; i < graph.tensors.size(); ++i)
    if (graph.tensors[i].is_constant()) e.values[i] = constant_values(graph.tensors[i]);
  if (inputs.size() != graph.inputs.size()) throw std::invalid_argument("reference_eval: wrong input count");
  for (std::size_t i = 0; i < inputs.size(); ++i)
    e.values[static_cast<std::size_t>(graph.inputs[i])].assign(inputs[i].begin(), inputs[i].end());
  for (const Op& op : graph.ops) e.values[static_cast<std::size_t>(op.outputs[0])] = e.run(op);
  std::vector<std::vector<double>> outputs;
  for (int t : graph.outputs) outputs.push_back(e.values[static_cast<std::size_t>(t)]);
  return outputs;
}

}  // namespace nilm::model::testing
