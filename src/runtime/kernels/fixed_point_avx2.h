// TFLite's MultiplyByQuantizedMultiplier for int32 values, 8 lanes in AVX2 (include only from
// x86 translation units; the functions carry their own target attribute). The same integers as
// fixed_point.h: the wrapping left shift, the doubling high multiply as (a m + 2^30) >> 31
// (equal to gemmlowp's nudge-and-truncate for m >= 0; see quantized_rows.cc), and
// RoundingDivideByPOT with the reference's mask and threshold (no overflow for any input).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {

struct MultiplierAvx2 {
  __m256i mult, nudge, mask, half_mask;
  __m128i left, right;
};

__attribute__((target("avx2"))) inline MultiplierAvx2 multiplier_avx2(QuantizedMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const auto mask = static_cast<std::int32_t>((std::int64_t{1} << right) - 1);
  return {_mm256_set1_epi32(m.multiplier), _mm256_set1_epi64x(std::int64_t{1} << 30), _mm256_set1_epi32(mask),
          _mm256_set1_epi32(mask >> 1), _mm_cvtsi32_si128(left), _mm_cvtsi32_si128(right)};
}

__attribute__((target("avx2"))) inline __m256i multiply_by_quantized_multiplier_avx2(__m256i x,
                                                                                     const MultiplierAvx2& k) {
  x = _mm256_sll_epi32(x, k.left);  // wraps as the reference's uint32 shift
  const __m256i even = _mm256_mul_epi32(x, k.mult);
  const __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), k.mult);
  // bits 31..62 of (a m + 2^30): the low word of the even lanes, the high word of the odd ones
  const __m256i e = _mm256_srli_epi64(_mm256_add_epi64(even, k.nudge), 31);
  const __m256i o = _mm256_slli_epi64(_mm256_add_epi64(odd, k.nudge), 1);
  const __m256i h = _mm256_blend_epi32(e, o, 0xAA);
  const __m256i remainder = _mm256_and_si256(h, k.mask);
  const __m256i threshold = _mm256_sub_epi32(k.half_mask, _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
  return _mm256_sub_epi32(_mm256_sra_epi32(h, k.right), _mm256_cmpgt_epi32(remainder, threshold));
}

}  // namespace nilm::runtime::kernels
