// See softmax_s16_x86.h. Per lane the same steps as the reference:
//   diff = x - max; scaled = MultiplyByQuantizedMultiplier(diff) (wrapping left shift,
//   (a m + 2^30) >> 31 as in quantize_x86.cc, RoundingDivideByPOT by mask and threshold);
//   sym = clamp(scaled + 32767); exp = LUTLookup(sym) with int16 wrap of slope and result;
//   sum in int32 (order does not matter: integer sums are associative);
//   y = clamp((int64(exp) * reciprocal + round) >> right_shift, 0, 32767), the int64 result
//   truncated to int32 before the clamp as the reference's cast does.
#include "runtime/kernels/softmax_s16_x86.h"

#include <algorithm>
#include <bit>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/lut_s16_avx512.h"
#define NILM_X86_KERNELS 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_KERNELS

namespace {

#define NILM_SOFTMAX_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

NILM_SOFTMAX_TARGET void softmax_s16_rows_impl(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out,
                                               int row_begin, int row_end) {
  const int left = p.input.shift > 0 ? p.input.shift : 0, right = p.input.shift > 0 ? 0 : -p.input.shift;
  const auto mask_bits = static_cast<std::int32_t>((std::int64_t{1} << right) - 1);
  const __m128i left_count = _mm_cvtsi32_si128(left), right_count = _mm_cvtsi32_si128(right);
  const __m512i mult = _mm512_set1_epi32(p.input.multiplier), nudge = _mm512_set1_epi64(std::int64_t{1} << 30);
  const __m512i mask = _mm512_set1_epi32(mask_bits), half_mask = _mm512_set1_epi32(mask_bits >> 1);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i i16_min = _mm512_set1_epi32(-32768), i16_max = _mm512_set1_epi32(32767);
  const __m512i ones16 = _mm512_set1_epi16(1);
  LutS16Registers exp_table;
  load_lut_s16(p.exp_lut, &exp_table);
  const int cols = p.cols;
  for (int r = row_begin; r < row_end; ++r) {
    const std::int16_t* x = in + std::size_t(r) * std::size_t(cols);
    std::int16_t* y = out + std::size_t(r) * std::size_t(cols);
    // row maximum
    __m512i mx = _mm512_set1_epi16(std::numeric_limits<std::int16_t>::min());
    for (int c = 0; c < cols; c += 32) {
      const __mmask32 m = cols - c >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((std::uint64_t{1} << (cols - c)) - 1);
      mx = _mm512_mask_max_epi16(mx, m, mx, _mm512_maskz_loadu_epi16(m, x + c));
    }
    __m256i m256 = _mm256_max_epi16(_mm512_castsi512_si256(mx), _mm512_extracti64x4_epi64(mx, 1));
    __m128i m128 = _mm_max_epi16(_mm256_castsi256_si128(m256), _mm256_extracti128_si256(m256, 1));
    m128 = _mm_max_epi16(m128, _mm_shuffle_epi32(m128, 0x4E));
    m128 = _mm_max_epi16(m128, _mm_shuffle_epi32(m128, 0xB1));
    m128 = _mm_max_epi16(m128, _mm_shufflelo_epi16(m128, 0xB1));
    const auto max_in_row = static_cast<std::int16_t>(_mm_extract_epi16(m128, 0));
    const __m512i vmax = _mm512_set1_epi32(max_in_row);
    // exps (kept in the output) and their sum, 32 columns a step: the rescaled differences in
    // two 16-lane int32 halves, the table lookup on 32 int16 lanes
    __m512i sum = zero;
    for (int c = 0; c < cols; c += 32) {
      const __mmask32 m = cols - c >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((std::uint64_t{1} << (cols - c)) - 1);
      const __m512i xs = _mm512_maskz_loadu_epi16(m, x + c);
      __m256i syms[2];
      for (int half = 0; half < 2; ++half) {
        const __m512i v = _mm512_cvtepi16_epi32(half ? _mm512_extracti64x4_epi64(xs, 1) : _mm512_castsi512_si256(xs));
        const __m512i a = _mm512_sll_epi32(_mm512_sub_epi32(v, vmax), left_count);
        const __m512i even = _mm512_mul_epi32(a, mult);
        const __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), mult);
        const __m512i h = _mm512_mask_blend_epi32(__mmask16(0xAAAA), _mm512_srli_epi64(_mm512_add_epi64(even, nudge), 31),
                                                  _mm512_slli_epi64(_mm512_add_epi64(odd, nudge), 1));
        const __m512i remainder = _mm512_and_si512(h, mask);
        const __m512i threshold = _mm512_mask_add_epi32(half_mask, _mm512_cmplt_epi32_mask(h, zero), half_mask,
                                                        _mm512_set1_epi32(1));
        __m512i scaled = _mm512_sra_epi32(h, right_count);
        scaled = _mm512_mask_add_epi32(scaled, _mm512_cmpgt_epi32_mask(remainder, threshold), scaled, _mm512_set1_epi32(1));
        syms[half] = _mm512_cvtepi32_epi16(
            _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(scaled, i16_max), i16_min), i16_max));
      }
      const __m512i sym = _mm512_inserti64x4(_mm512_castsi256_si512(syms[0]), syms[1], 1);
      const __m512i e = _mm512_maskz_mov_epi16(m, lut_lookup_s16x32(sym, exp_table));  // tail lanes add 0
      sum = _mm512_add_epi32(sum, _mm512_madd_epi16(e, ones16));  // pairs of int16: exact in int32
      _mm512_mask_storeu_epi16(y + c, m, e);
    }
    const std::int32_t sum_of_exps = _mm512_reduce_add_epi32(sum);
    // the reciprocal: the reference's scalar steps
    const int headroom_plus_one = std::countl_zero(static_cast<std::uint32_t>(sum_of_exps));
    const auto shifted_sum = static_cast<std::int32_t>(
        ((static_cast<std::int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const std::int32_t sym_shifted_sum = shifted_sum - ((1 << 15) + (1 << 16));
    const auto sat = static_cast<std::int16_t>(std::clamp(sym_shifted_sum, std::int32_t{-32768}, std::int32_t{32767}));
    const std::int16_t reciprocal = lut_lookup(sat, p.one_over_one_plus_x_lut);
    const int right_shift = 31 - headroom_plus_one;
    const __m512i recip = _mm512_set1_epi64(reciprocal);
    const __m512i round = _mm512_set1_epi64(std::int64_t{1} << (right_shift - 1));
    const __m128i shift = _mm_cvtsi32_si128(right_shift);
    for (int c = 0; c < cols; c += 16) {
      const __mmask16 m = cols - c >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (cols - c)) - 1);
      const __m512i e = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(m, y + c));
      const __m512i e0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(e));
      const __m512i e1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(e, 1));
      const __m512i v0 = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(e0, recip), round), shift);
      const __m512i v1 = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(e1, recip), round), shift);
      __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(v0)), _mm512_cvtepi64_epi32(v1), 1);
      v = _mm512_min_epi32(_mm512_max_epi32(v, zero), i16_max);
      _mm256_mask_storeu_epi16(y + c, m, _mm512_cvtepi32_epi16(v));
    }
  }
}

#undef NILM_SOFTMAX_TARGET

bool has_avx512_bw_dq_vl() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

}  // namespace

SoftmaxS16RowsFn softmax_s16_rows_avx512() { return has_avx512_bw_dq_vl() ? &softmax_s16_rows_impl : nullptr; }

#else

SoftmaxS16RowsFn softmax_s16_rows_avx512() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
