#include "runtime/kernels/int_reference.h"

#include <algorithm>
#include <type_traits>
#include <cmath>
#include <cstring>
#include <limits>

namespace nilm::runtime::kernels {

void activation_range(Activation act, float scale, std::int32_t zero_point, std::int32_t qmin,
                      std::int32_t qmax, std::int32_t& lo, std::int32_t& hi) {
  // TFLite quantizes the bounds in float: zero_point + round(f / scale).
  auto q = [&](float f) { return zero_point + static_cast<std::int32_t>(std::round(f / scale)); };
  lo = qmin;
  hi = qmax;
  switch (act) {
    case Activation::none: break;
    case Activation::relu: lo = std::max(qmin, q(0.f)); break;
    case Activation::relu6:
      lo = std::max(qmin, q(0.f));
      hi = std::min(qmax, q(6.f));
      break;
    case Activation::relu_n1_to_1:
      lo = std::max(qmin, q(-1.f));
      hi = std::min(qmax, q(1.f));
      break;
  }
}

// ---- QUANTIZE / DEQUANTIZE ----

namespace {

template <class Out>
void quantize_f32(std::size_t n, const float* in, float scale, std::int32_t zero_point, Out* out) {
  constexpr std::int32_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
  for (std::size_t i = 0; i < n; ++i) {
    // float division, then round half away from zero (TfLiteRound); NaN maps to the zero point
    // only through the clamp's comparisons, as in TFLite: avoid UB by testing it here.
    const float r = std::round(in[i] / scale);
    const float clamped = std::isnan(r) ? 0.f : std::clamp(r, float(lo - zero_point), float(hi - zero_point));
    out[i] = static_cast<Out>(static_cast<std::int32_t>(clamped) + zero_point);
  }
}

}  // namespace

void quantize_f32_s8_ref(std::size_t n, const float* in, float scale, std::int32_t zero_point, std::int8_t* out) {
  quantize_f32(n, in, scale, zero_point, out);
}
void quantize_f32_s16_ref(std::size_t n, const float* in, float scale, std::int32_t zero_point, std::int16_t* out) {
  quantize_f32(n, in, scale, zero_point, out);
}

template <class In, class Out>
void requantize_ref(std::size_t n, const In* in, std::int32_t in_zero_point, QuantizedMultiplier m,
                    std::int32_t out_zero_point, Out* out) {
  constexpr std::int32_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t v =
        multiply_by_quantized_multiplier(std::int32_t{in[i]} - in_zero_point, m) + out_zero_point;
    out[i] = static_cast<Out>(std::clamp(v, lo, hi));
  }
}
template void requantize_ref(std::size_t, const std::int8_t*, std::int32_t, QuantizedMultiplier, std::int32_t, std::int8_t*);
template void requantize_ref(std::size_t, const std::int8_t*, std::int32_t, QuantizedMultiplier, std::int32_t, std::int16_t*);
template void requantize_ref(std::size_t, const std::int16_t*, std::int32_t, QuantizedMultiplier, std::int32_t, std::int8_t*);
template void requantize_ref(std::size_t, const std::int16_t*, std::int32_t, QuantizedMultiplier, std::int32_t, std::int16_t*);

template <class In>
void dequantize_ref(std::size_t n, const In* in, const float* scales, const std::int64_t* zero_points,
                    std::size_t channels, std::size_t inner, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = channels == 1 ? 0 : (i / inner) % channels;
    // TFLite: float(double(scale) * (q - zp)); the product is exact in double, so this is the
    // correctly rounded float product.
    out[i] = static_cast<float>(double(scales[c]) * double(std::int64_t{in[i]} - zero_points[c]));
  }
}
template void dequantize_ref(std::size_t, const std::int8_t*, const float*, const std::int64_t*, std::size_t, std::size_t, float*);
template void dequantize_ref(std::size_t, const std::int16_t*, const float*, const std::int64_t*, std::size_t, std::size_t, float*);

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / NaN (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  } else if (mantissa == 0) {
    bits = sign;  // +-0
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | (std::uint32_t(112 - e) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void dequantize_f16_ref(std::size_t n, const std::uint16_t* in, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

// ---- CONV_2D ----

namespace {

// Shared loop of the int8 and int16x8 convolutions: Acc is the accumulator type, the input
// offset is 0 for int16.
template <class In, class Acc, class Bias, class Out>
void conv2d_int(const ConvParams& p, const Requantization& rq, const In* in, const std::int8_t* w,
                const Bias* bias, Out* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int oc = 0; oc < p.out_c; ++oc) {
          Acc acc = 0;
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;  // padding contributes the zero point: 0
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              const In* x = in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c;
              const std::int8_t* k = w + ((std::size_t(oc) * p.k_h + ky) * p.k_w + kx) * p.in_c;
              for (int ic = 0; ic < p.in_c; ++ic) acc += Acc{k[ic]} * (Acc{x[ic]} + rq.input_offset);
            }
          }
          if (bias) acc += bias[oc];
          std::int32_t v = 0;
          if constexpr (std::is_same_v<Acc, std::int32_t>) {
            if (!rq.float_scales.empty())
              v = requantize_fp32(acc, rq.float_scale_at(oc), rq.output_offset, rq.act_min, rq.act_max);
            else
              v = std::clamp(multiply_by_quantized_multiplier(acc, rq.at(oc)) + rq.output_offset, rq.act_min, rq.act_max);
          } else {
            v = std::clamp(multiply_by_quantized_multiplier(acc, rq.at(oc)) + rq.output_offset, rq.act_min, rq.act_max);
          }
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] = static_cast<Out>(v);
        }
}

}  // namespace

void conv2d_s8_ref(const ConvParams& p, const Requantization& rq, const std::int8_t* in,
                   const std::int8_t* weights, const std::int32_t* bias, std::int8_t* out) {
  conv2d_int<std::int8_t, std::int32_t>(p, rq, in, weights, bias, out);
}

void conv2d_s16s8_ref(const ConvParams& p, const Requantization& rq, const std::int16_t* in,
                      const std::int8_t* weights, const std::int64_t* bias, std::int16_t* out) {
  conv2d_int<std::int16_t, std::int64_t>(p, rq, in, weights, bias, out);
}

// ---- FULLY_CONNECTED ----

namespace {

template <class In, class Acc, class Bias, class Out>
void fully_connected_int(const FcParams& p, const Requantization& rq, const In* in, const std::int8_t* w,
                         const Bias* bias, Out* out) {
  for (int r = 0; r < p.rows; ++r) {
    const In* x = in + std::size_t(r) * p.depth;
    for (int o = 0; o < p.outputs; ++o) {
      const std::int8_t* k = w + std::size_t(o) * p.depth;
      Acc acc = 0;
      for (int d = 0; d < p.depth; ++d) acc += Acc{k[d]} * (Acc{x[d]} + rq.input_offset);
      if (bias) acc += bias[o];
      std::int32_t v = 0;
      if constexpr (std::is_same_v<Acc, std::int32_t>) {
        if (!rq.float_scales.empty())
          v = requantize_fp32(acc, rq.float_scale_at(o), rq.output_offset, rq.act_min, rq.act_max);
        else
          v = std::clamp(multiply_by_quantized_multiplier(acc, rq.at(o)) + rq.output_offset, rq.act_min, rq.act_max);
      } else {
        if (!rq.double_scales.empty())
          v = requantize_f64(acc, rq.double_scale_at(o), rq.output_offset, rq.act_min, rq.act_max);
        else
          v = std::clamp(multiply_by_quantized_multiplier(acc, rq.at(o)) + rq.output_offset, rq.act_min, rq.act_max);
      }
      out[std::size_t(r) * p.outputs + o] = static_cast<Out>(v);
    }
  }
}

}  // namespace

void fully_connected_s8_ref(const FcParams& p, const Requantization& rq, const std::int8_t* in,
                            const std::int8_t* weights, const std::int32_t* bias, std::int8_t* out) {
  fully_connected_int<std::int8_t, std::int32_t>(p, rq, in, weights, bias, out);
}

void fully_connected_s16s8_ref(const FcParams& p, const Requantization& rq, const std::int16_t* in,
                               const std::int8_t* weights, const std::int64_t* bias, std::int16_t* out) {
  fully_connected_int<std::int16_t, std::int64_t>(p, rq, in, weights, bias, out);
}

// ---- hybrid ----

float symmetric_quantize_floats(const float* x, std::size_t n, std::int8_t* q) {
  float lo = 0, hi = 0;
  if (n) {
    const auto [mn, mx] = std::minmax_element(x, x + n);
    lo = *mn;
    hi = *mx;
  }
  const float range = std::max(std::abs(lo), std::abs(hi));
  if (range == 0) {
    std::fill(q, q + n, std::int8_t{0});
    return 1.f;
  }
  const float inverse = 127.f / range;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::int32_t>(std::round(x[i] * inverse));
    q[i] = static_cast<std::int8_t>(std::clamp(v, -127, 127));
  }
  return range / 127.f;
}

float asymmetric_quantize_floats(const float* x, std::size_t n, std::int8_t* q, std::int32_t& offset) {
  constexpr float qmin = -128.f, qmax = 127.f;
  float lo = 0, hi = 0;
  if (n) {
    const auto [mn, mx] = std::minmax_element(x, x + n);
    lo = std::min(0.f, *mn);
    hi = std::max(0.f, *mx);
  }
  if (lo == hi) {
    std::fill(q, q + n, std::int8_t{0});
    offset = 0;
    return 1.f;
  }
  // XNNPACK's dynamic quantization (qd8), which LiteRT.js runs hybrid ops with, all in float:
  // a multiplier 255 / range, the zero point from the side with the smaller error, and
  // q = zero point + x * multiplier rounded half to even. Exact ties decide single values, and
  // one input of a wide conv moved the transformer's w8 output by 1.5% (TFLite's portable
  // AsymmetricQuantizeFloats divides in double and rounds offset + x / scale half away).
  const float multiplier = (qmax - qmin) / (hi - lo);
  const float low = lo * multiplier, high = hi * multiplier;
  const float zero = std::clamp((qmin + low) + (qmax + high) > 0 ? qmin - low : qmax - high, qmin, qmax);
  offset = static_cast<std::int32_t>(std::nearbyint(zero));
  const float scale = 1.f / multiplier;
  const float convert = 1.f / scale;  // what XNNPACK's convert kernel is given (may differ from multiplier by an ulp)
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = offset + static_cast<std::int32_t>(std::nearbyint(x[i] * convert));
    q[i] = static_cast<std::int8_t>(std::clamp(v, -128, 127));
  }
  return scale;
}

std::size_t hybrid_scratch_bytes(std::size_t rows, std::size_t row_elements) {
  auto up = [](std::size_t v) { return (v + 63) / 64 * 64; };
  return up(rows * row_elements) + up(rows * sizeof(float)) + up(rows * sizeof(std::int32_t));
}

HybridScratch hybrid_scratch(std::byte* memory, std::size_t rows, std::size_t row_elements) {
  auto up = [](std::size_t v) { return (v + 63) / 64 * 64; };
  HybridScratch s;
  s.quantized = reinterpret_cast<std::int8_t*>(memory);
  memory += up(rows * row_elements);
  s.scales = reinterpret_cast<float*>(memory);
  memory += up(rows * sizeof(float));
  s.offsets = reinterpret_cast<std::int32_t*>(memory);
  return s;
}

void fully_connected_f32s8_hybrid_ref(const FcParams& p, const float* weight_scales, int scale_count,
                                      bool asymmetric, const float* in, const std::int8_t* weights,
                                      const float* bias, float* out, const HybridScratch& s) {
  const std::size_t depth = std::size_t(p.depth);
  for (int r = 0; r < p.rows; ++r) {
    std::int8_t* q = s.quantized + std::size_t(r) * depth;
    s.offsets[r] = 0;
    s.scales[r] = asymmetric ? asymmetric_quantize_floats(in + r * depth, depth, q, s.offsets[r])
                             : symmetric_quantize_floats(in + r * depth, depth, q);
    if (scale_count == 1) s.scales[r] *= weight_scales[0];
  }
  const Clamp cl = clamp_of(p.act);
  for (int r = 0; r < p.rows; ++r) {
    const std::int8_t* q = s.quantized + std::size_t(r) * depth;
    for (int o = 0; o < p.outputs; ++o) {
      const std::int8_t* k = weights + std::size_t(o) * depth;
      std::int32_t dot = 0, row_sum = 0;
      for (std::size_t d = 0; d < depth; ++d) {
        dot += std::int32_t{k[d]} * q[d];
        row_sum += k[d];
      }
      dot -= row_sum * s.offsets[r];
      float scale = s.scales[r];
      if (scale_count > 1) scale *= weight_scales[o];
      const float y = (bias ? bias[o] : 0.f) + float(dot) * scale;
      out[std::size_t(r) * p.outputs + o] = std::min(std::max(y, cl.lo), cl.hi);
    }
  }
}

void conv2d_f32s8_hybrid_ref(const ConvParams& p, const float* weight_scales, int scale_count,
                             const float* in, const std::int8_t* weights, const float* bias, float* out,
                             const HybridScratch& s) {
  const std::size_t image = std::size_t(p.in_h) * p.in_w * p.in_c;
  const bool per_channel = scale_count > 1;
  for (int n = 0; n < p.batch; ++n) {
    std::int8_t* q = s.quantized + std::size_t(n) * image;
    s.offsets[n] = 0;
    s.scales[n] = per_channel ? asymmetric_quantize_floats(in + n * image, image, q, s.offsets[n])
                              : symmetric_quantize_floats(in + n * image, image, q) * weight_scales[0];
  }
  const Clamp cl = clamp_of(p.act);
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int oc = 0; oc < p.out_c; ++oc) {
          std::int32_t acc = 0;
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              const std::int8_t* x = s.quantized + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c;
              const std::int8_t* k = weights + ((std::size_t(oc) * p.k_h + ky) * p.k_w + kx) * p.in_c;
              for (int ic = 0; ic < p.in_c; ++ic) acc += std::int32_t{k[ic]} * (std::int32_t{x[ic]} - s.offsets[n]);
            }
          }
          float y = per_channel ? float(acc) * weight_scales[oc] * s.scales[n] : float(acc) * s.scales[n];
          if (bias) y += bias[oc];
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] = std::min(std::max(y, cl.lo), cl.hi);
        }
}

// ---- BATCH_MATMUL ----

namespace {

template <class T, class Acc>
void batch_matmul_int(const BatchMatMulParams& p, const Requantization& rq, const T* lhs, const T* rhs, T* out) {
  const std::int64_t mat_l = std::int64_t(p.m) * p.k, mat_r = std::int64_t(p.k) * p.n;
  for (std::int64_t b = 0; b < batch_count(p); ++b) {
    std::int64_t ol, orr;
    batch_offsets(p, b, ol, orr);
    const T* a = lhs + ol * mat_l;
    const T* c = rhs + orr * mat_r;
    T* y = out + b * std::int64_t(p.m) * p.n;
    for (int i = 0; i < p.m; ++i)
      for (int j = 0; j < p.n; ++j) {
        Acc acc = 0;
        for (int t = 0; t < p.k; ++t) {
          const T av = p.adj_x ? a[std::size_t(t) * p.m + i] : a[std::size_t(i) * p.k + t];
          const T bv = p.adj_y ? c[std::size_t(j) * p.k + t] : c[std::size_t(t) * p.n + j];
          acc += (Acc{av} + rq.input_offset) * (Acc{bv} + rq.weights_offset);
        }
        const std::int32_t v = multiply_by_quantized_multiplier(acc, rq.at(0)) + rq.output_offset;
        y[std::size_t(i) * p.n + j] = static_cast<T>(std::clamp(v, rq.act_min, rq.act_max));
      }
  }
}

}  // namespace

void batch_matmul_s8_ref(const BatchMatMulParams& p, const Requantization& rq, const std::int8_t* lhs,
                         const std::int8_t* rhs, std::int8_t* out) {
  batch_matmul_int<std::int8_t, std::int32_t>(p, rq, lhs, rhs, out);
}

void batch_matmul_s16_ref(const BatchMatMulParams& p, const Requantization& rq, const std::int16_t* lhs,
                          const std::int16_t* rhs, std::int16_t* out) {
  batch_matmul_int<std::int16_t, std::int64_t>(p, rq, lhs, rhs, out);
}

// ---- pooling ----

template <class T>
void max_pool_int_ref(const PoolParams& p, std::int32_t act_min, std::int32_t act_max, const T* in, T* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          std::int32_t best = std::numeric_limits<T>::lowest();
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx;
              if (ix < 0 || ix >= p.in_w) continue;
              best = std::max<std::int32_t>(best, in[((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.channels + c]);
            }
          }
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.channels + c] =
              static_cast<T>(std::clamp(best, act_min, act_max));
        }
}

template <class T>
void average_pool_int_ref(const PoolParams& p, std::int32_t act_min, std::int32_t act_max, const T* in, T* out) {
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          std::int32_t acc = 0, count = 0;
          for (int ky = 0; ky < p.k_h; ++ky) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.k_w; ++kx) {
              const int ix = ox * p.stride_w - p.pad_left + kx;
              if (ix < 0 || ix >= p.in_w) continue;
              acc += in[((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.channels + c];
              ++count;
            }
          }
          // Round half away from zero; a window entirely in the padding gives 0 (TFLite
          // refuses such a model; shape inference never produces one).
          if (count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          out[((std::size_t(n) * p.out_h + oy) * p.out_w + ox) * p.channels + c] =
              static_cast<T>(std::clamp(acc, act_min, act_max));
        }
}

template void max_pool_int_ref(const PoolParams&, std::int32_t, std::int32_t, const std::int8_t*, std::int8_t*);
template void max_pool_int_ref(const PoolParams&, std::int32_t, std::int32_t, const std::int16_t*, std::int16_t*);
template void average_pool_int_ref(const PoolParams&, std::int32_t, std::int32_t, const std::int8_t*, std::int8_t*);
template void average_pool_int_ref(const PoolParams&, std::int32_t, std::int32_t, const std::int16_t*, std::int16_t*);

}  // namespace nilm::runtime::kernels
