#include "runtime/kernels/reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace nilm::runtime::kernels {

Clamp clamp_of(Activation a) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (a) {
    case Activation::none: return {-inf, inf};
    case Activation::relu: return {0.f, inf};
    case Activation::relu6: return {0.f, 6.f};
    case Activation::relu_n1_to_1: return {-1.f, 1.f};
  }
  return {-inf, inf};
}

float binary_scalar(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::squared_difference: return (a - b) * (a - b);
    case BinaryOp::maximum: return a > b ? a : b;
    case BinaryOp::minimum: return a < b ? a : b;
    case BinaryOp::pow: return std::pow(a, b);
  }
  return 0.f;
}

float unary_scalar(UnaryOp op, float x) {
  switch (op) {
    case UnaryOp::relu: return x < 0.f ? 0.f : x;
    case UnaryOp::relu6: return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
    case UnaryOp::tanh: return std::tanh(x);
    case UnaryOp::logistic: return 1.f / (1.f + std::exp(-x));
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::rsqrt: return 1.f / std::sqrt(x);
    case UnaryOp::exp: return std::exp(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::abs: return std::fabs(x);
    case UnaryOp::neg: return -x;
    case UnaryOp::square: return x * x;
    case UnaryOp::gelu_tanh: {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const float c = 0.7978845608028654f;
      return 0.5f * x * (1.f + std::tanh(c * (x + 0.044715f * x * x * x)));
    }
    case UnaryOp::gelu_erf: return 0.5f * x * (1.f + std::erf(x * 0.7071067811865476f));
  }
  return 0.f;
}

BinaryParams make_binary_params(BinaryOp op, const std::int64_t* a_shape, int a_rank,
                                const std::int64_t* b_shape, int b_rank, Activation act) {
  BinaryParams p;
  p.op = op;
  p.act = act;
  Dims a{}, b{};
  for (int i = 0; i < kMaxRank; ++i) {
    const int ai = i - (kMaxRank - a_rank), bi = i - (kMaxRank - b_rank);
    a[i] = ai >= 0 ? a_shape[ai] : 1;
    b[i] = bi >= 0 ? b_shape[bi] : 1;
    p.shape[i] = std::max(a[i], b[i]);
  }
  std::int64_t sa = 1, sb = 1;
  for (int i = kMaxRank - 1; i >= 0; --i) {
    p.a_stride[i] = a[i] == 1 ? 0 : sa;
    p.b_stride[i] = b[i] == 1 ? 0 : sb;
    sa *= a[i];
    sb *= b[i];
  }
  return p;
}

std::int64_t batch_count(const BatchMatMulParams& p) {
  return p.batch[0] * p.batch[1] * p.batch[2] * p.batch[3];
}

void batch_offsets(const BatchMatMulParams& p, std::int64_t b, std::int64_t& lhs, std::int64_t& rhs) {
  lhs = rhs = 0;
  for (int d = 3; d >= 0; --d) {
    const std::int64_t i = b % p.batch[d];
    b /= p.batch[d];
    lhs += i * p.lhs_stride[d];
    rhs += i * p.rhs_stride[d];
  }
}

void conv2d_f32_ref(const ConvParams& p, const float* in, const float* w, const float* bias,
                    float* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int oc = 0; oc < p.out_c; ++oc) {
          double acc = bias ? bias[oc] : 0.0;  // double: the oracle should not round early
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;  // zero padding
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              const float* x = in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c;
              const float* k = w + ((std::size_t(oc) * p.k_h + ky) * p.k_w + kx) * p.in_c;
              for (int ic = 0; ic < p.in_c; ++ic) acc += double(x[ic]) * k[ic];
            }
          }
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] =
              activate(p.act, float(acc));
        }
}

void depthwise_conv2d_f32_ref(const ConvParams& p, const float* in, const float* w,
                              const float* bias, float* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int oc = 0; oc < p.out_c; ++oc) {
          const int ic = oc / p.depth_multiplier;
          double acc = bias ? bias[oc] : 0.0;
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              acc += double(in[((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c + ic]) *
                     w[(std::size_t(ky) * p.k_w + kx) * p.out_c + oc];
            }
          }
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] =
              activate(p.act, float(acc));
        }
}

template <bool kMax>
static void pool_ref(const PoolParams& p, const float* in, float* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          double sum = 0;
          int count = 0;
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            if (iy < 0 || iy >= p.in_h) continue;  // padding never wins, never counts
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx;
              if (ix < 0 || ix >= p.in_w) continue;
              const float v = in[((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.channels + c];
              best = std::max(best, v);
              sum += v;
              ++count;
            }
          }
          const float r = kMax ? best : (count ? float(sum / count) : 0.f);
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.channels + c] = activate(p.act, r);
        }
}

void max_pool_f32_ref(const PoolParams& p, const float* in, float* out) { pool_ref<true>(p, in, out); }
void average_pool_f32_ref(const PoolParams& p, const float* in, float* out) {
  pool_ref<false>(p, in, out);
}

void fully_connected_f32_ref(const FcParams& p, const float* in, const float* w, const float* bias,
                             float* out) {
  for (int r = 0; r < p.rows; ++r)
    for (int o = 0; o < p.outputs; ++o) {
      double acc = bias ? bias[o] : 0.0;
      const float* x = in + std::size_t(r) * p.depth;
      const float* k = w + std::size_t(o) * p.depth;
      for (int d = 0; d < p.depth; ++d) acc += double(x[d]) * k[d];
      out[std::size_t(r) * p.outputs + o] = activate(p.act, float(acc));
    }
}

void binary_f32_ref(const BinaryParams& p, const float* a, const float* b, float* out) {
  std::size_t o = 0;
  std::array<std::int64_t, kMaxRank> i{};
  const auto& s = p.shape;
  for (i[0] = 0; i[0] < s[0]; ++i[0])
    for (i[1] = 0; i[1] < s[1]; ++i[1])
      for (i[2] = 0; i[2] < s[2]; ++i[2])
        for (i[3] = 0; i[3] < s[3]; ++i[3])
          for (i[4] = 0; i[4] < s[4]; ++i[4])
            for (i[5] = 0; i[5] < s[5]; ++i[5]) {
              std::int64_t ia = 0, ib = 0;
              for (int d = 0; d < kMaxRank; ++d) {
                ia += i[d] * p.a_stride[d];
                ib += i[d] * p.b_stride[d];
              }
              out[o++] = activate(p.act, binary_scalar(p.op, a[ia], b[ib]));
            }
}

void unary_f32_ref(UnaryOp op, std::size_t n, const float* in, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = unary_scalar(op, in[i]);
}

void reduce_f32_ref(const ReduceParams& p, const float* in, float* out) {
  // Walk the output (kept axes) and, for each element, every combination of reduced axes.
  Dims in_stride{};
  std::int64_t s = 1, outputs = 1, count = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.shape[d];
    (p.reduce[d] ? count : outputs) *= p.shape[d];
  }
  for (std::int64_t o = 0; o < outputs; ++o) {
    std::int64_t base = 0, rest = o;
    for (int d = kMaxRank - 1; d >= 0; --d)
      if (!p.reduce[d]) {
        base += (rest % p.shape[d]) * in_stride[d];
        rest /= p.shape[d];
      }
    double acc = 0;
    for (std::int64_t r = 0; r < count; ++r) {
      std::int64_t off = base, rr = r;
      for (int d = kMaxRank - 1; d >= 0; --d)
        if (p.reduce[d]) {
          off += (rr % p.shape[d]) * in_stride[d];
          rr /= p.shape[d];
        }
      acc += in[off];
    }
    out[o] = float(p.mean ? acc / double(count) : acc);
  }
}

void softmax_f32_ref(const SoftmaxParams& p, const float* in, float* out) {
  for (int r = 0; r < p.rows; ++r) {
    const float* x = in + std::size_t(r) * p.cols;
    float* y = out + std::size_t(r) * p.cols;
    const float mx = *std::max_element(x, x + p.cols);  // subtracting the max: exp never overflows
    double sum = 0;
    for (int c = 0; c < p.cols; ++c) sum += std::exp(double(p.beta) * (x[c] - mx));
    for (int c = 0; c < p.cols; ++c) y[c] = float(std::exp(double(p.beta) * (x[c] - mx)) / sum);
  }
}

void batch_matmul_f32_ref(const BatchMatMulParams& p, const float* lhs, const float* rhs,
                          float* out) {
  const std::int64_t mat_l = std::int64_t(p.m) * p.k, mat_r = std::int64_t(p.k) * p.n;
  for (std::int64_t b = 0; b < batch_count(p); ++b) {
    std::int64_t ol, orr;
    batch_offsets(p, b, ol, orr);
    const float* a = lhs + ol * mat_l;
    const float* c = rhs + orr * mat_r;
    float* y = out + b * std::int64_t(p.m) * p.n;
    for (int i = 0; i < p.m; ++i)
      for (int j = 0; j < p.n; ++j) {
        double acc = 0;
        for (int t = 0; t < p.k; ++t) {
          const float av = p.adj_x ? a[std::size_t(t) * p.m + i] : a[std::size_t(i) * p.k + t];
          const float bv = p.adj_y ? c[std::size_t(j) * p.k + t] : c[std::size_t(t) * p.n + j];
          acc += double(av) * bv;
        }
        y[std::size_t(i) * p.n + j] = float(acc);
      }
  }
}

void transpose_f32_ref(const TransposeParams& p, const float* in, float* out) {
  Dims in_stride{};
  std::int64_t s = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_shape[d];
  }
  Dims os{}, st{};  // output shape and the input stride each output axis walks
  for (int d = 0; d < kMaxRank; ++d) {
    os[d] = p.in_shape[p.perm[d]];
    st[d] = in_stride[p.perm[d]];
  }
  std::size_t o = 0;
  std::array<std::int64_t, kMaxRank> i{};
  for (i[0] = 0; i[0] < os[0]; ++i[0])
    for (i[1] = 0; i[1] < os[1]; ++i[1])
      for (i[2] = 0; i[2] < os[2]; ++i[2])
        for (i[3] = 0; i[3] < os[3]; ++i[3])
          for (i[4] = 0; i[4] < os[4]; ++i[4])
            for (i[5] = 0; i[5] < os[5]; ++i[5]) {
              std::int64_t src = 0;
              for (int d = 0; d < kMaxRank; ++d) src += i[d] * st[d];
              out[o++] = in[src];
            }
}

void concatenation_f32_ref(const ConcatParams& p, const float* const* inputs, float* out) {
  for (std::int64_t o = 0; o < p.outer; ++o)
    for (std::size_t k = 0; k < p.chunk.size(); ++k) {
      const std::int64_t c = p.chunk[k];
      std::memcpy(out, inputs[k] + o * c, std::size_t(c) * sizeof(float));
      out += c;
    }
}

}  // namespace nilm::runtime::kernels
