// AVX2 QUANTIZE / DEQUANTIZE / requantize, 16 elements a step, the tail by the reference. Why
// the same results as int_reference.cc:
// - QUANTIZE: the same IEEE division; round half away from zero as trunc(x) + sign(x) when
//   |x - trunc(x)| >= 0.5 (x - trunc(x) is exact, trunc(x) +- 1 too below 2^23 where a fraction
//   can exist); the clamp in float, NaN to the zero point.
// - DEQUANTIZE: float(double(scale) * double(q - zp)) rounds an exact product once; the float
//   product of the same operands (|q - zp| < 2^17 is exact in float) is that same rounding.
// - requantize: MultiplyByQuantizedMultiplier's steps in 32/64-bit lanes: the wrapping left
//   shift, the doubling high multiply as (a m + 2^30) >> 31 (equal to gemmlowp's nudge for
//   m >= 0, see quantized_rows.cc), RoundingDivideByPOT with the reference's mask/threshold.
#include "runtime/kernels/quantize_x86.h"

#include <algorithm>
#include <limits>

#include "runtime/cpu_features.h"
#include "runtime/kernels/int_reference.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/fixed_point_avx2.h"
#define NILM_X86_KERNELS 1
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_KERNELS

namespace {

constexpr int kStep = 16;

template <class T>
constexpr std::int32_t lowest() { return std::numeric_limits<T>::min(); }
template <class T>
constexpr std::int32_t highest() { return std::numeric_limits<T>::max(); }

// 16 int32 (a: elements 0-7, b: 8-15) already inside Out's range, stored in order.
template <class Out>
__attribute__((target("avx2"))) inline void store16(__m256i a, __m256i b, Out* out) {
  const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  if constexpr (sizeof(Out) == 2) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), p16);
  } else {
    const __m128i p8 = _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), p8);
  }
}

// 16 int8 / int16 widened to int32 (elements 0-7, 8-15).
template <class In>
__attribute__((target("avx2"))) inline void load16(const In* in, __m256i* a, __m256i* b) {
  if constexpr (sizeof(In) == 1) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    *a = _mm256_cvtepi8_epi32(v);
    *b = _mm256_cvtepi8_epi32(_mm_srli_si128(v, 8));
  } else {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    *a = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(v));
    *b = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1));
  }
}

struct QuantizeConsts {
  __m256 scale, lo, hi;
  __m256i zero_point;
};

__attribute__((target("avx2"))) inline __m256i quantize8(const float* in, const QuantizeConsts& k) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 x = _mm256_div_ps(_mm256_loadu_ps(in), k.scale);
  const __m256 t = _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(x, t));
  const __m256 unit = _mm256_or_ps(_mm256_and_ps(x, sign), _mm256_set1_ps(1.0f));  // copysign(1, x)
  const __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), unit));
  __m256 c = _mm256_min_ps(_mm256_max_ps(r, k.lo), k.hi);
  c = _mm256_andnot_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q), c);  // NaN -> 0
  return _mm256_add_epi32(_mm256_cvttps_epi32(c), k.zero_point);
}

template <class Out>
__attribute__((target("avx2"))) void quantize_f32_impl(std::size_t n, const float* in, float scale,
                                                       std::int32_t zero_point, Out* out) {
  QuantizeConsts k;
  k.scale = _mm256_set1_ps(scale);
  k.lo = _mm256_set1_ps(float(lowest<Out>() - zero_point));
  k.hi = _mm256_set1_ps(float(highest<Out>() - zero_point));
  k.zero_point = _mm256_set1_epi32(zero_point);
  std::size_t i = 0;
  for (; i + kStep <= n; i += kStep) store16(quantize8(in + i, k), quantize8(in + i + 8, k), out + i);
  if (i == n) return;
  if constexpr (sizeof(Out) == 1) quantize_f32_s8_ref(n - i, in + i, scale, zero_point, out + i);
  else quantize_f32_s16_ref(n - i, in + i, scale, zero_point, out + i);
}

struct RequantizeConsts {
  MultiplierAvx2 m;
  __m256i in_zero, out_zero, lo, hi;
};

__attribute__((target("avx2"))) inline __m256i requantize8(__m256i x, const RequantizeConsts& k) {
  const __m256i v = _mm256_add_epi32(multiply_by_quantized_multiplier_avx2(_mm256_sub_epi32(x, k.in_zero), k.m), k.out_zero);
  return _mm256_min_epi32(_mm256_max_epi32(v, k.lo), k.hi);
}

template <class In, class Out>
__attribute__((target("avx2"))) void requantize_impl(std::size_t n, const In* in, std::int32_t in_zero_point,
                                                     QuantizedMultiplier m, std::int32_t out_zero_point, Out* out) {
  RequantizeConsts k;
  k.m = multiplier_avx2(m);
  k.in_zero = _mm256_set1_epi32(in_zero_point);
  k.out_zero = _mm256_set1_epi32(out_zero_point);
  k.lo = _mm256_set1_epi32(lowest<Out>());
  k.hi = _mm256_set1_epi32(highest<Out>());
  std::size_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    __m256i a, b;
    load16(in + i, &a, &b);
    store16(requantize8(a, k), requantize8(b, k), out + i);
  }
  if (i < n) requantize_ref(n - i, in + i, in_zero_point, m, out_zero_point, out + i);
}

template <class In>
__attribute__((target("avx2"))) void dequantize_impl(std::size_t n, const In* in, float scale,
                                                     std::int32_t zero_point, float* out) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zero_point);
  std::size_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    __m256i a, b;
    load16(in + i, &a, &b);
    _mm256_storeu_ps(out + i, _mm256_mul_ps(s, _mm256_cvtepi32_ps(_mm256_sub_epi32(a, z))));
    _mm256_storeu_ps(out + i + 8, _mm256_mul_ps(s, _mm256_cvtepi32_ps(_mm256_sub_epi32(b, z))));
  }
  if (i < n) {
    const std::int64_t zp = zero_point;
    dequantize_ref(n - i, in + i, &scale, &zp, 1, 1, out + i);
  }
}

bool has_avx2() { return (detect_cpu_features() & cpu_avx2) != 0; }

}  // namespace

template <class Out>
QuantizeF32Fn<Out> quantize_f32_avx2() { return has_avx2() ? &quantize_f32_impl<Out> : nullptr; }
template <class In, class Out>
RequantizeFn<In, Out> requantize_avx2() { return has_avx2() ? &requantize_impl<In, Out> : nullptr; }
template <class In>
DequantizeFn<In> dequantize_avx2() { return has_avx2() ? &dequantize_impl<In> : nullptr; }

#else

template <class Out>
QuantizeF32Fn<Out> quantize_f32_avx2() { return nullptr; }
template <class In, class Out>
RequantizeFn<In, Out> requantize_avx2() { return nullptr; }
template <class In>
DequantizeFn<In> dequantize_avx2() { return nullptr; }

#endif

template QuantizeF32Fn<std::int8_t> quantize_f32_avx2();
template QuantizeF32Fn<std::int16_t> quantize_f32_avx2();
template RequantizeFn<std::int8_t, std::int8_t> requantize_avx2();
template RequantizeFn<std::int8_t, std::int16_t> requantize_avx2();
template RequantizeFn<std::int16_t, std::int8_t> requantize_avx2();
template RequantizeFn<std::int16_t, std::int16_t> requantize_avx2();
template DequantizeFn<std::int8_t> dequantize_avx2();
template DequantizeFn<std::int16_t> dequantize_avx2();

}  // namespace nilm::runtime::kernels
