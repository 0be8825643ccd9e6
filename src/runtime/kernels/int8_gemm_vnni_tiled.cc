// Register-tiled AVX-512 VNNI int8 GEMM for many rows (int8_gemm.h, pack_panels_s8_flipped):
// a tile of R rows x P panels of 16 outputs keeps R * P zmm accumulators (8 x 2 = 16: enough
// independent vpdpbusd chains to hide its latency, with 10 loads per 16 of them), the weights'
// panels streaming from L1 while the rows' 4-byte groups are broadcast from memory. Columns
// outer, rows inner, so one tile column of weights (32 outputs x k bytes) is reused by every
// row of a chunk. The epilogues (int8 float requantization, hybrid float output) run on the
// accumulators in registers, with the same float operations in the same order as the
// reference (explicit-rounding intrinsics, which the compiler never fuses into an FMA).
// Compiled per function for its ISA (target attributes); nullptr getters elsewhere.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "runtime/kernels/int8_gemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/epilogue_avx512.h"
#define NILM_X86_TILED 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_TILED

namespace {

constexpr int kTileRows = 8;     // R
constexpr int kTilePanels = 2;   // P (panels of 16 outputs)
constexpr int kRowChunk = 64;    // rows whose byte sums are computed once per call
constexpr int kRowPrefetchBytes = 768;  // one-row tiles: how far ahead in a panel (512-1024 equal)

// Bytes [t, k) of a row as one group, zero-filled (never reading past the row's end).
inline std::int32_t tail_group(const std::int8_t* x, int t, int k) {
  std::int32_t v = 0;
  for (int b = 0; b < k - t; ++b) v |= std::int32_t(std::uint8_t(x[t + b])) << (8 * b);
  return v;
}

// 128 * sum of a row's bytes (vpdpbusd of ones and the row), the flipped weights' correction.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) std::int32_t row_correction(const std::int8_t* x, int k) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i acc = _mm512_setzero_si512();
  int t = 0;
  for (; t + 64 <= k; t += 64) acc = _mm512_dpbusd_epi32(acc, ones, _mm512_loadu_si512(x + t));
  if (t < k) acc = _mm512_dpbusd_epi32(acc, ones, _mm512_maskz_loadu_epi8((~std::uint64_t{0}) >> (64 - (k - t)), x + t));
  return 128 * _mm512_reduce_add_epi32(acc);
}

// acc += u8 x s8 in groups of 4 (vpdpbusd). Inline asm because GCC 12 ties the intrinsic's
// accumulator to zmm0-15, so a 16-accumulator tile copied registers around every step.
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline __m512i dpbusd(__m512i acc, __m512i u8,
                                                                                           __m512i s8) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
  return acc;
}

struct TileInput {
  const std::int8_t* a;        // first row of the tile
  std::ptrdiff_t a_row;
  const std::int8_t* wp;       // first panel of the tile
  std::size_t panel_bytes;     // distance between panels
  int k;
  int row0, j0, n_end;         // global row index, first output, end of this call's outputs
  const std::int32_t* corr;    // R row corrections
};

// One tile: the products, the correction, then epilogue(row, first output, count, sums).
template <int R, int P, class Epilogue>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void run_tile(const TileInput& in, const Epilogue& epilogue) {
  __m512i acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_si512();
  const int full = in.k / 4;
  const std::int8_t* wp = in.wp;
  for (int g = 0; g < full; ++g, wp += 4 * kPanelS8) {
    __m512i w[P];
    for (int p = 0; p < P; ++p) {
      // One row (a batch-1 dense layer) streams its weights from L3 once: a prefetch a few
      // lines ahead in each panel keeps the loads from waiting on the hardware prefetcher
      // (~10% on the CNN's 10 MB layer here; never faults, even past the buffer's end).
      if constexpr (R == 1) _mm_prefetch(reinterpret_cast<const char*>(wp + p * in.panel_bytes) + kRowPrefetchBytes, _MM_HINT_T0);
      w[p] = _mm512_loadu_si512(wp + p * in.panel_bytes);
    }
    for (int r = 0; r < R; ++r) {
      std::int32_t v;
      std::memcpy(&v, in.a + r * in.a_row + 4 * g, 4);
      const __m512i x = _mm512_set1_epi32(v);
      for (int p = 0; p < P; ++p) acc[r][p] = dpbusd(acc[r][p], w[p], x);
    }
  }
  if (full * 4 < in.k) {
    __m512i w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(wp + p * in.panel_bytes);
    for (int r = 0; r < R; ++r) {
      const __m512i x = _mm512_set1_epi32(tail_group(in.a + r * in.a_row, full * 4, in.k));
      for (int p = 0; p < P; ++p) acc[r][p] = dpbusd(acc[r][p], w[p], x);
    }
  }
  for (int r = 0; r < R; ++r) {
    const __m512i corr = _mm512_set1_epi32(in.corr[r]);
    for (int p = 0; p < P; ++p) {
      const int j = in.j0 + p * kPanelS8;
      epilogue(in.row0 + r, j, std::min(kPanelS8, in.n_end - j), _mm512_sub_epi32(acc[r][p], corr));
    }
  }
}

template <int P, class Epilogue, int... Rs>
void run_rows(int rows, const TileInput& in, const Epilogue& epilogue, std::integer_sequence<int, Rs...>) {
  ((rows == Rs + 1 ? run_tile<Rs + 1, P>(in, epilogue) : void()), ...);
}

template <class Epilogue>
void tiled_gemm(int m, int n_begin, int n_end, int k, const std::int8_t* a, std::ptrdiff_t a_row,
                const std::int8_t* flipped, const Epilogue& epilogue) {
  const std::size_t panel_bytes = std::size_t((k + 3) / 4) * 4 * kPanelS8;
  alignas(64) std::int32_t corr[kRowChunk];
  for (int i0 = 0; i0 < m; i0 += kRowChunk) {
    const int rows = std::min(kRowChunk, m - i0);
    for (int r = 0; r < rows; ++r) corr[r] = row_correction(a + (i0 + r) * a_row, k);
    for (int j = n_begin; j < n_end; j += kTilePanels * kPanelS8) {
      const int panels = std::min(kTilePanels, (n_end - j + kPanelS8 - 1) / kPanelS8);
      for (int i = 0; i < rows; i += kTileRows) {
        const TileInput in{a + (i0 + i) * a_row, a_row, flipped + std::size_t(j / kPanelS8) * panel_bytes,
                           panel_bytes, k, i0 + i, j, n_end, corr + i};
        const int r = std::min(kTileRows, rows - i);
        if (panels == kTilePanels)
          run_rows<kTilePanels>(r, in, epilogue, std::make_integer_sequence<int, kTileRows>{});
        else
          run_rows<1>(r, in, epilogue, std::make_integer_sequence<int, kTileRows>{});
      }
    }
  }
}

inline __mmask16 lanes_mask(int count) { return count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1); }

// TFLite's MultiplyByQuantizedMultiplier on 16 lanes, exactly: saturating_rounding_doubling_
// high_mul(x << left, m) is (x * m + 2^30) >> 31 (m >= 0, so never the saturating case; only
// its low 32 bits are kept), then rounding_divide_by_pot by `right` (remainder vs threshold).
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline __m512i fixed_point(
    __m512i x, __m512i m, __m512i left, __m512i right) {
  x = _mm512_sllv_epi32(x, left);
  const __m512i half = _mm512_set1_epi64(std::int64_t{1} << 30);
  const __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), half), 31);
  const __m512i odd = _mm512_srli_epi64(
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), half), 31);
  const __m512i high = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, _mm512_slli_epi64(odd, 32));
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
  const __m512i remainder = _mm512_and_si512(high, mask);
  const __m512i threshold = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(high, 31));
  const __m512i v = _mm512_srav_epi32(high, right);
  return _mm512_mask_add_epi32(v, _mm512_cmpgt_epi32_mask(remainder, threshold), v, one);
}

// int8 output: bias (input offset folded in) and row bias, then requantize_fp32 (or TFLite's
// fixed-point multipliers when the args carry no float scales: BATCH_MATMUL).
struct S8Epilogue {
  const QGemmS8Args& g;
  __attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void operator()(
      int i, int j, int count, __m512i dot) const {
    const __mmask16 mask = lanes_mask(count);
    __m512i v = _mm512_add_epi32(dot, _mm512_maskz_loadu_epi32(mask, g.bias + j));
    if (g.row_bias) v = _mm512_add_epi32(v, _mm512_set1_epi32(g.row_bias[i]));
    std::int8_t* c = g.c + i * g.ldc + j;
    if (!g.f_scale) {
      const __m512i q = fixed_point(v, _mm512_maskz_loadu_epi32(mask, g.q_mult + j), _mm512_maskz_loadu_epi32(mask, g.q_left + j),
                                    _mm512_maskz_loadu_epi32(mask, g.q_right + j));
      const __m512i lo = _mm512_set1_epi32(g.act_min), hi = _mm512_set1_epi32(g.act_max);
      _mm512_mask_cvtsepi32_storeu_epi8(c, mask, _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, _mm512_set1_epi32(g.out_offset)), lo), hi));
      return;
    }
    store_requantized_s8(v, _mm512_maskz_loadu_ps(mask, g.f_scale + j), g.out_offset, g.act_min, g.act_max, mask, c);
  }
};

// Hybrid float output, hybrid_one's operations in its order.
struct HybridEpilogue {
  const HybridS8Args& g;
  __attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void operator()(
      int i, int j, int count, __m512i dot) const {
    const __mmask16 mask = lanes_mask(count);
    const std::int32_t off = g.row_offsets ? g.row_offsets[i] : g.input_offset;
    const float s = g.row_scales ? g.row_scales[i] : g.input_scale;
    const __m512i acc = _mm512_sub_epi32(dot, _mm512_mullo_epi32(_mm512_set1_epi32(off), _mm512_maskz_loadu_epi32(mask, g.b_sums + j)));
    store_hybrid(acc, _mm512_maskz_loadu_ps(mask, g.w_scales + j), s, g.scale_first, g.bias ? g.bias + j : nullptr, g.lo,
                 g.hi, mask, g.c + i * g.ldc + j);
  }
};

void qgemm_s8_tiled_impl(const QGemmS8Args& g, int n_begin, int n_end) {
  tiled_gemm(g.m, n_begin, n_end, g.k, g.a, g.a_row, g.b_flipped, S8Epilogue{g});
}
void hybrid_s8_tiled_impl(const HybridS8Args& g, int n_begin, int n_end) {
  tiled_gemm(g.m, n_begin, n_end, g.k, g.a, g.a_row, g.b_flipped, HybridEpilogue{g});
}

// ---- the hybrid layers' per-row input quantization, bit-identical to int_reference.cc ----

inline __mmask16 tail_mask(std::size_t left) { return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1); }

__attribute__((target("avx512f,avx512bw"))) void min_max(const float* x, std::size_t n, float& lo, float& hi) {
  __m512 mn = _mm512_set1_ps(x[0]), mx = mn;
  for (std::size_t i = 0; i < n; i += 16) {  // masked-off lanes keep x[0]
    const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(x[0]), tail_mask(n - i), x + i);
    mn = _mm512_min_ps(mn, v);
    mx = _mm512_max_ps(mx, v);
  }
  lo = _mm512_reduce_min_ps(mn);  // exact in any order
  hi = _mm512_reduce_max_ps(mx);
}

__attribute__((target("avx512f,avx512bw"))) float symmetric_avx512(const float* x, std::size_t n, std::int8_t* q) {
  float lo = 0, hi = 0;
  if (n) min_max(x, n, lo, hi);
  const float range = std::max(std::abs(lo), std::abs(hi));
  if (range == 0) {
    std::fill(q, q + n, std::int8_t{0});
    return 1.f;
  }
  const __m512 inverse = _mm512_set1_ps(127.f / range), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.f);
  const __m512 qlo = _mm512_set1_ps(-127.f), qhi = _mm512_set1_ps(127.f);
  const __m512i sign = _mm512_set1_epi32(std::int32_t(0x80000000u));
  // int32(clamp(std::round(x * inverse), -127, 127)) of 16 values
  auto quantize16 = [&](__m512 v) __attribute__((target("avx512f,avx512bw"))) {
    const __m512 t = _mm512_mul_round_ps(v, inverse, _MM_FROUND_CUR_DIRECTION);
    // std::round: truncate, then one step away from zero where the dropped part is >= 1/2 (exact)
    __m512 r = _mm512_roundscale_ps(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512 dropped = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(_mm512_sub_ps(t, r))));
    const __m512 step = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(one), _mm512_and_si512(sign, _mm512_castps_si512(t))));
    r = _mm512_mask_add_ps(r, _mm512_cmp_ps_mask(dropped, half, _CMP_GE_OQ), r, step);
    return _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(r, qlo), qhi));
  };
  std::size_t i = 0;
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (; i + 64 <= n; i += 64) {  // 64 at a time, as asymmetric_avx512
    const __m512i bytes =
        _mm512_packs_epi16(_mm512_packs_epi32(quantize16(_mm512_loadu_ps(x + i)), quantize16(_mm512_loadu_ps(x + i + 16))),
                           _mm512_packs_epi32(quantize16(_mm512_loadu_ps(x + i + 32)), quantize16(_mm512_loadu_ps(x + i + 48))));
    _mm512_storeu_si512(q + i, _mm512_permutexvar_epi32(order, bytes));
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = tail_mask(n - i);
    _mm512_mask_cvtsepi32_storeu_epi8(q + i, mask, quantize16(_mm512_maskz_loadu_ps(mask, x + i)));
  }
  return range / 127.f;
}

// The scalar parameters of asymmetric_quantize_floats, in baseline code (no FMA contraction).
__attribute__((noinline)) float asymmetric_parameters(float lo, float hi, std::int32_t& offset) {
  constexpr float qmin = -128.f, qmax = 127.f;
  const float multiplier = (qmax - qmin) / (hi - lo);
  const float low = lo * multiplier, high = hi * multiplier;
  const float zero = std::clamp((qmin + low) + (qmax + high) > 0 ? qmin - low : qmax - high, qmin, qmax);
  offset = static_cast<std::int32_t>(std::nearbyint(zero));
  return 1.f / multiplier;
}

__attribute__((target("avx512f,avx512bw"))) float asymmetric_avx512(const float* x, std::size_t n, std::int8_t* q,
                                                                   std::int32_t& offset) {
  float lo = 0, hi = 0;
  if (n) {
    min_max(x, n, lo, hi);
    lo = std::min(0.f, lo);
    hi = std::max(0.f, hi);
  }
  if (lo == hi) {
    std::fill(q, q + n, std::int8_t{0});
    offset = 0;
    return 1.f;
  }
  const float scale = asymmetric_parameters(lo, hi, offset);
  const __m512 convert = _mm512_set1_ps(1.f / scale);
  const __m512i off = _mm512_set1_epi32(offset), qlo = _mm512_set1_epi32(-128), qhi = _mm512_set1_epi32(127);
  std::size_t i = 0;
  // 64 at a time: the saturating packs clamp to [-128, 127]; a permute undoes their lane order
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (; i + 64 <= n; i += 64) {
    __m512i v[4];
    for (int h = 0; h < 4; ++h)
      v[h] = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_round_ps(_mm512_loadu_ps(x + i + 16 * h), convert,
                                                                     _MM_FROUND_CUR_DIRECTION)), off);
    const __m512i bytes = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
    _mm512_storeu_si512(q + i, _mm512_permutexvar_epi32(order, bytes));
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = tail_mask(n - i);
    const __m512 t = _mm512_mul_round_ps(_mm512_maskz_loadu_ps(mask, x + i), convert, _MM_FROUND_CUR_DIRECTION);
    const __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(t), off);  // nearest even, as nearbyint
    _mm512_mask_cvtsepi32_storeu_epi8(q + i, mask, _mm512_min_epi32(_mm512_max_epi32(v, qlo), qhi));
  }
  return scale;
}

bool has_vnni() {
  __builtin_cpu_init();  // avx512bw is not in CpuFeatures: ask the CPU directly
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}

}  // namespace

QGemmS8Fn qgemm_s8_tiled_avx512vnni() { return has_vnni() ? &qgemm_s8_tiled_impl : nullptr; }
HybridS8Fn hybrid_s8_tiled_avx512vnni() { return has_vnni() ? &hybrid_s8_tiled_impl : nullptr; }
RowQuantizers row_quantizers_avx512() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) return {};
  return {&symmetric_avx512, &asymmetric_avx512};
}

#else

QGemmS8Fn qgemm_s8_tiled_avx512vnni() { return nullptr; }
HybridS8Fn hybrid_s8_tiled_avx512vnni() { return nullptr; }
RowQuantizers row_quantizers_avx512() { return {}; }

#endif

}  // namespace nilm::runtime::kernels
