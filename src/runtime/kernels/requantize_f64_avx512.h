// The int16x8 dense epilogue in AVX-512 (x86-64 translation units only): TFLite's double
// requantization (requantize_f64) of 8 int64 sums with the reference's operations, so the
// tiled and the sparse int16x8 rows are bit-identical to fully_connected_s16s8_ref.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace nilm::runtime::kernels {

// double(acc) * scale (8 scales at `scale`), rounded half away from zero (truncate, then one
// step away from zero where the dropped part is >= 1/2: exact), clamped to [act_min - zp,
// act_max - zp], + zp, stored as int16 at y for the lanes in mask.
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"), always_inline)) inline void requantize8_f64(
    __m512i acc, const double* scale, __mmask8 mask, std::int32_t out_offset, std::int32_t act_min, std::int32_t act_max,
    std::int16_t* y) {
  const __m512d v = _mm512_mul_round_pd(_mm512_cvtepi64_pd(acc), _mm512_maskz_loadu_pd(mask, scale), _MM_FROUND_CUR_DIRECTION);
  __m512d r = _mm512_roundscale_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512i sign = _mm512_set1_epi64(std::int64_t(0x8000000000000000ull));
  const __m512d dropped = _mm512_castsi512_pd(_mm512_andnot_si512(sign, _mm512_castpd_si512(_mm512_sub_pd(v, r))));
  const __m512d step = _mm512_castsi512_pd(
      _mm512_or_si512(_mm512_castpd_si512(_mm512_set1_pd(1.0)), _mm512_and_si512(sign, _mm512_castpd_si512(v))));
  r = _mm512_mask_add_pd(r, _mm512_cmp_pd_mask(dropped, _mm512_set1_pd(0.5), _CMP_GE_OQ), r, step);
  const __m512d dlo = _mm512_set1_pd(double(act_min) - out_offset), dhi = _mm512_set1_pd(double(act_max) - out_offset);
  r = _mm512_min_pd(_mm512_max_pd(r, dlo), dhi);
  const __m256i q = _mm256_add_epi32(_mm512_cvttpd_epi32(r), _mm256_set1_epi32(out_offset));
  _mm256_mask_cvtepi32_storeu_epi16(y, mask, q);
}

}  // namespace nilm::runtime::kernels
