// The AVX-512 VNNI 1-D int8 convolution (int8_conv.h), compiled per function for its ISA with
// target attributes (no file flags); elsewhere the getter returns nullptr.
#include "runtime/kernels/int8_conv.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NILM_X86_KERNELS 1
#endif

namespace nilm::runtime::kernels {

namespace {
constexpr int kPanel = 16;     // outputs per zmm of int32 accumulators
constexpr int kMaxPanels = 4;  // a tile is up to 64 outputs wide
constexpr int kSlack = 64;     // bytes after the copied positions: the last depth group over-reads
// Rows per tile for 1..4 panels: rows x panels accumulators + panels weights + 1 broadcast <= 32.
constexpr int kTileRows[kMaxPanels + 1] = {0, 16, 12, 8, 6};
}  // namespace

std::size_t conv1d_s8_scratch_bytes(const Conv1dS8& c, int rows) {
  const std::size_t positions = std::size_t(std::max(rows, 1) - 1) * c.stride + c.k_w;
  return positions * c.in_c + kSlack;
}

#if NILM_X86_KERNELS

namespace {

#define NILM_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

NILM_VNNI_TARGET inline std::int32_t load4(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Epilogues: the accumulators' starting values of outputs [j, j + 16), then one row's outputs.
// int8: XNNPACK's requantize_fp32: float(acc) * scale, clamped in float to [lo - zp, hi - zp],
// rounded to nearest even by vcvtps2dq (the default MXCSR mode, as nearbyint), plus zp.
struct RequantizeS8 {
  using Out = std::int8_t;
  const Conv1dS8& c;
  NILM_VNNI_TARGET __m512i start(int j) const { return _mm512_loadu_si512(c.bias + j); }
  NILM_VNNI_TARGET void store(__m512i acc, int j, __mmask16 mask, std::int8_t* y) const {
    const __m512 zf = _mm512_setzero_ps();  // explicit sources: GCC 12's plain forms warn
    constexpr __mmask16 all = 0xFFFF;
    const __m512 flo = _mm512_set1_ps(float(c.act_min - c.out_offset)), fhi = _mm512_set1_ps(float(c.act_max - c.out_offset));
    __m512 f = _mm512_mul_ps(_mm512_mask_cvtepi32_ps(zf, all, acc), _mm512_loadu_ps(c.scale + j));
    f = _mm512_mask_min_ps(zf, all, _mm512_mask_max_ps(zf, all, f, flo), fhi);
    const __m512i v = _mm512_add_epi32(_mm512_mask_cvtps_epi32(_mm512_setzero_si512(), all, f), _mm512_set1_epi32(c.out_offset));
    _mm512_mask_cvtepi32_storeu_epi8(y + j, mask, v);
  }
};

// Hybrid: hybrid_one's float arithmetic in the same order (no FMA: separate multiplies and
// add), the clamp as "v < lo ? lo : v" (vmaxps(lo, v) keeps v's sign of zero as the reference).
struct HybridF32 {
  using Out = float;
  const Conv1dHybrid& h;
  NILM_VNNI_TARGET __m512i start(int j) const {  // - (128 + offset) * sum(w): the unsigned input and the offset
    return _mm512_mullo_epi32(_mm512_loadu_si512(h.sums + j), _mm512_set1_epi32(-(128 + h.input_offset)));
  }
  NILM_VNNI_TARGET void store(__m512i acc, int j, __mmask16 mask, float* y) const {
    const __m512 zf = _mm512_setzero_ps();
    constexpr __mmask16 all = 0xFFFF;
    const __m512 a = _mm512_mask_cvtepi32_ps(zf, all, acc), ws = _mm512_loadu_ps(h.w_scales + j);
    const __m512 s = _mm512_set1_ps(h.input_scale);
    __m512 v = h.scale_first ? _mm512_mul_ps(a, _mm512_mul_ps(s, ws)) : _mm512_mul_ps(_mm512_mul_ps(a, ws), s);
    if (h.bias) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, h.bias + j), v);
    v = _mm512_mask_max_ps(zf, all, _mm512_set1_ps(h.lo), v);
    v = _mm512_mask_min_ps(zf, all, _mm512_set1_ps(h.hi), v);
    _mm512_mask_storeu_ps(y + j, mask, v);
  }
};

// MR rows x NP panels: rows at x + r * x_step (unsigned bytes, `groups` 4-byte depth groups),
// panel p's weights at wp + p * panel_bytes; outputs [j0, j0 + count) of each row at y + r * y_step.
template <int NP, int MR, class Epilogue>
NILM_VNNI_TARGET void tile(const Epilogue& e, const std::uint8_t* x, std::ptrdiff_t x_step, int groups,
                           const std::int8_t* wp, std::size_t panel_bytes, int j0, int count,
                           typename Epilogue::Out* y, std::ptrdiff_t y_step) {
  __m512i acc[MR][NP];
  for (int p = 0; p < NP; ++p) {
    const __m512i b = e.start(j0 + p * kPanel);
    for (int r = 0; r < MR; ++r) acc[r][p] = b;
  }
  for (int t = 0; t < groups; ++t) {
    __m512i w[NP];
    for (int p = 0; p < NP; ++p) w[p] = _mm512_loadu_si512(wp + p * panel_bytes + std::size_t(t) * 64);
    for (int r = 0; r < MR; ++r) {
      const __m512i b = _mm512_set1_epi32(load4(x + r * x_step + 4 * t));
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], b, w[p]);
    }
  }
  for (int p = 0; p < NP; ++p) {
    const int left = count - p * kPanel;
    const __mmask16 mask = left >= kPanel ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    for (int r = 0; r < MR; ++r) e.store(acc[r][p], j0 + p * kPanel, mask, y + r * y_step);
  }
}

template <class Epilogue>
using TileFn = void (*)(const Epilogue&, const std::uint8_t*, std::ptrdiff_t, int, const std::int8_t*, std::size_t,
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

template <class Epilogue>
void conv1d_rows(const Conv1dS8& c, const Epilogue& e, const std::int8_t* in, typename Epilogue::Out* out, int r0,
                 int r1, int j0, int j1, std::uint8_t* scratch) {
  if (r0 >= r1 || j0 >= j1) return;
  copy_positions(c, in, r0 * c.stride - c.pad_left, (r1 - r0 - 1) * c.stride + c.k_w, scratch);
  const int k = c.k_w * c.in_c, groups = (k + 3) / 4;
  const std::size_t panel_bytes = std::size_t(groups) * 4 * kPanel;
  const std::ptrdiff_t x_step = std::ptrdiff_t(c.stride) * c.in_c;
  for (int jb = j0; jb < j1; jb += kMaxPanels * kPanel) {
    const int count = std::min(kMaxPanels * kPanel, j1 - jb);
    const int np = (count + kPanel - 1) / kPanel;
    const std::int8_t* wp = c.packed + std::size_t(jb / kPanel) * panel_bytes;
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

}  // namespace

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

#endif

}  // namespace nilm::runtime::kernels
