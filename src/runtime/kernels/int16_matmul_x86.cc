// See int16_matmul_x86.h. Tiles of R rows x 16 columns: per pair of k, one dword broadcast of
// each row's two lhs values and two vpdpwssd (hi and lo planes); every 128 pairs the int32 sums
// are widened into int64 accumulators; at the end the 64-bit requantization in 8-lane int64
// vectors (vpmullq, vpsraq), truncated to int32 as the reference's cast, clamped, narrowed.
#include "runtime/kernels/int16_matmul_x86.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NILM_X86_KERNELS 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

std::size_t packed_s16_rhs_bytes(int n, int k) {
  const std::size_t panels = std::size_t((n + kPanelS16 - 1) / kPanelS16), pairs = std::size_t((k + 1) / 2);
  return panels * pairs * 2 * 2 * kPanelS16 * sizeof(std::int16_t);
}

void pack_s16_rhs(const std::int16_t* rhs, int n, int k, std::ptrdiff_t sn, std::ptrdiff_t sk, std::int16_t* packed) {
  const int panels = (n + kPanelS16 - 1) / kPanelS16, pairs = (k + 1) / 2;
  for (int p = 0; p < panels; ++p)
    for (int q = 0; q < pairs; ++q) {
      std::int16_t* hi = packed + (std::size_t(p) * std::size_t(pairs) + std::size_t(q)) * 4 * kPanelS16;
      std::int16_t* lo = hi + 2 * kPanelS16;
      for (int j = 0; j < kPanelS16; ++j)
        for (int u = 0; u < 2; ++u) {
          const int t = 2 * q + u, col = p * kPanelS16 + j;
          const std::int32_t v = (t < k && col < n) ? rhs[t * sk + col * sn] : 0;
          hi[2 * j + u] = static_cast<std::int16_t>(v >> 8);    // arithmetic: [-128, 127]
          lo[2 * j + u] = static_cast<std::int16_t>(v & 0xFF);  // [0, 255]
        }
    }
}

#if NILM_X86_KERNELS

namespace {

#define NILM_S16_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

constexpr int kFlushPairs = 128;  // int32 partial sums stay exact for this many pairs
constexpr int kRows = 4;

NILM_S16_TARGET inline __m512i pair_at(const std::int16_t* a) {
  std::int32_t v;
  std::memcpy(&v, a, sizeof v);
  return _mm512_set1_epi32(v);
}

template <int R>
NILM_S16_TARGET void tile(const MatMulS16Args& g, int i0, int panel, __m512i mult, __m512i round, __m128i shift,
                          __m512i lo, __m512i hi, __m512i out_offset) {
  const int pairs = (g.k + 1) / 2, full_pairs = g.k / 2;
  const std::int16_t* bp = g.b_packed + std::size_t(panel) * std::size_t(pairs) * 4 * kPanelS16;
  const std::int16_t* a[R];
  __m512i acc[R][2];
  for (int r = 0; r < R; ++r) {
    a[r] = g.a + std::ptrdiff_t(i0 + r) * g.a_row;
    acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  }
  for (int q0 = 0; q0 < pairs; q0 += kFlushPairs) {
    const int q1 = std::min(pairs, q0 + kFlushPairs), qf = std::min(q1, full_pairs);
    __m512i sh[R], sl[R];
    for (int r = 0; r < R; ++r) sh[r] = sl[r] = _mm512_setzero_si512();
    int q = q0;
    for (; q < qf; ++q) {
      const __m512i bh = _mm512_loadu_si512(bp + std::size_t(q) * 4 * kPanelS16);
      const __m512i bl = _mm512_loadu_si512(bp + std::size_t(q) * 4 * kPanelS16 + 2 * kPanelS16);
      for (int r = 0; r < R; ++r) {
        const __m512i av = pair_at(a[r] + 2 * q);
        sh[r] = _mm512_dpwssd_epi32(sh[r], av, bh);
        sl[r] = _mm512_dpwssd_epi32(sl[r], av, bl);
      }
    }
    if (q < q1) {  // odd k: the last value pairs with a zero
      const __m512i bh = _mm512_loadu_si512(bp + std::size_t(q) * 4 * kPanelS16);
      const __m512i bl = _mm512_loadu_si512(bp + std::size_t(q) * 4 * kPanelS16 + 2 * kPanelS16);
      for (int r = 0; r < R; ++r) {
        const __m512i av = _mm512_set1_epi32(std::int32_t{static_cast<std::uint16_t>(a[r][2 * q])});
        sh[r] = _mm512_dpwssd_epi32(sh[r], av, bh);
        sl[r] = _mm512_dpwssd_epi32(sl[r], av, bl);
      }
    }
    for (int r = 0; r < R; ++r) {
      const __m512i h0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(sh[r]));
      const __m512i h1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(sh[r], 1));
      const __m512i l0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(sl[r]));
      const __m512i l1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(sl[r], 1));
      acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_add_epi64(_mm512_slli_epi64(h0, 8), l0));
      acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_add_epi64(_mm512_slli_epi64(h1, 8), l1));
    }
  }
  const int j0 = panel * kPanelS16, cols = std::min(kPanelS16, g.n - j0);
  const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
  for (int r = 0; r < R; ++r) {
    const __m512i v0 = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mullo_epi64(acc[r][0], mult), round), shift);
    const __m512i v1 = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mullo_epi64(acc[r][1], mult), round), shift);
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(v0)), _mm512_cvtepi64_epi32(v1), 1);
    v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, out_offset), lo), hi);
    _mm256_mask_storeu_epi16(g.c + std::ptrdiff_t(i0 + r) * g.ldc + j0, mask, _mm512_cvtepi32_epi16(v));
  }
}

NILM_S16_TARGET void matmul_s16_impl(const MatMulS16Args& g) {
  // TFLite's int64 MultiplyByQuantizedMultiplier: a 15-bit multiplier, one rounding shift.
  const std::int32_t reduced = g.mult.multiplier < 0x7FFF0000 ? ((g.mult.multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - g.mult.shift;
  const __m512i mult = _mm512_set1_epi64(reduced);
  const __m512i round = _mm512_set1_epi64(std::int64_t{1} << (total_shift - 1));
  const __m128i shift = _mm_cvtsi32_si128(total_shift);
  const __m512i lo = _mm512_set1_epi32(g.act_min), hi = _mm512_set1_epi32(g.act_max);
  const __m512i out_offset = _mm512_set1_epi32(g.out_offset);
  const int panels = (g.n + kPanelS16 - 1) / kPanelS16;
  int i = 0;
  for (; i + kRows <= g.m; i += kRows)
    for (int p = 0; p < panels; ++p) tile<kRows>(g, i, p, mult, round, shift, lo, hi, out_offset);
  for (; i < g.m; ++i)
    for (int p = 0; p < panels; ++p) tile<1>(g, i, p, mult, round, shift, lo, hi, out_offset);
}

#undef NILM_S16_TARGET

bool has_avx512_vnni_bw_dq_vl() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni");
}

}  // namespace

MatMulS16Fn matmul_s16_avx512vnni() { return has_avx512_vnni_bw_dq_vl() ? &matmul_s16_impl : nullptr; }

#else

MatMulS16Fn matmul_s16_avx512vnni() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
