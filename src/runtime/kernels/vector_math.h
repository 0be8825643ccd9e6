// Branch-free float math written so that compilers vectorize loops over it (no libm calls):
// exp by range reduction to [-ln2/2, ln2/2] and a degree-7 Taylor polynomial (relative error
// below 1e-7 there), 2^n built in the exponent bits; tanh, logistic and GELU from it.
//
// Included by several translation units compiled with different ISA flags, so everything here
// lives in an anonymous namespace: each TU gets its own copy and the linker can never hand the
// AVX2 copy to a caller on a CPU without AVX2.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "runtime/kernels/params.h"

namespace nilm::runtime::kernels {
namespace {

inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // n = round(x / ln2) with the 1.5 * 2^23 trick (works without SSE4.1 rounding instructions).
  constexpr float kShift = 12582912.0f;
  const float t = x * 1.44269504088896341f + kShift;
  const float n = t - kShift;
  const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723e-6f;  // ln2 hi + lo
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const std::int32_t e = std::bit_cast<std::int32_t>(t) - std::bit_cast<std::int32_t>(kShift);
  return p * std::bit_cast<float>((e + 127) << 23);
}

inline float fast_tanh(float x) {
  // tanh x = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no overflow, no cancellation blow-up.
  const float ax = x < 0.f ? -x : x;
  const float e = fast_exp(-2.0f * ax);
  const float t = (1.0f - e) / (1.0f + e);
  return x < 0.f ? -t : t;
}

inline float fast_logistic(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

inline float fast_gelu_tanh(float x) {
  const float c = 0.7978845608028654f;
  return 0.5f * x * (1.0f + fast_tanh(c * (x + 0.044715f * x * x * x)));
}

template <class F>
inline void map_floats(std::size_t n, const float* in, float* out, F f) {
  for (std::size_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

// The vectorizable unary ops; false means the caller should use unary_scalar.
inline bool unary_vectorized(UnaryOp op, std::size_t n, const float* in, float* out) {
  switch (op) {
    case UnaryOp::relu: map_floats(n, in, out, [](float v) { return v < 0.f ? 0.f : v; }); return true;
    case UnaryOp::relu6:
      map_floats(n, in, out, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); });
      return true;
    case UnaryOp::tanh: map_floats(n, in, out, [](float v) { return fast_tanh(v); }); return true;
    case UnaryOp::logistic: map_floats(n, in, out, [](float v) { return fast_logistic(v); }); return true;
    case UnaryOp::exp: map_floats(n, in, out, [](float v) { return fast_exp(v); }); return true;
    case UnaryOp::gelu_tanh: map_floats(n, in, out, [](float v) { return fast_gelu_tanh(v); }); return true;
    case UnaryOp::sqrt: map_floats(n, in, out, [](float v) { return __builtin_sqrtf(v); }); return true;
    case UnaryOp::rsqrt:
      map_floats(n, in, out, [](float v) { return 1.0f / __builtin_sqrtf(v); });
      return true;
    case UnaryOp::abs: map_floats(n, in, out, [](float v) { return v < 0.f ? -v : v; }); return true;
    case UnaryOp::neg: map_floats(n, in, out, [](float v) { return -v; }); return true;
    case UnaryOp::square: map_floats(n, in, out, [](float v) { return v * v; }); return true;
    default: return false;
  }
}

inline void softmax_rows(const SoftmaxParams& p, const float* in, float* out, int r0, int r1) {
  for (int r = r0; r < r1; ++r) {
    const float* x = in + std::size_t(r) * p.cols;
    float* y = out + std::size_t(r) * p.cols;
    float mx = x[0];
    for (int c = 1; c < p.cols; ++c) mx = x[c] > mx ? x[c] : mx;
    for (int c = 0; c < p.cols; ++c) y[c] = fast_exp(p.beta * (x[c] - mx));  // vectorized
    float sum = 0.f;
    for (int c = 0; c < p.cols; ++c) sum += y[c];
    const float inv = 1.0f / sum;
    for (int c = 0; c < p.cols; ++c) y[c] *= inv;
  }
}

}  // namespace
}  // namespace nilm::runtime::kernels
