// The AVX-512 VNNI 1-D int8 convolution (int8_conv.h), compiled per function for its ISA with
// target attributes (no file flags); elsewhere the getter returns nullptr.
#include "runtime/kernels/int8_conv.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/epilogue_avx512.h"
#define NILM_X86_KERNELS 1
#endif

namespace nilm::runtime::kernels {

namespace {
constexpr int kSlack = 64;  // bytes after the copied positions: the last depth group over-reads
}  // namespace

std::size_t conv1d_s8_scratch_bytes(const Conv1dS8& c, int rows) {
  const std::size_t positions = std::size_t(std::max(rows, 1) - 1) * c.stride + c.k_w;
  return positions * c.in_c + kSlack;
}

std::size_t conv1d_s16_scratch_bytes(const Conv1dS16& c, int rows) {
  const std::size_t positions = std::size_t(std::max(rows, 1) - 1) * c.stride + c.k_w;
  return positions * c.in_c * 2 + kSlack;
}

bool conv1d_s16_fits_int32(const std::int8_t* w, int out_c, int depth, const std::int64_t* bias) {
  for (int j = 0; j < out_c; ++j) {
    const std::int64_t b = bias ? bias[j] : 0;
    if (b > std::numeric_limits<std::int32_t>::max() || b < -std::numeric_limits<std::int32_t>::max()) return false;
    std::int64_t bound = b < 0 ? -b : b;
    for (int i = 0; i < depth; ++i) bound += 32768 * std::int64_t(std::abs(int(w[std::size_t(j) * depth + i])));
    if (bound > std::numeric_limits<std::int32_t>::max()) return false;
  }
  return true;
}

#if NILM_X86_KERNELS

namespace {

constexpr int kPanel = 16;     // outputs per zmm of int32 accumulators
constexpr int kMaxPanels = 4;  // a tile is up to 64 outputs wide
// Rows per tile for 1..4 panels: rows x panels accumulators + panels weights + 1 broadcast <= 32.
constexpr int kTileRows[kMaxPanels + 1] = {0, 16, 12, 8, 6};

#define NILM_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

NILM_VNNI_TARGET inline std::int32_t load4(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Epilogues: the element type and multiply-add of the products, the accumulators' starting
// values of outputs [j, j + 16), the per-panel requantization parameters, then one row's outputs.
NILM_VNNI_TARGET inline __m512i dot_u8s8(__m512i acc, __m512i x, __m512i w) { return _mm512_dpbusd_epi32(acc, x, w); }
NILM_VNNI_TARGET inline __m512i dot_s16(__m512i acc, __m512i x, __m512i w) { return _mm512_dpwssd_epi32(acc, x, w); }

// int8: XNNPACK's requantize_fp32 (epilogue_avx512.h).
struct RequantizeS8 {
  using In = std::uint8_t;  // x + 128, copied into scratch
  using Out = std::int8_t;
  using Panel = __m512;
  const Conv1dS8& c;
  NILM_VNNI_TARGET static __m512i dot(__m512i acc, __m512i x, __m512i w) { return dot_u8s8(acc, x, w); }
  NILM_VNNI_TARGET __m512i start(int j) const { return _mm512_loadu_si512(c.bias + j); }
  NILM_VNNI_TARGET Panel panel(int j) const { return _mm512_loadu_ps(c.scale + j); }
  NILM_VNNI_TARGET void store(__m512i acc, const Panel& scale, int j, __mmask16 mask, std::int8_t* y) const {
    store_requantized_s8(acc, scale, c.out_offset, c.act_min, c.act_max, mask, y + j);
  }
};

// Hybrid: hybrid_one's float arithmetic (epilogue_avx512.h).
struct HybridF32 {
  using In = std::uint8_t;
  using Out = float;
  using Panel = __m512;
  const Conv1dHybrid& h;
  NILM_VNNI_TARGET static __m512i dot(__m512i acc, __m512i x, __m512i w) { return dot_u8s8(acc, x, w); }
  NILM_VNNI_TARGET __m512i start(int j) const {  // - (128 + offset) * sum(w): the unsigned input and the offset
    return _mm512_mullo_epi32(_mm512_loadu_si512(h.sums + j), _mm512_set1_epi32(-(128 + h.input_offset)));
  }
  NILM_VNNI_TARGET Panel panel(int j) const { return _mm512_loadu_ps(h.w_scales + j); }
  NILM_VNNI_TARGET void store(__m512i acc, const Panel& ws, int j, __mmask16 mask, float* y) const {
    store_hybrid(acc, ws, h.input_scale, h.scale_first, h.bias ? h.bias + j : nullptr, h.lo, h.hi, mask, y + j);
  }
};

// int16x8 where the accumulators fit int32 (Conv1dS16::bias32): vpdpwssd from the bias, then the
// reference's int64 MultiplyByQuantizedMultiplier on 16 lanes at once: the 15-bit multiplier
// (min((m + 2^15) >> 16, 0x7FFF)) times the accumulator as two vpmuldq (even and odd lanes),
// one rounding arithmetic shift by 15 - shift, truncated to int32 as the reference's cast,
// + zp, clamped.
struct RequantizeS16 {
  using In = std::int16_t;
  using Out = std::int16_t;
  struct Panel {
    __m512i m_even, m_odd, t_even, t_odd;  // 64-bit lanes: multiplier and shift of outputs 2i, 2i + 1
  };
  const Conv1dS16& c;
  NILM_VNNI_TARGET static __m512i dot(__m512i acc, __m512i x, __m512i w) { return dot_s16(acc, x, w); }
  NILM_VNNI_TARGET __m512i start(int j) const { return _mm512_loadu_si512(c.bias32 + j); }
  NILM_VNNI_TARGET Panel panel(int j) const {
    constexpr __mmask16 all = 0xFFFF;  // explicit all-lane forms: GCC 12's plain ones warn
    const __m512i m = _mm512_loadu_si512(c.q_mult + j);
    const __m512i big = _mm512_set1_epi32(0x7FFF0000);
    // m < 2^31: (m + 2^15) >> 16 wraps only where m >= 0x7FFF8000, which takes 0x7FFF anyway
    const __m512i reduced = _mm512_mask_mov_epi32(_mm512_maskz_srli_epi32(all, _mm512_add_epi32(m, _mm512_set1_epi32(1 << 15)), 16),
                                                  _mm512_cmpge_epi32_mask(m, big), _mm512_set1_epi32(0x7FFF));
    const __m512i total = _mm512_add_epi32(_mm512_sub_epi32(_mm512_set1_epi32(15), _mm512_loadu_si512(c.q_left + j)),
                                           _mm512_loadu_si512(c.q_right + j));
    const __m512i low = _mm512_set1_epi64(0xFFFFFFFF);
    return {_mm512_and_si512(reduced, low), _mm512_maskz_srli_epi64(0xFF, reduced, 32), _mm512_and_si512(total, low),
            _mm512_maskz_srli_epi64(0xFF, total, 32)};
  }
  NILM_VNNI_TARGET void store(__m512i acc, const Panel& q, int j, __mmask16 mask, std::int16_t* y) const {
    constexpr __mmask8 all = 0xFF;
    const __m512i one = _mm512_set1_epi64(1);
    const auto shift = [&](__m512i product, __m512i total) NILM_VNNI_TARGET {
      const __m512i round = _mm512_maskz_sllv_epi64(all, one, _mm512_sub_epi64(total, one));
      return _mm512_maskz_srav_epi64(all, _mm512_add_epi64(product, round), total);
    };
    const __m512i even = shift(_mm512_maskz_mul_epi32(all, acc, q.m_even), q.t_even);
    const __m512i odd = shift(_mm512_maskz_mul_epi32(all, _mm512_maskz_srli_epi64(all, acc, 32), q.m_odd), q.t_odd);
    __m512i v = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, _mm512_maskz_slli_epi64(all, odd, 32));
    v = _mm512_add_epi32(v, _mm512_set1_epi32(c.out_offset));
    v = _mm512_maskz_min_epi32(0xFFFF, _mm512_maskz_max_epi32(0xFFFF, v, _mm512_set1_epi32(c.act_min)), _mm512_set1_epi32(c.act_max));
    _mm512_mask_cvtepi32_storeu_epi16(y + j, mask, v);
  }
};

// MR rows x NP panels: rows at x + r * x_step bytes (`groups` 4-byte depth groups: 4 bytes or 2
// int16 each), panel p's weights at wp + p * panel_bytes; outputs [j0, j0 + count) of each row at
// y + r * y_step.
template <int NP, int MR, class Epilogue>
NILM_VNNI_TARGET void tile(const Epilogue& e, const std::uint8_t* x, std::ptrdiff_t x_step, int groups,
                           const std::uint8_t* wp, std::size_t panel_bytes, int j0, int count,
                           typename Epilogue::Out* y, std::ptrdiff_t y_step) {
  // The depth loop is written inside a loop over chunks of at most kConv1dMaxDepth / 4 groups
  // (so it runs once; a do-while, so GCC sees `sums` written) whose sums are stored after it: in
  // this form GCC 12 keeps all 24 accumulators in zmm registers. As one plain loop (or storing
  // sums += acc) it kept a stack copy of every accumulator, stored on each iteration with two
  // register moves: half the speed.
  alignas(64) std::int32_t sums[MR][NP][kPanel];
  int t0 = 0;
  do {
    const int t1 = std::min(groups, t0 + kConv1dMaxDepth / 4);
    __m512i acc[MR][NP];
    for (int r = 0; r < MR; ++r)
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_si512();
    for (int t = t0; t < t1; ++t) {
      __m512i w[NP];
      for (int p = 0; p < NP; ++p) w[p] = _mm512_loadu_si512(wp + p * panel_bytes + std::size_t(t) * 64);
      for (int r = 0; r < MR; ++r) {
        const __m512i b = _mm512_set1_epi32(load4(x + r * x_step + 4 * t));
        for (int p = 0; p < NP; ++p) acc[r][p] = Epilogue::dot(acc[r][p], b, w[p]);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int p = 0; p < NP; ++p) _mm512_store_si512(sums[r][p], acc[r][p]);
    t0 = t1;
  } while (t0 < groups);
  for (int p = 0; p < NP; ++p) {
    const int left = count - p * kPanel;
    const __mmask16 mask = left >= kPanel ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    const int j = j0 + p * kPanel;
    const __m512i start = e.start(j);
    const typename Epilogue::Panel q = e.panel(j);
    for (int r = 0; r < MR; ++r) e.store(_mm512_add_epi32(start, _mm512_load_si512(sums[r][p])), q, j, mask, y + r * y_step);
  }
}

template <class Epilogue>
using TileFn = void (*)(const Epilogue&, const std::uint8_t*, std::ptrdiff_t, int, const std::uint8_t*, std::size_t,
                        int, int, typename Epilogue::Out*, std::ptrdiff_t);

template <class Epilogue, int NP, int... R>
constexpr std::array<TileFn<Epilogue>, 16> tiles_of(std::integer_sequence<int, R...>) {
  std::array<TileFn<Epilogue>, 16> t{};
  ((t[R] = R + 1 <= kTileRows[NP] ? &tile<NP, std::min(R + 1, kTileRows[NP]), Epilogue> : nullptr), ...);
  return t;
}
// kTiles<E>[np][mr - 1]: the tile of np panels and mr rows (mr <= kTileRows[np]).
template <class Epilogue>
constexpr std::array<TileFn<Epilogue>, 16> kTiles[kMaxPanels + 1] = {
    {},
    tiles_of<Epilogue, 1>(std::make_integer_sequence<int, 16>{}),
    tiles_of<Epilogue, 2>(std::make_integer_sequence<int, 16>{}),
    tiles_of<Epilogue, 3>(std::make_integer_sequence<int, 16>{}),
    tiles_of<Epilogue, 4>(std::make_integer_sequence<int, 16>{})};

// Input positions [first, first + count) as unsigned bytes (x ^ 0x80 = x + 128), the zero point
// where they fall outside the row, then kSlack zero bytes.
NILM_VNNI_TARGET void copy_positions(const Conv1dS8& c, const std::int8_t* in, int first, int count, std::uint8_t* dst) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int lo = std::clamp(first, 0, c.in_w), hi = std::clamp(first + count, lo, c.in_w);
  const std::size_t before = std::size_t(lo - first) * c.in_c, inside = std::size_t(hi - lo) * c.in_c;
  const std::size_t after = std::size_t(first + count - hi) * c.in_c;
  const std::uint8_t pad = static_cast<std::uint8_t>(c.pad) ^ 0x80u;
  std::memset(dst, pad, before);
  dst += before;
  const std::int8_t* src = in + std::size_t(lo) * c.in_c;
  std::size_t i = 0;
  for (; i + 64 <= inside; i += 64) _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
  if (i < inside) {
    const __mmask64 m = ~std::uint64_t{0} >> (64 - (inside - i));
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
  }
  dst += inside;
  std::memset(dst, pad, after);
  std::memset(dst + after, 0, kSlack);
}

// int16 input positions [first, first + count) as they are, the zero point where they fall
// outside the row, then kSlack zero bytes.
void copy_positions(const Conv1dS16& c, const std::int16_t* in, int first, int count, std::uint8_t* dst) {
  auto* seg = reinterpret_cast<std::int16_t*>(dst);
  const int lo = std::clamp(first, 0, c.in_w), hi = std::clamp(first + count, lo, c.in_w);
  std::fill(seg, seg + std::size_t(lo - first) * c.in_c, c.pad);
  seg += std::size_t(lo - first) * c.in_c;
  std::memcpy(seg, in + std::size_t(lo) * c.in_c, std::size_t(hi - lo) * c.in_c * 2);
  seg += std::size_t(hi - lo) * c.in_c;
  std::fill(seg, seg + std::size_t(first + count - hi) * c.in_c, c.pad);
  std::memset(seg + std::size_t(first + count - hi) * c.in_c, 0, kSlack);
}

// Rows [r0, r1) x outputs [j0, j1) of one image through the register tiles: the positions they
// read copied into scratch once, then every 64-output column group's tiles of rows.
template <class Conv, class Epilogue, class In>
void conv1d_rows(const Conv& c, const Epilogue& e, const In* in, typename Epilogue::Out* out, int r0, int r1, int j0,
                 int j1, std::uint8_t* scratch) {
  if (r0 >= r1 || j0 >= j1) return;
  copy_positions(c, in, r0 * c.stride - c.pad_left, (r1 - r0 - 1) * c.stride + c.k_w, scratch);
  constexpr int kPerGroup = 4 / sizeof(In);  // elements per 4-byte depth group
  const int k = c.k_w * c.in_c, groups = (k + kPerGroup - 1) / kPerGroup;
  const std::size_t panel_bytes = std::size_t(groups) * 4 * kPanel;
  const std::ptrdiff_t x_step = std::ptrdiff_t(c.stride) * c.in_c * std::ptrdiff_t(sizeof(In));
  for (int jb = j0; jb < j1; jb += kMaxPanels * kPanel) {
    const int count = std::min(kMaxPanels * kPanel, j1 - jb);
    const int np = (count + kPanel - 1) / kPanel;
    const auto* wp = reinterpret_cast<const std::uint8_t*>(c.packed) + std::size_t(jb / kPanel) * panel_bytes;
    for (int r = r0, mr = 0; r < r1; r += mr) {
      mr = std::min(kTileRows[np], r1 - r);
      kTiles<Epilogue>[np][std::size_t(mr - 1)](e, scratch + (r - r0) * x_step, x_step, groups, wp, panel_bytes, jb,
                                                count, out + std::ptrdiff_t(r) * c.out_c, c.out_c);
    }
  }
}

void conv1d_s8_vnni(const Conv1dS8& c, const std::int8_t* in, std::int8_t* out, int r0, int r1, int j0, int j1,
                    std::uint8_t* scratch) {
  conv1d_rows(c, RequantizeS8{c}, in, out, r0, r1, j0, j1, scratch);
}

void conv1d_hybrid_vnni(const Conv1dHybrid& h, const std::int8_t* in, float* out, int r0, int r1, int j0, int j1,
                        std::uint8_t* scratch) {
  conv1d_rows(h.rows, HybridF32{h}, in, out, r0, r1, j0, j1, scratch);
}

// ---- int16x8 ----

#define NILM_VNNI16_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vnni")))
constexpr int kFlushPairs = 255;  // 255 * 2 * 32768 * 128 < 2^31

// TFLite's int64 MultiplyByQuantizedMultiplier of 8 accumulators (outputs j ...), as
// requantize_row_s16_avx512 in int8_gemm_x86.cc: the multiplier reduced to 15 bits
// (min((m + 2^15) >> 16, 0x7FFF)), one rounding arithmetic shift by 15 - shift, + zp, clamped.
NILM_VNNI16_TARGET inline __m512i requantize8_s16(const Conv1dS16& c, int j, __m512i x) {
  const __m512i zero = _mm512_setzero_si512();  // explicit sources: GCC 12's plain forms warn
  const __m512i one = _mm512_set1_epi64(1);
  const auto load8 = [zero](const std::int32_t* p) NILM_VNNI16_TARGET {
    return _mm512_mask_cvtepi32_epi64(zero, 0xFF, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  };
  const __m512i m = load8(c.q_mult + j), left = load8(c.q_left + j), right = load8(c.q_right + j);
  const __m512i reduced = _mm512_mask_min_epi64(
      zero, 0xFF, _mm512_mask_srai_epi64(zero, 0xFF, _mm512_add_epi64(m, _mm512_set1_epi64(1 << 15)), 16),
      _mm512_set1_epi64(0x7FFF));
  const __m512i total = _mm512_add_epi64(_mm512_sub_epi64(_mm512_set1_epi64(15), left), right);
  const __m512i round = _mm512_mask_sllv_epi64(zero, 0xFF, one, _mm512_sub_epi64(total, one));
  __m512i v = _mm512_mask_srav_epi64(zero, 0xFF, _mm512_add_epi64(_mm512_mullo_epi64(x, reduced), round), total);
  v = _mm512_add_epi64(v, _mm512_set1_epi64(c.out_offset));
  return _mm512_mask_min_epi64(zero, 0xFF, _mm512_mask_max_epi64(zero, 0xFF, v, _mm512_set1_epi64(c.act_min)),
                               _mm512_set1_epi64(c.act_max));
}

NILM_VNNI16_TARGET inline std::int32_t load_pair(const std::int16_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// MR rows x NP panels of int16 rows (x + r * x_step, `pairs` depth pairs), panel p's weights at
// wp + p * panel_elems; outputs [j0, j0 + count) at y + r * y_step.
template <int NP, int MR>
NILM_VNNI16_TARGET void tile16(const Conv1dS16& c, const std::int16_t* x, std::ptrdiff_t x_step, int pairs,
                               const std::int16_t* wp, std::size_t panel_elems, int j0, int count, std::int16_t* y,
                               std::ptrdiff_t y_step) {
  alignas(64) std::int64_t acc64[MR][NP][kPanel];
  for (int p = 0; p < NP; ++p)
    for (int r = 0; r < MR; ++r)
      for (int h = 0; h < 2; ++h)
        _mm512_store_si512(acc64[r][p] + 8 * h, _mm512_loadu_si512(c.bias + j0 + p * kPanel + 8 * h));
  const __m256i zero256 = _mm256_setzero_si256();
  const __m512i zero = _mm512_setzero_si512();
  for (int t0 = 0; t0 < pairs; t0 += kFlushPairs) {
    const int t1 = std::min(pairs, t0 + kFlushPairs);
    __m512i acc[MR][NP];
    for (int r = 0; r < MR; ++r)
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_si512();
    for (int t = t0; t < t1; ++t) {
      __m512i w[NP];
      for (int p = 0; p < NP; ++p) w[p] = _mm512_loadu_si512(wp + p * panel_elems + std::size_t(t) * 2 * kPanel);
      for (int r = 0; r < MR; ++r) {
        const __m512i b = _mm512_set1_epi32(load_pair(x + r * x_step + 2 * t));
        for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpwssd_epi32(acc[r][p], b, w[p]);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int p = 0; p < NP; ++p)
        for (int h = 0; h < 2; ++h) {
          const __m256i half = _mm512_mask_extracti64x4_epi64(zero256, 0xF, acc[r][p], h);
          const __m512i wide = _mm512_mask_cvtepi32_epi64(zero, 0xFF, half);
          _mm512_store_si512(acc64[r][p] + 8 * h, _mm512_add_epi64(_mm512_load_si512(acc64[r][p] + 8 * h), wide));
        }
  }
  for (int p = 0; p < NP; ++p)
    for (int h = 0; h < 2; ++h) {
      const int left = count - p * kPanel - 8 * h;
      if (left <= 0) break;
      const __mmask8 mask = left >= 8 ? __mmask8(0xFF) : __mmask8((1u << left) - 1);
      const int j = j0 + p * kPanel + 8 * h;
      for (int r = 0; r < MR; ++r)
        _mm512_mask_cvtepi64_storeu_epi16(y + r * y_step + j, mask, requantize8_s16(c, j, _mm512_load_si512(acc64[r][p] + 8 * h)));
    }
}

using Tile16Fn = void (*)(const Conv1dS16&, const std::int16_t*, std::ptrdiff_t, int, const std::int16_t*, std::size_t,
                          int, int, std::int16_t*, std::ptrdiff_t);
template <int NP, int... R>
constexpr std::array<Tile16Fn, 16> tiles16_of(std::integer_sequence<int, R...>) {
  std::array<Tile16Fn, 16> t{};
  ((t[R] = R + 1 <= kTileRows[NP] ? &tile16<NP, std::min(R + 1, kTileRows[NP])> : nullptr), ...);
  return t;
}
constexpr std::array<Tile16Fn, 16> kTiles16[kMaxPanels + 1] = {
    {}, tiles16_of<1>(std::make_integer_sequence<int, 16>{}), tiles16_of<2>(std::make_integer_sequence<int, 16>{}),
    tiles16_of<3>(std::make_integer_sequence<int, 16>{}), tiles16_of<4>(std::make_integer_sequence<int, 16>{})};

void conv1d_s16_vnni(const Conv1dS16& c, const std::int16_t* in, std::int16_t* out, int r0, int r1, int j0, int j1,
                     std::uint8_t* scratch) {
  if (c.bias32) return conv1d_rows(c, RequantizeS16{c}, in, out, r0, r1, j0, j1, scratch);
  if (r0 >= r1 || j0 >= j1) return;
  // deeper accumulators: int32 lanes flushed into int64 (tile16)
  copy_positions(c, in, r0 * c.stride - c.pad_left, (r1 - r0 - 1) * c.stride + c.k_w, scratch);
  const auto* seg = reinterpret_cast<const std::int16_t*>(scratch);
  const int k = c.k_w * c.in_c, pairs = (k + 1) / 2;
  const std::size_t panel_elems = std::size_t(pairs) * 2 * kPanel;
  const std::ptrdiff_t x_step = std::ptrdiff_t(c.stride) * c.in_c;
  for (int jb = j0; jb < j1; jb += kMaxPanels * kPanel) {
    const int cols = std::min(kMaxPanels * kPanel, j1 - jb);
    const int np = (cols + kPanel - 1) / kPanel;
    const std::int16_t* wp = c.packed + std::size_t(jb / kPanel) * panel_elems;
    for (int r = r0, mr = 0; r < r1; r += mr) {
      mr = std::min(kTileRows[np], r1 - r);
      kTiles16[np][std::size_t(mr - 1)](c, seg + (r - r0) * x_step, x_step, pairs, wp, panel_elems, jb, cols,
                                        out + std::ptrdiff_t(r) * c.out_c, c.out_c);
    }
  }
}

}  // namespace

Conv1dS16Fn conv1d_s16_avx512vnni() {
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
  return ok ? &conv1d_s16_vnni : nullptr;
}

Conv1dS8Fn conv1d_s8_avx512vnni() {
  __builtin_cpu_init();  // avx512bw is not in CpuFeatures: ask the CPU directly
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vnni");
  return ok ? &conv1d_s8_vnni : nullptr;
}
Conv1dHybridFn conv1d_hybrid_avx512vnni() { return conv1d_s8_avx512vnni() ? &conv1d_hybrid_vnni : nullptr; }

#else

Conv1dS8Fn conv1d_s8_avx512vnni() { return nullptr; }
Conv1dHybridFn conv1d_hybrid_avx512vnni() { return nullptr; }
Conv1dS16Fn conv1d_s16_avx512vnni() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
