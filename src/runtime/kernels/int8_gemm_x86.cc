// x86-64 integer GEMM micro-kernels, compiled per function for their ISA (target attributes,
// so this file needs no special flags and the baseline code around them stays SSE2):
// - AVX2: int8 x int8 with vpmaddubsw on |x| and sign(w, x) (|x| <= 128, |w| <= 127, so a pair
//   sum <= 32512 never saturates), widened with vpmaddwd; int16 x int8 with vpmaddwd, int32
//   lanes flushed into int64 every 128 steps (exact, like the reference's int64 accumulator).
// - AVX-512 VNNI: vpdpbusd on (x + 128) as unsigned bytes, minus 128 * sum(w) at the end; the
//   tail is a masked load, so there is no scalar remainder.
// Called only when __builtin_cpu_supports reports the features.
#include "runtime/kernels/int8_gemm.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NILM_X86_KERNELS 1
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_KERNELS

namespace {

__attribute__((target("avx2"))) inline std::int32_t hsum_avx2(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// R weight rows (R = 4 or 1) against one activation row.
template <int R>
__attribute__((target("avx2"))) void dot_s8_avx2(const std::int8_t* x, const std::int8_t* const* w, int k,
                                                  std::int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_si256();
  int t = 0;
  for (; t + 32 <= k; t += 32) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + t));
    const __m256i ax = _mm256_abs_epi8(xv);
    for (int r = 0; r < R; ++r) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[r] + t));
      const __m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv));
      acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(p, ones));
    }
  }
  for (int r = 0; r < R; ++r) {
    std::int32_t s = hsum_avx2(acc[r]);
    for (int u = t; u < k; ++u) s += std::int32_t{x[u]} * w[r][u];
    out[r] = s;
  }
}

template <int R>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot_s8_vnni(const std::int8_t* x,
                                                                        const std::int8_t* const* w, int k,
                                                                        std::int32_t* out) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_si512();
  int t = 0;
  for (; t + 64 <= k; t += 64) {
    const __m512i xu = _mm512_xor_si512(_mm512_loadu_si512(x + t), flip);  // x + 128 as u8
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], xu, _mm512_loadu_si512(w[r] + t));
  }
  if (t < k) {
    const __mmask64 mask = (~std::uint64_t{0}) >> (64 - (k - t));
    const __m512i xu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, x + t), flip);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], xu, _mm512_maskz_loadu_epi8(mask, w[r] + t));
  }
  for (int r = 0; r < R; ++r) {  // sum (x + 128) w (stored and summed: GCC 12's reduce warns)
    alignas(64) std::int32_t lanes[16];
    _mm512_store_si512(lanes, acc[r]);
    std::int32_t sum = 0;
    for (std::int32_t v : lanes) sum += v;
    out[r] = sum;
  }
}

// dot_s8_vnni with the weight loads aligned to 64 bytes: a masked head up to w[0]'s next cache
// line first. The file aligns buffers to 16 bytes only, and a 10 MB layer streamed with every
// load split across two lines ran ~25% slower (CNN w8's 9728 -> 1024 layer). Integer sums, so
// the order changes nothing.
template <int R>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot_s8_vnni_aligned(const std::int8_t* x,
                                                                                const std::int8_t* const* w, int k,
                                                                                std::int32_t* out) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_si512();
  int t = std::min(k, int((64 - (reinterpret_cast<std::uintptr_t>(w[0]) & 63)) & 63));
  if (t > 0) {
    const __mmask64 mask = (~std::uint64_t{0}) >> (64 - t);
    const __m512i xu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, x), flip);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], xu, _mm512_maskz_loadu_epi8(mask, w[r]));
  }
  for (; t + 64 <= k; t += 64) {
    const __m512i xu = _mm512_xor_si512(_mm512_loadu_si512(x + t), flip);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], xu, _mm512_loadu_si512(w[r] + t));
  }
  if (t < k) {
    const __mmask64 mask = (~std::uint64_t{0}) >> (64 - (k - t));
    const __m512i xu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, x + t), flip);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], xu, _mm512_maskz_loadu_epi8(mask, w[r] + t));
  }
  for (int r = 0; r < R; ++r) {
    alignas(64) std::int32_t lanes[16];
    _mm512_store_si512(lanes, acc[r]);
    std::int32_t sum = 0;
    for (std::int32_t v : lanes) sum += v;
    out[r] = sum;
  }
}

__attribute__((target("avx2"))) inline void flush_s32_to_s64(__m256i& acc64, __m256i& acc32) {
  acc64 = _mm256_add_epi64(acc64, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc32)));
  acc64 = _mm256_add_epi64(acc64, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc32, 1)));
  acc32 = _mm256_setzero_si256();
}

template <int R>
__attribute__((target("avx2"))) void dot_s16_avx2(const std::int16_t* x, const std::int8_t* const* w, int k,
                                                   std::int64_t* out) {
  constexpr int kFlush = 128;  // 128 steps of <= 2 * 32768 * 127 per int32 lane stay below 2^31
  __m256i acc64[R], acc32[R];
  for (int r = 0; r < R; ++r) acc64[r] = acc32[r] = _mm256_setzero_si256();
  int t = 0, steps = 0;
  for (; t + 16 <= k; t += 16) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + t));
    for (int r = 0; r < R; ++r) {
      const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[r] + t)));
      acc32[r] = _mm256_add_epi32(acc32[r], _mm256_madd_epi16(xv, wv));
    }
    if (++steps == kFlush) {
      for (int r = 0; r < R; ++r) flush_s32_to_s64(acc64[r], acc32[r]);
      steps = 0;
    }
  }
  for (int r = 0; r < R; ++r) {
    flush_s32_to_s64(acc64[r], acc32[r]);
    alignas(32) std::int64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc64[r]);
    std::int64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    for (int u = t; u < k; ++u) s += std::int64_t{x[u]} * w[r][u];
    out[r] = s;
  }
}

// TFLite's requantization of 8 int32 accumulators with per-lane multipliers, exactly:
// saturating_rounding_doubling_high_mul(x << left, m) is (x * m + 2^30) >> 31 (m >= 0, so the
// saturating case never occurs; floor of p + 2^30 rounds halves up for either sign, which is
// what the nudged truncating division computes), and only its low 32 bits are needed, so a
// logical 64-bit shift serves; rounding_divide_by_pot is the masked remainder test.
__attribute__((target("avx2"))) inline __m256i requantize8_avx2(__m256i x, __m256i m, __m256i left, __m256i right,
                                                                 __m256i offset, __m256i lo, __m256i hi) {
  x = _mm256_sllv_epi32(x, left);
  const __m256i half = _mm256_set1_epi64x(std::int64_t{1} << 30);
  const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), half), 31);
  const __m256i odd = _mm256_srli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), half), 31);
  const __m256i high = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
  const __m256i remainder = _mm256_and_si256(high, mask);
  const __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_srai_epi32(high, 31));
  __m256i v = _mm256_sub_epi32(_mm256_srav_epi32(high, right), _mm256_cmpgt_epi32(remainder, threshold));
  v = _mm256_add_epi32(v, offset);
  return _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
}

__attribute__((target("avx2"))) inline __m256i ld(const std::int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Requantizes acc[0, count) (outputs j0 ...) into int8 row c.
__attribute__((target("avx2"))) void requantize_row_s8_avx2(const QGemmS8Args& g, int j0, int count,
                                                            const std::int32_t* acc, std::int8_t* c) {
  const __m256i offset = _mm256_set1_epi32(g.out_offset), lo = _mm256_set1_epi32(g.act_min),
                hi = _mm256_set1_epi32(g.act_max);
  // XNNPACK's float requantization: clamp in float to [lo - zp, hi - zp] (so the conversion
  // never overflows), vcvtps2dq rounds to nearest even (the default MXCSR mode), plus zp.
  const __m256 flo = _mm256_set1_ps(float(g.act_min - g.out_offset)), fhi = _mm256_set1_ps(float(g.act_max - g.out_offset));
  int q = 0;
  for (; q + 8 <= count; q += 8) {
    const int j = j0 + q;
    __m256i v;
    if (g.f_scale) {
      const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(ld(acc + q)), _mm256_loadu_ps(g.f_scale + j));
      v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, flo), fhi)), offset);
    } else {
      v = requantize8_avx2(ld(acc + q), ld(g.q_mult + j), ld(g.q_left + j), ld(g.q_right + j), offset, lo, hi);
    }
    const __m256i w16 = _mm256_packs_epi32(v, v);     // values already in [-128, 127]
    const __m256i w8 = _mm256_packs_epi16(w16, w16);  // bytes 0-3 of each 128-bit half
    const std::int32_t a = _mm_cvtsi128_si32(_mm256_castsi256_si128(w8));
    const std::int32_t b = _mm_cvtsi128_si32(_mm256_extracti128_si256(w8, 1));
    std::memcpy(c + j, &a, 4);
    std::memcpy(c + j + 4, &b, 4);
  }
  for (; q < count; ++q) c[j0 + q] = static_cast<std::int8_t>(requantize_output(g, j0 + q, acc[q]));
}

template <class Args, class Acc>
void requantize_row_scalar(const Args& g, int j0, int count, const Acc* acc,
                           std::remove_pointer_t<decltype(Args{}.c)>* c) {
  for (int q = 0; q < count; ++q)
    c[j0 + q] = static_cast<std::remove_pointer_t<decltype(g.c)>>(requantize_output(g, j0 + q, acc[q]));
}

// int16 x int8 rows with AVX-512BW: 32 products per vpmaddwd, int32 lanes flushed into int64
// every 128 steps (the same per-lane bound as dot_s16_avx2).
template <int R>
__attribute__((target("avx512f,avx512bw"))) void dot_s16_avx512(const std::int16_t* x, const std::int8_t* const* w,
                                                                 int k, std::int64_t* out) {
  constexpr int kFlush = 128;
  __m512i acc64[R], acc32[R];
  for (int r = 0; r < R; ++r) acc64[r] = acc32[r] = _mm512_setzero_si512();
  int t = 0, steps = 0;
  auto flush = [](__m512i& a64, __m512i& a32) __attribute__((target("avx512f,avx512bw"))) {
    // masked forms with explicit sources: GCC 12's plain forms warn about an undefined operand
    const __m512i zero = _mm512_setzero_si512();
    const __m256i zero256 = _mm256_setzero_si256();
    const __m256i lo = _mm512_mask_extracti64x4_epi64(zero256, 0xF, a32, 0);
    const __m256i hi = _mm512_mask_extracti64x4_epi64(zero256, 0xF, a32, 1);
    a64 = _mm512_add_epi64(a64, _mm512_mask_cvtepi32_epi64(zero, 0xFF, lo));
    a64 = _mm512_add_epi64(a64, _mm512_mask_cvtepi32_epi64(zero, 0xFF, hi));
    a32 = _mm512_setzero_si512();
  };
  for (; t + 32 <= k; t += 32) {
    const __m512i xv = _mm512_loadu_si512(x + t);
    for (int r = 0; r < R; ++r) {
      const __m512i wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[r] + t)));
      acc32[r] = _mm512_add_epi32(acc32[r], _mm512_madd_epi16(xv, wv));
    }
    if (++steps == kFlush) {
      for (int r = 0; r < R; ++r) flush(acc64[r], acc32[r]);
      steps = 0;
    }
  }
  for (int r = 0; r < R; ++r) {
    flush(acc64[r], acc32[r]);
    alignas(64) std::int64_t lanes[8];
    _mm512_store_si512(lanes, acc64[r]);
    std::int64_t sum = 0;
    for (std::int64_t v : lanes) sum += v;
    for (int u = t; u < k; ++u) sum += std::int64_t{x[u]} * w[r][u];
    out[r] = sum;
  }
}

// The loop shared by the dot-row variants: per row, the dot products of up to kChunk outputs
// (four weight rows per step, then singles), corrected for the VNNI offset, handed to `epilogue`
// (row, first output, count, sums).
template <class Args, class Dot, class Acc, class Epilogue>
inline void dot_rows(const Args& g, int n_begin, int n_end, Dot dot4, Dot dot1, Acc correction_per_sum,
                     Epilogue epilogue) {
  constexpr int kChunk = 64;
  Acc acc[kChunk];
  for (int j0 = n_begin; j0 < n_end; j0 += kChunk) {
    const int j1 = std::min(n_end, j0 + kChunk);
    for (int i = 0; i < g.m; ++i) {
      const auto* x = g.a + i * g.a_row;
      for (int j = j0, r = 4; j < j1; j += r) {
        r = j1 - j >= 4 ? 4 : 1;
        const std::int8_t* w[4];
        for (int q = 0; q < r; ++q) w[q] = g.b + std::size_t(j + q) * g.k;
        (r == 4 ? dot4 : dot1)(x, w, g.k, acc + (j - j0));
      }
      if (correction_per_sum != 0)
        for (int j = j0; j < j1; ++j) acc[j - j0] -= correction_per_sum * Acc(g.b_sums[j]);
      epilogue(i, j0, j1 - j0, acc);
    }
  }
}

// TFLite's int64 MultiplyByQuantizedMultiplier on 8 accumulators (AVX-512F/DQ): the multiplier
// reduced to 15 bits (min((m + 2^15) >> 16, 0x7FFF) is TFLite's guarded form without the int32
// overflow), one rounding arithmetic shift by 15 - shift; then the clamp and the int16 store.
__attribute__((target("avx512f,avx512dq,avx512vl"), noinline)) void requantize_row_s16_avx512(
    const QGemmS16Args& g, int j0, int count, const std::int64_t* acc, std::int16_t* c) {
  if (g.d_scale) {  // TFLite's double requantization (FULLY_CONNECTED): scalar, as the reference
    for (int q = 0; q < count; ++q) c[j0 + q] = static_cast<std::int16_t>(requantize_output(g, j0 + q, acc[q]));
    return;
  }
  const __m512i lo = _mm512_set1_epi64(g.act_min), hi = _mm512_set1_epi64(g.act_max);
  const __m512i one = _mm512_set1_epi64(1), max_reduced = _mm512_set1_epi64(0x7FFF);
  const __m512i zero = _mm512_setzero_si512();  // explicit sources: GCC 12's plain forms warn
  int q = 0;
  for (; q + 8 <= count; q += 8) {
    const int j = j0 + q;
    const __m512i m = _mm512_mask_cvtepi32_epi64(zero, 0xFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.q_mult + j)));
    const __m512i left = _mm512_mask_cvtepi32_epi64(zero, 0xFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.q_left + j)));
    const __m512i right = _mm512_mask_cvtepi32_epi64(zero, 0xFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.q_right + j)));
    const __m512i reduced = _mm512_mask_min_epi64(zero, 0xFF, _mm512_mask_srai_epi64(zero, 0xFF, _mm512_add_epi64(m, _mm512_set1_epi64(1 << 15)), 16), max_reduced);
    const __m512i total = _mm512_add_epi64(_mm512_sub_epi64(_mm512_set1_epi64(15), left), right);  // 15 - shift
    const __m512i round = _mm512_mask_sllv_epi64(zero, 0xFF, one, _mm512_sub_epi64(total, one));
    const __m512i x = _mm512_loadu_si512(acc + q);
    __m512i v = _mm512_mask_srav_epi64(zero, 0xFF, _mm512_add_epi64(_mm512_mullo_epi64(x, reduced), round), total);
    v = _mm512_add_epi64(v, _mm512_set1_epi64(g.out_offset));
    v = _mm512_mask_min_epi64(zero, 0xFF, _mm512_mask_max_epi64(zero, 0xFF, v, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(c + j), _mm512_mask_cvtepi64_epi16(_mm_setzero_si128(), 0xFF, v));
  }
  for (; q < count; ++q)
    c[j0 + q] = static_cast<std::int16_t>(
        requantize_one(acc[q], g.mult[g.mult_count == 1 ? 0 : j0 + q], g.out_offset, g.act_min, g.act_max));
}

// Requantizing epilogues: bias, then TFLite's fixed-point multiplier.
template <class Args>
auto requantize_s8_epilogue(const Args& g) {
  return [&g](int i, int j0, int count, std::int32_t* acc) {
    const std::int32_t row = g.row_bias ? g.row_bias[i] : 0;
    for (int q = 0; q < count; ++q) acc[q] += g.bias[j0 + q] + row;
    requantize_row_s8_avx2(g, j0, count, acc, g.c + i * g.ldc);
  };
}
template <class Args, bool kAvx512 = false>
auto requantize_s16_epilogue(const Args& g) {
  return [&g](int i, int j0, int count, std::int64_t* acc) {
    for (int q = 0; q < count; ++q) acc[q] += g.bias[j0 + q];
    if constexpr (kAvx512) requantize_row_s16_avx512(g, j0, count, acc, g.c + i * g.ldc);
    else requantize_row_scalar(g, j0, count, acc, g.c + i * g.ldc);
  };
}

// Hybrid epilogue: y = bias + float(acc - offset * sum w) scaled as the reference does
// (avx2 target without FMA and never inlined into an AVX-512 caller, so the compiler cannot
// fuse a multiply and an add and change the rounding).
__attribute__((target("avx2"), noinline)) void hybrid_row_avx2(const HybridS8Args& g, int i, int j0, int count,
                                                     const std::int32_t* dot) {
  float* y = g.c + i * g.ldc;
  int q = 0;
  const __m256i off = _mm256_set1_epi32(g.input_offset);
  const __m256 s = _mm256_set1_ps(g.input_scale), lo = _mm256_set1_ps(g.lo), hi = _mm256_set1_ps(g.hi);
  for (; q + 8 <= count; q += 8) {
    const int j = j0 + q;
    const __m256i acc = _mm256_sub_epi32(ld(dot + q), _mm256_mullo_epi32(off, ld(g.b_sums + j)));
    const __m256 a = _mm256_cvtepi32_ps(acc);
    const __m256 ws = _mm256_loadu_ps(g.w_scales + j);
    __m256 v = g.scale_first ? _mm256_mul_ps(a, _mm256_mul_ps(s, ws)) : _mm256_mul_ps(_mm256_mul_ps(a, ws), s);
    if (g.bias) v = _mm256_add_ps(v, _mm256_loadu_ps(g.bias + j));
    _mm256_storeu_ps(y + j, _mm256_min_ps(_mm256_max_ps(v, lo), hi));
  }
  for (; q < count; ++q) y[j0 + q] = hybrid_one(g, j0 + q, dot[q]);
}

// ---- packed panels (convolutions): 16 outputs x R rows per step ----

// The 4-byte group starting at t of an activation row of k bytes (the last one zero-padded,
// never reading past the row: a 1-D convolution's rows are read in place from the input).
inline std::int32_t group4(const std::int8_t* x, int t, int k) {
  std::int32_t v = 0;
  if (k - t >= 4) {
    std::memcpy(&v, x + t, 4);  // one load
  } else {
    for (int b = 0; b < k - t; ++b) v |= std::int32_t(std::uint8_t(x[t + b])) << (8 * b);
  }
  return v;
}

template <int R>
__attribute__((target("avx2"))) void panel_s8_avx2(const std::int8_t* const* x, const std::int8_t* wp, int k,
                                                    std::int32_t (*acc)[kPanelS8]) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo[R], hi[R];
  for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
  for (int t = 0; t < k; t += 4, wp += 4 * kPanelS8) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 32));
    for (int r = 0; r < R; ++r) {
      const __m256i bx = _mm256_set1_epi32(group4(x[r], t, k));
      const __m256i ax = _mm256_abs_epi8(bx);
      lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(w0, bx)), ones));
      hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(w1, bx)), ones));
    }
  }
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc[r]), lo[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc[r] + 8), hi[r]);
  }
}

template <int R>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void panel_s8_vnni(const std::int8_t* const* x,
                                                                          const std::int8_t* wp, int k,
                                                                          std::int32_t (*acc)[kPanelS8]) {
  __m512i a[R];
  for (int r = 0; r < R; ++r) a[r] = _mm512_setzero_si512();
  for (int t = 0; t < k; t += 4, wp += 4 * kPanelS8) {
    const __m512i w = _mm512_loadu_si512(wp);
    for (int r = 0; r < R; ++r) {
      const std::int32_t flipped = static_cast<std::int32_t>(static_cast<std::uint32_t>(group4(x[r], t, k)) ^ 0x80808080u);
      a[r] = _mm512_dpbusd_epi32(a[r], _mm512_set1_epi32(flipped), w);  // (x + 128) as u8
    }
  }
  for (int r = 0; r < R; ++r) _mm512_storeu_si512(acc[r], a[r]);
}

template <class Args, class Panel, class Epilogue>
void packed_rows(const Args& g, int n_begin, int n_end, Panel p4, Panel p1, std::int32_t correction_per_sum,
                 Epilogue epilogue) {
  const int groups = (g.k + 3) / 4;
  alignas(64) std::int32_t acc[4][kPanelS8];
  for (int j0 = n_begin; j0 < n_end; j0 += kPanelS8) {
    const std::int8_t* wp = g.b_packed + std::size_t(j0 / kPanelS8) * groups * 4 * kPanelS8;
    const int count = std::min(kPanelS8, n_end - j0);
    for (int i = 0, r = 4; i < g.m; i += r) {
      r = g.m - i >= 4 ? 4 : 1;
      const std::int8_t* xs[4];
      for (int q = 0; q < r; ++q) xs[q] = g.a + (i + q) * g.a_row;
      (r == 4 ? p4 : p1)(xs, wp, g.k, acc);
      for (int q = 0; q < r; ++q) {
        if (correction_per_sum != 0)
          for (int o = 0; o < count; ++o) acc[q][o] -= correction_per_sum * g.b_sums[j0 + o];
        epilogue(i + q, j0, count, acc[q]);
      }
    }
  }
}

// int16x8 packed panel: pairs of int16 activations broadcast against 16 outputs' weight pairs
// (vpmaddwd), int32 partial sums flushed into int64 every 128 pairs (exact, see dot_s16_avx2).
inline std::int32_t pair16(const std::int16_t* x, int t, int k) {
  std::int32_t v = 0;
  if (k - t >= 2) std::memcpy(&v, x + t, 4);
  else v = std::int32_t(std::uint16_t(x[t]));
  return v;
}

template <int R>
__attribute__((target("avx2"))) void panel_s16_avx2(const std::int16_t* const* x, const std::int16_t* wp, int k,
                                                     std::int64_t (*acc)[kPanelS8]) {
  constexpr int kFlush = 128;
  __m256i a64[R][4], a32[R][2];
  for (int r = 0; r < R; ++r) {
    for (auto& v : a64[r]) v = _mm256_setzero_si256();
    a32[r][0] = a32[r][1] = _mm256_setzero_si256();
  }
  int steps = 0;
  for (int t = 0; t < k; t += 2, wp += 2 * kPanelS8) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16));
    for (int r = 0; r < R; ++r) {
      const __m256i bx = _mm256_set1_epi32(pair16(x[r], t, k));
      a32[r][0] = _mm256_add_epi32(a32[r][0], _mm256_madd_epi16(bx, w0));
      a32[r][1] = _mm256_add_epi32(a32[r][1], _mm256_madd_epi16(bx, w1));
    }
    if (++steps == kFlush || t + 2 >= k) {
      for (int r = 0; r < R; ++r)
        for (int h = 0; h < 2; ++h) {
          a64[r][2 * h] = _mm256_add_epi64(a64[r][2 * h], _mm256_cvtepi32_epi64(_mm256_castsi256_si128(a32[r][h])));
          a64[r][2 * h + 1] =
              _mm256_add_epi64(a64[r][2 * h + 1], _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a32[r][h], 1)));
          a32[r][h] = _mm256_setzero_si256();
        }
      steps = 0;
    }
  }
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < 4; ++q) _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc[r] + 4 * q), a64[r][q]);
}

template <bool kAvx512>
void qgemm_s16_packed_impl(const QGemmS16Args& g, int n_begin, int n_end) {
  const int groups = (g.k + 1) / 2;
  alignas(64) std::int64_t acc[4][kPanelS8];
  for (int j0 = n_begin; j0 < n_end; j0 += kPanelS8) {
    const std::int16_t* wp = g.b_packed16 + std::size_t(j0 / kPanelS8) * groups * 2 * kPanelS8;
    const int count = std::min(kPanelS8, n_end - j0);
    for (int i = 0, r = 4; i < g.m; i += r) {
      r = g.m - i >= 4 ? 4 : 1;
      const std::int16_t* xs[4];
      for (int q = 0; q < r; ++q) xs[q] = g.a + (i + q) * g.a_row;
      if (r == 4) panel_s16_avx2<4>(xs, wp, g.k, acc);
      else panel_s16_avx2<1>(xs, wp, g.k, acc);
      for (int q = 0; q < r; ++q) {
        for (int o = 0; o < count; ++o) acc[q][o] += g.bias[j0 + o];
        if constexpr (kAvx512) requantize_row_s16_avx512(g, j0, count, acc[q], g.c + (i + q) * g.ldc);
        else requantize_row_scalar(g, j0, count, acc[q], g.c + (i + q) * g.ldc);
      }
    }
  }
}

void qgemm_s8_packed_avx2_impl(const QGemmS8Args& g, int n_begin, int n_end) {
  packed_rows(g, n_begin, n_end, &panel_s8_avx2<4>, &panel_s8_avx2<1>, 0, requantize_s8_epilogue(g));
}
void qgemm_s8_packed_vnni_impl(const QGemmS8Args& g, int n_begin, int n_end) {
  packed_rows(g, n_begin, n_end, &panel_s8_vnni<4>, &panel_s8_vnni<1>, 128, requantize_s8_epilogue(g));
}
void hybrid_s8_packed_avx2_impl(const HybridS8Args& g, int n_begin, int n_end) {
  packed_rows(g, n_begin, n_end, &panel_s8_avx2<4>, &panel_s8_avx2<1>, 0,
              [&g](int i, int j0, int count, const std::int32_t* acc) { hybrid_row_avx2(g, i, j0, count, acc); });
}
void hybrid_s8_packed_vnni_impl(const HybridS8Args& g, int n_begin, int n_end) {
  packed_rows(g, n_begin, n_end, &panel_s8_vnni<4>, &panel_s8_vnni<1>, 128,
              [&g](int i, int j0, int count, const std::int32_t* acc) { hybrid_row_avx2(g, i, j0, count, acc); });
}
void hybrid_s8_avx2_impl(const HybridS8Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s8_avx2<4>, &dot_s8_avx2<1>, std::int32_t{0},
           [&g](int i, int j0, int count, const std::int32_t* acc) { hybrid_row_avx2(g, i, j0, count, acc); });
}
void hybrid_s8_vnni_impl(const HybridS8Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s8_vnni_aligned<4>, &dot_s8_vnni_aligned<1>, std::int32_t{128},
           [&g](int i, int j0, int count, const std::int32_t* acc) { hybrid_row_avx2(g, i, j0, count, acc); });
}

void qgemm_s8_avx2_impl(const QGemmS8Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s8_avx2<4>, &dot_s8_avx2<1>, std::int32_t{0}, requantize_s8_epilogue(g));
}
void qgemm_s8_vnni_impl(const QGemmS8Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s8_vnni<4>, &dot_s8_vnni<1>, std::int32_t{128}, requantize_s8_epilogue(g));
}
void qgemm_s16_avx512_impl(const QGemmS16Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s16_avx512<4>, &dot_s16_avx512<1>, std::int64_t{0},
           requantize_s16_epilogue<QGemmS16Args, true>(g));
}
void qgemm_s16_avx2_impl(const QGemmS16Args& g, int n_begin, int n_end) {
  dot_rows(g, n_begin, n_end, &dot_s16_avx2<4>, &dot_s16_avx2<1>, std::int64_t{0}, requantize_s16_epilogue(g));
}

}  // namespace

QGemmS8Fn qgemm_s8_avx2() {
  return (detect_cpu_features() & cpu_avx2) ? &qgemm_s8_avx2_impl : nullptr;
}
QGemmS8Fn qgemm_s8_avx512vnni() {
  __builtin_cpu_init();  // avx512bw is not in CpuFeatures: ask the CPU directly
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vnni");
  return ok ? &qgemm_s8_vnni_impl : nullptr;
}
QGemmS16Fn qgemm_s16_avx2() { return (detect_cpu_features() & cpu_avx2) ? &qgemm_s16_avx2_impl : nullptr; }
QGemmS8Fn qgemm_s8_packed_avx2() {
  return (detect_cpu_features() & cpu_avx2) ? &qgemm_s8_packed_avx2_impl : nullptr;
}
QGemmS8Fn qgemm_s8_packed_avx512vnni() { return qgemm_s8_avx512vnni() ? &qgemm_s8_packed_vnni_impl : nullptr; }
QGemmS16Fn qgemm_s16_packed_avx2() {
  return (detect_cpu_features() & cpu_avx2) ? &qgemm_s16_packed_impl<false> : nullptr;
}
static bool has_avx512_f_bw_dq_vl() {
  __builtin_cpu_init();  // BW, DQ, VL are not in CpuFeatures: ask the CPU directly
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
QGemmS16Fn qgemm_s16_avx512() { return has_avx512_f_bw_dq_vl() ? &qgemm_s16_avx512_impl : nullptr; }
QGemmS16Fn qgemm_s16_packed_avx512() { return has_avx512_f_bw_dq_vl() ? &qgemm_s16_packed_impl<true> : nullptr; }
HybridS8Fn hybrid_s8_avx2() { return (detect_cpu_features() & cpu_avx2) ? &hybrid_s8_avx2_impl : nullptr; }
HybridS8Fn hybrid_s8_avx512vnni() { return qgemm_s8_avx512vnni() ? &hybrid_s8_vnni_impl : nullptr; }
HybridS8Fn hybrid_s8_packed_avx2() {
  return (detect_cpu_features() & cpu_avx2) ? &hybrid_s8_packed_avx2_impl : nullptr;
}
HybridS8Fn hybrid_s8_packed_avx512vnni() { return qgemm_s8_avx512vnni() ? &hybrid_s8_packed_vnni_impl : nullptr; }

#else

QGemmS8Fn qgemm_s8_avx2() { return nullptr; }
QGemmS8Fn qgemm_s8_avx512vnni() { return nullptr; }
QGemmS16Fn qgemm_s16_avx2() { return nullptr; }
QGemmS8Fn qgemm_s8_packed_avx2() { return nullptr; }
QGemmS8Fn qgemm_s8_packed_avx512vnni() { return nullptr; }
QGemmS16Fn qgemm_s16_packed_avx2() { return nullptr; }
QGemmS16Fn qgemm_s16_avx512() { return nullptr; }
QGemmS16Fn qgemm_s16_packed_avx512() { return nullptr; }
HybridS8Fn hybrid_s8_avx2() { return nullptr; }
HybridS8Fn hybrid_s8_avx512vnni() { return nullptr; }
HybridS8Fn hybrid_s8_packed_avx2() { return nullptr; }
HybridS8Fn hybrid_s8_packed_avx512vnni() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
