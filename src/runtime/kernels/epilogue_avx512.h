// The float epilogues the AVX-512 integer kernels share (x86-64 translation units only), 16
// outputs at a time, with the reference's operations in its order, so that the direct conv, the
// tiled GEMM and the sparse rows stay bit-identical to it: int8 requantize_fp32 and hybrid_one.
// Explicit all-lane forms: GCC 12's plain ones warn (bug 105593).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace nilm::runtime::kernels {

// requantize_fp32 of 16 int32 sums: float(acc) * scale, clamped in float to [act_min - zp,
// act_max - zp], rounded to nearest even by vcvtps2dq (the default MXCSR mode, as nearbyint),
// + zp; stored as int8 at y for the lanes in mask.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline void store_requantized_s8(
    __m512i acc, __m512 scale, std::int32_t out_offset, std::int32_t act_min, std::int32_t act_max, __mmask16 mask,
    std::int8_t* y) {
  const __m512 zf = _mm512_setzero_ps();
  constexpr __mmask16 all = 0xFFFF;
  const __m512 flo = _mm512_set1_ps(float(act_min - out_offset)), fhi = _mm512_set1_ps(float(act_max - out_offset));
  __m512 f = _mm512_mask_mul_ps(zf, all, _mm512_mask_cvtepi32_ps(zf, all, acc), scale);
  f = _mm512_mask_min_ps(zf, all, _mm512_mask_max_ps(zf, all, f, flo), fhi);
  const __m512i v = _mm512_add_epi32(_mm512_mask_cvtps_epi32(_mm512_setzero_si512(), all, f), _mm512_set1_epi32(out_offset));
  _mm512_mask_cvtepi32_storeu_epi8(y, mask, v);  // already in [act_min, act_max]
}

// hybrid_one of 16 sums already corrected for the input offset (dot - offset sum w): separate
// multiplies (no FMA) in its order, + bias (bias at the first output, or null), then
// "v < lo ? lo : v" and "v > hi ? hi : v" (vmaxps / vminps return v, their second operand, for
// equal values, so v keeps its sign of zero); stored at y for the lanes in mask.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline void store_hybrid(
    __m512i acc, __m512 w_scales, float input_scale, bool scale_first, const float* bias, float lo, float hi,
    __mmask16 mask, float* y) {
  const __m512 zf = _mm512_setzero_ps();
  constexpr __mmask16 all = 0xFFFF;
  const __m512 a = _mm512_mask_cvtepi32_ps(zf, all, acc), s = _mm512_set1_ps(input_scale);
  __m512 v = scale_first ? _mm512_mask_mul_ps(zf, all, a, _mm512_mask_mul_ps(zf, all, s, w_scales))
                         : _mm512_mask_mul_ps(zf, all, _mm512_mask_mul_ps(zf, all, a, w_scales), s);
  if (bias) v = _mm512_mask_add_ps(zf, all, _mm512_maskz_loadu_ps(mask, bias), v);
  v = _mm512_mask_max_ps(zf, all, _mm512_set1_ps(lo), v);
  v = _mm512_mask_min_ps(zf, all, _mm512_set1_ps(hi), v);
  _mm512_mask_storeu_ps(y, mask, v);
}

}  // namespace nilm::runtime::kernels
