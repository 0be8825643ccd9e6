// int16x8 GEMM for many rows on the int8 VNNI tiles (int8_gemm.h, qgemm_s16_tiled_avx512vnni):
// each int16 activation splits exactly into two int8 planes,
//   a = 256 * hi + lo + 128,  hi = a >> 8,  lo = (a & 255) - 128   (both in [-128, 127]),
// and both planes run against the same weights packed once as w + 128 bytes (the unsigned
// vpdpbusd operand, pack_panels_s8_flipped). With D(x) = sum_t (w + 128) x (exact int32 for
// depth <= kTiledS16MaxDepth: |terms| <= 255 * 128),
//   sum_t w a = 256 D(hi) + D(lo) + 128 sum_t w - (128 sum_t a - 16384 k),
// combined in int64, plus the int64 bias, then TFLite's double requantization with the
// reference's operations (requantize_f64): exact, so bit-identical to the int16x8 reference.
// A tile is 4 rows x 2 panels x 2 planes = 16 zmm accumulators; each weight load feeds 8
// vpdpbusd (as the int8 tile's 8 rows). The planes of a 4-value group come from one 8-byte
// load with two pext.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "runtime/kernels/int8_gemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/requantize_f64_avx512.h"
#define NILM_X86_TILED16 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_TILED16

namespace {

constexpr int kTileRows = 4;
constexpr int kTilePanels = 2;
constexpr int kRowChunk = 64;  // rows whose corrections are computed once per call
// One row (a batch-1 dense layer) is split into its planes once per call, up to this depth, not
// once per panel pair, and its weights are prefetched a few lines ahead in each panel (as the
// int8 one-row tile): CNN w8_a16's 10 MB layer 104-110 -> 91-92 us at 1 thread, 57-58 -> 50 us
// at 2 (op profile, alternating binaries).
constexpr int kSplitRowMaxDepth = 16384;
constexpr int kRowPrefetchBytes = 768;

#define NILM_T16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,bmi2")))

// acc += u8 x s8 in groups of 4 (inline asm: GCC 12 ties the intrinsic's accumulator to zmm0-15).
NILM_T16 __attribute__((always_inline)) inline __m512i dpbusd(__m512i acc, __m512i u8, __m512i s8) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
  return acc;
}

// Planes of 4 int16 values (little-endian 8 bytes): hi bytes, lo bytes - 128 (xor 0x80).
NILM_T16 __attribute__((always_inline)) inline void split4(std::uint64_t v, std::int32_t& hi, std::int32_t& lo) {
  hi = std::int32_t(_pext_u64(v, 0xFF00FF00FF00FF00ull));
  lo = std::int32_t(std::uint32_t(_pext_u64(v, 0x00FF00FF00FF00FFull)) ^ 0x80808080u);
}

inline std::uint64_t load4(const std::int16_t* x, int t, int k) {  // values [t, min(t+4, k)), zero-filled
  std::uint64_t v = 0;
  std::memcpy(&v, x + t, std::size_t(std::min(4, k - t)) * 2);
  return v;
}

// 128 * sum_t a - 16384 k (the flipped weights' and the lo plane's offset correction). The sum
// in 16 int32 lanes of vpmaddwd pair sums: each lane adds k / 32 pair sums of magnitude at most
// 2^16, exact for k <= kTiledS16MaxDepth (the scalar loop: 2.3 us for the CNN's 9728 inputs,
// this one 0.16 us).
NILM_T16 std::int64_t row_correction(const std::int16_t* x, int k) {
  const __m512i ones = _mm512_set1_epi16(1);
  __m512i acc = _mm512_setzero_si512();
  int t = 0;
  for (; t + 32 <= k; t += 32) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_loadu_si512(x + t), ones));
  if (t < k) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maskz_loadu_epi16(~0u >> (32 - (k - t)), x + t), ones));
  return 128 * std::int64_t(_mm512_reduce_add_epi32(acc)) - 16384 * std::int64_t(k);
}

struct Tile16 {
  const std::int16_t* a;
  std::ptrdiff_t a_row;
  const std::int8_t* wp;
  std::size_t panel_bytes;
  int k, row0, j0, n_end;
  const std::int64_t* corr;
  // A one-row tile's planes split beforehand (split_row), or null: hi and lo bytes in 4-byte groups.
  const std::int8_t* hi_plane = nullptr;
  const std::int8_t* lo_plane = nullptr;
};

// The planes of x[0, k) (split4's bytes, in order), zero-filled to whole groups as load4 does.
NILM_T16 void split_row(const std::int16_t* x, int k, std::int8_t* hi, std::int8_t* lo) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  int t = 0;
  for (; t + 32 <= k; t += 32) {
    const __m512i v = _mm512_loadu_si512(x + t);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(hi + t), _mm512_cvtepi16_epi8(_mm512_srai_epi16(v, 8)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lo + t),
                        _mm256_xor_si256(_mm512_cvtepi16_epi8(v), _mm512_castsi512_si256(flip)));
  }
  for (; t < (k + 3) / 4 * 4; ++t) {
    const std::uint16_t v = t < k ? std::uint16_t(x[t]) : 0;
    hi[t] = std::int8_t(v >> 8);
    lo[t] = std::int8_t((v & 0xFF) ^ 0x80);
  }
}

template <int R, int P>
NILM_T16 void run_tile16(const QGemmS16Args& g, const Tile16& in) {
  __m512i hi[R][P], lo[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) hi[r][p] = lo[r][p] = _mm512_setzero_si512();
  const int full = in.k / 4;
  const std::int8_t* wp = in.wp;
  if (R == 1 && in.hi_plane) {  // every group, the tail's too, from the split planes
    for (int gi = 0; gi < (in.k + 3) / 4; ++gi, wp += 4 * kPanelS8) {
      std::int32_t h, l;
      std::memcpy(&h, in.hi_plane + 4 * gi, 4);
      std::memcpy(&l, in.lo_plane + 4 * gi, 4);
      const __m512i xh = _mm512_set1_epi32(h), xl = _mm512_set1_epi32(l);
      for (int p = 0; p < P; ++p) {
        _mm_prefetch(reinterpret_cast<const char*>(wp + p * in.panel_bytes) + kRowPrefetchBytes, _MM_HINT_T0);
        const __m512i w = _mm512_loadu_si512(wp + p * in.panel_bytes);
        hi[0][p] = dpbusd(hi[0][p], w, xh);
        lo[0][p] = dpbusd(lo[0][p], w, xl);
      }
    }
  } else {
  for (int gi = 0; gi < full; ++gi, wp += 4 * kPanelS8) {
    __m512i w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(wp + p * in.panel_bytes);
    for (int r = 0; r < R; ++r) {
      std::uint64_t v;
      std::memcpy(&v, in.a + r * in.a_row + 4 * gi, 8);
      std::int32_t h, l;
      split4(v, h, l);
      const __m512i xh = _mm512_set1_epi32(h), xl = _mm512_set1_epi32(l);
      for (int p = 0; p < P; ++p) {
        hi[r][p] = dpbusd(hi[r][p], w[p], xh);
        lo[r][p] = dpbusd(lo[r][p], w[p], xl);
      }
    }
  }
  if (full * 4 < in.k) {  // padded weights are 0: whatever the zero-filled values split into adds nothing
    __m512i w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(wp + p * in.panel_bytes);
    for (int r = 0; r < R; ++r) {
      std::int32_t h, l;
      split4(load4(in.a + r * in.a_row, full * 4, in.k), h, l);
      const __m512i xh = _mm512_set1_epi32(h), xl = _mm512_set1_epi32(l);
      for (int p = 0; p < P; ++p) {
        hi[r][p] = dpbusd(hi[r][p], w[p], xh);
        lo[r][p] = dpbusd(lo[r][p], w[p], xl);
      }
    }
  }
  }
  for (int r = 0; r < R; ++r) {
    const __m512i corr = _mm512_set1_epi64(in.corr[r]);
    std::int16_t* c = g.c + (in.row0 + r) * g.ldc;
    for (int p = 0; p < P; ++p) {
      const int j = in.j0 + p * kPanelS8;
      const int count = std::min(kPanelS8, in.n_end - j);
      for (int h = 0; h < 2; ++h) {
        const int jj = j + 8 * h, cnt = count - 8 * h;
        if (cnt <= 0) break;
        const __mmask8 mask = cnt >= 8 ? __mmask8(0xFF) : __mmask8((1u << cnt) - 1);
        const __m256i dh = h ? _mm512_extracti64x4_epi64(hi[r][p], 1) : _mm512_castsi512_si256(hi[r][p]);
        const __m256i dl = h ? _mm512_extracti64x4_epi64(lo[r][p], 1) : _mm512_castsi512_si256(lo[r][p]);
        __m512i acc = _mm512_add_epi64(_mm512_slli_epi64(_mm512_cvtepi32_epi64(dh), 8), _mm512_cvtepi32_epi64(dl));
        const __m512i sums = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(mask, g.b_sums + jj));
        acc = _mm512_add_epi64(acc, _mm512_slli_epi64(sums, 7));
        acc = _mm512_add_epi64(_mm512_sub_epi64(acc, corr), _mm512_maskz_loadu_epi64(mask, g.bias + jj));
        requantize8_f64(acc, g.d_scale + jj, mask, g.out_offset, g.act_min, g.act_max, c + jj);
      }
    }
  }
}

template <int P, int... Rs>
void run_rows16(int rows, const QGemmS16Args& g, const Tile16& in, std::integer_sequence<int, Rs...>) {
  ((rows == Rs + 1 ? run_tile16<Rs + 1, P>(g, in) : void()), ...);
}

void qgemm_s16_tiled_impl(const QGemmS16Args& g, int n_begin, int n_end) {
  const std::size_t panel_bytes = std::size_t((g.k + 3) / 4) * 4 * kPanelS8;
  std::int64_t corr[kRowChunk];
  alignas(64) std::int8_t planes[2][kSplitRowMaxDepth];
  const bool split = g.m == 1 && g.k <= kSplitRowMaxDepth;
  if (split) split_row(g.a, g.k, planes[0], planes[1]);
  for (int i0 = 0; i0 < g.m; i0 += kRowChunk) {
    const int rows = std::min(kRowChunk, g.m - i0);
    for (int r = 0; r < rows; ++r) corr[r] = row_correction(g.a + (i0 + r) * g.a_row, g.k);
    for (int j = n_begin; j < n_end; j += kTilePanels * kPanelS8) {
      const int panels = std::min(kTilePanels, (n_end - j + kPanelS8 - 1) / kPanelS8);
      for (int i = 0; i < rows; i += kTileRows) {
        const Tile16 in{g.a + (i0 + i) * g.a_row, g.a_row, g.b_flipped + std::size_t(j / kPanelS8) * panel_bytes,
                        panel_bytes, g.k, i0 + i, j, n_end, corr + i, split ? planes[0] : nullptr,
                        split ? planes[1] : nullptr};
        const int r = std::min(kTileRows, rows - i);
        if (panels == kTilePanels) run_rows16<kTilePanels>(r, g, in, std::make_integer_sequence<int, kTileRows>{});
        else run_rows16<1>(r, g, in, std::make_integer_sequence<int, kTileRows>{});
      }
    }
  }
}

#undef NILM_T16

}  // namespace

QGemmS16Fn qgemm_s16_tiled_avx512vnni() {
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("bmi2");
  return ok ? &qgemm_s16_tiled_impl : nullptr;
}

#else

QGemmS16Fn qgemm_s16_tiled_avx512vnni() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
