// The sparse-input dense rows (fc_sparse.h): packing everywhere, the kernels compiled per
// function for AVX-512 (target attributes); nullptr getters elsewhere.
#include "runtime/kernels/fc_sparse.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/epilogue_avx512.h"
#include "runtime/kernels/requantize_f64_avx512.h"
#define NILM_X86_SPARSE 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

namespace {
constexpr int kPanel = 16;
int padded16(int n) { return (n + kPanel - 1) / kPanel * kPanel; }
int groups_of(int k) { return (k + 3) / 4; }
std::size_t plane_bytes(int k) { return (std::size_t(k) + 63) / 64 * 64; }
}  // namespace

std::size_t packed_blocks_s8_bytes(int n, int k) { return std::size_t(padded16(n)) * std::size_t(groups_of(k)) * 4; }

void pack_blocks_s8_into(const std::int8_t* w, int n, int k, int block, std::int8_t* dst) {
  const int groups = groups_of(k);
  for (int j0 = 0; j0 < padded16(n); j0 += block) {
    const int width = std::min(block, padded16(n) - j0);
    for (int g = 0; g < groups; ++g)
      for (int j = 0; j < width; ++j)
        for (int b = 0; b < 4; ++b) {
          const int row = j0 + j, t = 4 * g + b;
          *dst++ = row < n && t < k ? w[std::size_t(row) * k + t] : std::int8_t{0};
        }
  }
}

std::size_t packed_blocks_f32_floats(int n, int k) { return std::size_t(padded16(n)) * std::size_t(k); }

void pack_blocks_f32_into(const float* w, int n, int k, float* dst) {
  for (int j0 = 0; j0 < padded16(n); j0 += kSparseBlock) {
    const int width = std::min(kSparseBlock, padded16(n) - j0);
    for (int t = 0; t < k; ++t)
      for (int j = 0; j < width; ++j) *dst++ = j0 + j < n ? w[std::size_t(j0 + j) * k + t] : 0.f;
  }
}

std::size_t sparse_input_bytes(int k) { return 2 * plane_bytes(k) + std::size_t(groups_of(k)) * sizeof(std::uint16_t) + 64; }

#if NILM_X86_SPARSE

namespace {

#define NILM_SPARSE_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,bmi2")))

// Appends the groups of the 64 values at t with a nonzero one (a bit each in `nonzero`; any of
// a group's 4) to `groups`.
NILM_SPARSE_TARGET inline int list_groups(std::uint64_t nonzero, int t, std::uint16_t* groups, int count) {
  nonzero |= nonzero >> 1;
  nonzero |= nonzero >> 2;
  for (std::uint32_t gm = std::uint32_t(_pext_u64(nonzero, 0x1111111111111111ull)); gm; gm &= gm - 1)
    groups[count++] = static_cast<std::uint16_t>(t / 4 + __builtin_ctz(gm));
  return count;
}

// u = x + c: c = -zp when no x is below zp (inputs at zp become 0 and are skipped), else 128.
NILM_SPARSE_TARGET SparseInput sparse_input_s8_impl(const std::int8_t* x, int k, std::int32_t zp, std::uint8_t* scratch) {
  const __m512i zpv = _mm512_set1_epi8(static_cast<char>(zp));
  bool below = false;
  for (int t = 0; t < k && !below; t += 64) {
    const __mmask64 in = k - t >= 64 ? ~__mmask64{0} : (__mmask64{1} << (k - t)) - 1;
    below = _mm512_mask_cmplt_epi8_mask(in, _mm512_maskz_loadu_epi8(in, x + t), zpv) != 0;
  }
  SparseInput r;
  r.c = below ? 128 : -zp;
  auto* groups = reinterpret_cast<std::uint16_t*>(scratch + 2 * plane_bytes(k));
  const __m512i c = _mm512_set1_epi8(static_cast<char>(r.c));
  // past k: the value whose u is 0 (never listed; its weights are 0 anyway)
  const __m512i fill = _mm512_set1_epi8(static_cast<char>(-r.c));
  for (int t = 0; t < k; t += 64) {
    const __mmask64 in = k - t >= 64 ? ~__mmask64{0} : (__mmask64{1} << (k - t)) - 1;
    const __m512i u = _mm512_add_epi8(_mm512_mask_loadu_epi8(fill, in, x + t), c);  // wraps into [0, 255]
    _mm512_storeu_si512(scratch + t, u);
    r.count = list_groups(_mm512_test_epi8_mask(u, u), t, groups, r.count);
  }
  r.plane[0] = scratch;
  r.groups = groups;
  return r;
}

// u = x + c, c = 0 when no x is negative, else 32768; planes u >> 8 and u & 255.
NILM_SPARSE_TARGET SparseInput sparse_input_s16_impl(const std::int16_t* x, int k, std::uint8_t* scratch) {
  __m512i lo = _mm512_setzero_si512();
  for (int t = 0; t < k; t += 32) {
    const __mmask32 in = k - t >= 32 ? ~__mmask32{0} : (__mmask32{1} << (k - t)) - 1;
    lo = _mm512_min_epi16(lo, _mm512_maskz_loadu_epi16(in, x + t));
  }
  SparseInput r;
  r.c = _mm512_cmplt_epi16_mask(lo, _mm512_setzero_si512()) ? 32768 : 0;
  std::uint8_t* hi8 = scratch;
  std::uint8_t* lo8 = scratch + plane_bytes(k);
  auto* groups = reinterpret_cast<std::uint16_t*>(scratch + 2 * plane_bytes(k));
  const __m512i c = _mm512_set1_epi16(static_cast<short>(r.c));
  for (int t = 0; t < k; t += 64) {  // 64 values: two vectors of 32
    __m512i u[2];
    for (int h = 0; h < 2; ++h) {
      const int base = t + 32 * h;
      const int left = std::max(0, std::min(32, k - base));
      const __mmask32 in = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
      // past k: the value whose u is 0
      u[h] = _mm512_add_epi16(_mm512_mask_loadu_epi16(_mm512_set1_epi16(static_cast<short>(-r.c)), in, x + base), c);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(hi8 + base), _mm512_cvtepi16_epi8(_mm512_srli_epi16(u[h], 8)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(lo8 + base), _mm512_cvtepi16_epi8(u[h]));
    }
    // one bit per nonzero value, 64 values: groups of 4 as the int8 form's bytes
    const std::uint64_t nz = std::uint64_t(_mm512_test_epi16_mask(u[0], u[0])) |
                             (std::uint64_t(_mm512_test_epi16_mask(u[1], u[1])) << 32);
    r.count = list_groups(nz, t, groups, r.count);
  }
  r.plane[0] = hi8;
  r.plane[1] = lo8;
  r.groups = groups;
  return r;
}

// acc += u8 x s8 in groups of 4 (inline asm: GCC 12 ties the intrinsic's accumulator to zmm0-15).
NILM_SPARSE_TARGET __attribute__((always_inline)) inline __m512i dpbusd(__m512i acc, __m512i u8, __m512i s8) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
  return acc;
}

// NP panels of one block (first output j, weights at w, group_bytes per group) over the listed
// groups of P planes; then e.store(plane sums, j + 16 p, panel p).
template <int P, int NP, class Epilogue>
NILM_SPARSE_TARGET void panels(const Epilogue& e, const SparseInput& in, const std::int8_t* w, std::size_t group_bytes,
                               int j) {
  __m512i acc[P][NP];
  for (int q = 0; q < P; ++q)
    for (int p = 0; p < NP; ++p) acc[q][p] = _mm512_setzero_si512();
  for (int i = 0; i < in.count; ++i) {
    const std::size_t g = in.groups[i];
    const std::int8_t* wg = w + g * group_bytes;
    __m512i xb[P];
    for (int q = 0; q < P; ++q) {
      std::int32_t v;
      std::memcpy(&v, in.plane[q] + 4 * g, 4);
      xb[q] = _mm512_set1_epi32(v);
    }
    for (int p = 0; p < NP; ++p) {
      const __m512i wv = _mm512_loadu_si512(wg + 64 * p);
      for (int q = 0; q < P; ++q) acc[q][p] = dpbusd(acc[q][p], xb[q], wv);
    }
  }
  for (int p = 0; p < NP; ++p) e.store(acc[0][p], acc[P - 1][p], j + kPanel * p);
}

template <int P, class Epilogue>
using PanelsFn = void (*)(const Epilogue&, const SparseInput&, const std::int8_t*, std::size_t, int);
template <int P, class Epilogue, int... N>
constexpr std::array<PanelsFn<P, Epilogue>, 17> panels_of(std::integer_sequence<int, N...>) {
  return {nullptr, &panels<P, N + 1, Epilogue>...};
}

// Outputs [j0, j1) of every block: at most 16 / P panels per pass (16 zmm accumulators).
template <int P, class Epilogue>
void sparse_rows(const SparseWeights& sw, const Epilogue& e, const SparseInput& in, int j0, int j1) {
  static constexpr auto kPanels = panels_of<P, Epilogue>(std::make_integer_sequence<int, 16>{});
  const std::size_t groups = std::size_t(groups_of(sw.k));
  for (int jb = j0; jb < j1; jb += sw.block) {
    const int width = std::min(sw.block, padded16(sw.n) - jb);
    const std::int8_t* block = sw.blocks + std::size_t(jb) * groups * 4;  // earlier blocks are full width
    for (int p0 = 0; p0 < width / kPanel; p0 += 16 / P) {
      const int np = std::min(16 / P, width / kPanel - p0);
      kPanels[std::size_t(np)](e, in, block + 64 * p0, std::size_t(width) * 4, jb + kPanel * p0);
    }
  }
}

NILM_SPARSE_TARGET inline __mmask16 lanes(int n, int j) {
  const int left = n - j;
  return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

// sum w (x - zp) = D - (c + zp) sum w for 16 outputs from j (wrapping int32, as the reference).
NILM_SPARSE_TARGET inline __m512i offset_sums(__m512i d, const SparseWeights& w, std::int32_t c_plus_zp, int j) {
  return _mm512_sub_epi32(d, _mm512_mullo_epi32(_mm512_loadu_si512(w.sums + j), _mm512_set1_epi32(c_plus_zp)));
}

struct S8Store {
  const SparseS8& s;
  std::int32_t c;
  std::int8_t* y;
  NILM_SPARSE_TARGET void store(__m512i d, __m512i, int j) const {  // requantize_fp32
    const __m512i v = _mm512_add_epi32(offset_sums(d, s.w, c + s.zp, j), _mm512_loadu_si512(s.bias + j));
    store_requantized_s8(v, _mm512_loadu_ps(s.scale + j), s.out_offset, s.act_min, s.act_max, lanes(s.w.n, j), y + j);
  }
};

struct HybridStore {
  const SparseHybrid& s;
  std::int32_t c;
  float* y;
  NILM_SPARSE_TARGET void store(__m512i d, __m512i, int j) const {  // hybrid_one
    const __mmask16 m = lanes(s.w.n, j);
    store_hybrid(offset_sums(d, s.w, c + s.offset, j), _mm512_maskz_loadu_ps(m, s.w_scales + j), s.input_scale,
                 s.scale_first, s.bias ? s.bias + j : nullptr, s.lo, s.hi, m, y + j);
  }
};

struct S16Store {
  const SparseS16& s;
  std::int32_t c;
  std::int16_t* y;
  NILM_SPARSE_TARGET void store(__m512i hi, __m512i lo, int j) const {  // 256 D(hi) + D(lo) - c sum w + bias
    const __mmask16 m = lanes(s.w.n, j);
    for (int h = 0; h < 2; ++h) {
      const __mmask8 mh = __mmask8(m >> (8 * h));
      if (!mh) break;
      const auto half = [h](__m512i v) NILM_SPARSE_TARGET {
        return _mm512_cvtepi32_epi64(h ? _mm512_extracti64x4_epi64(v, 1) : _mm512_castsi512_si256(v));
      };
      const __m512i sums = _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.w.sums + j + 8 * h)));
      __m512i acc = _mm512_add_epi64(_mm512_slli_epi64(half(hi), 8), half(lo));
      acc = _mm512_sub_epi64(acc, _mm512_mullo_epi64(sums, _mm512_set1_epi64(c)));
      acc = _mm512_add_epi64(acc, _mm512_loadu_si512(s.bias + j + 8 * h));
      requantize8_f64(acc, s.scale + j + 8 * h, mh, s.out_offset, s.act_min, s.act_max, y + j + 8 * h);
    }
  }
};

void sparse_s8_impl(const SparseS8& s, const SparseInput& in, std::int8_t* y, int j0, int j1) {
  sparse_rows<1>(s.w, S8Store{s, in.c, y}, in, j0, j1);
}
void sparse_hybrid_impl(const SparseHybrid& s, const SparseInput& in, float* y, int j0, int j1) {
  sparse_rows<1>(s.w, HybridStore{s, in.c, y}, in, j0, j1);
}
void sparse_s16_impl(const SparseS16& s, const SparseInput& in, std::int16_t* y, int j0, int j1) {
  sparse_rows<2>(s.w, S16Store{s, in.c, y}, in, j0, j1);
}

// ---- float32 ----

__attribute__((target("avx512f,bmi2"))) int sparse_input_f32_impl(const float* x, int k, std::uint16_t* nonzero) {
  int count = 0;
  for (int t = 0; t < k; t += 16) {
    const __mmask16 in = k - t >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - t)) - 1);
    // x != 0 (unordered: NaN counts as nonzero), either sign of zero skipped
    for (std::uint32_t m = _mm512_mask_cmp_ps_mask(in, _mm512_maskz_loadu_ps(in, x + t), _mm512_setzero_ps(), _CMP_NEQ_UQ); m;
         m &= m - 1)
      nonzero[count++] = static_cast<std::uint16_t>(t + __builtin_ctz(m));
  }
  return count;
}

// NP panels of a block (first output j, weights at w, `width` floats per input) over the nonzero inputs.
template <int NP>
__attribute__((target("avx512f"))) void panels_f32(const SparseF32& s, const float* x, const std::uint16_t* nonzero,
                                                   int count, const float* w, std::size_t width, float* y, int j) {
  __m512 acc[NP];
  for (int p = 0; p < NP; ++p) acc[p] = _mm512_setzero_ps();
  for (int i = 0; i < count; ++i) {
    const std::size_t t = nonzero[i];
    const __m512 xb = _mm512_set1_ps(x[t]);
    const float* wt = w + t * width;
    for (int p = 0; p < NP; ++p) acc[p] = _mm512_fmadd_ps(xb, _mm512_load_ps(wt + 16 * p), acc[p]);
  }
  for (int p = 0; p < NP; ++p) {
    const int jj = j + 16 * p, left = s.n - jj;
    const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    __m512 v = acc[p];
    if (s.bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, s.bias + jj));
    v = _mm512_min_ps(_mm512_set1_ps(s.hi), _mm512_max_ps(_mm512_set1_ps(s.lo), v));
    _mm512_mask_storeu_ps(y + jj, m, v);
  }
}

using PanelsF32Fn = void (*)(const SparseF32&, const float*, const std::uint16_t*, int, const float*, std::size_t, float*, int);
template <int... N>
constexpr std::array<PanelsF32Fn, 17> panels_f32_of(std::integer_sequence<int, N...>) {
  return {nullptr, &panels_f32<N + 1>...};
}

void sparse_f32_impl(const SparseF32& s, const float* x, const std::uint16_t* nonzero, int count, float* y, int j0,
                     int j1) {
  static constexpr auto kPanelsF32 = panels_f32_of(std::make_integer_sequence<int, 16>{});
  for (int jb = j0; jb < j1; jb += kSparseBlock) {
    const int width = std::min(kSparseBlock, padded16(s.n) - jb);
    kPanelsF32[std::size_t(width / kPanel)](s, x, nonzero, count, s.blocks + std::size_t(jb) * std::size_t(s.k),
                                            std::size_t(width), y, jb);
  }
}

bool has_avx512_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("bmi2");
}

}  // namespace

SparseInputS8Fn sparse_input_s8_avx512() { return has_avx512_vnni() ? &sparse_input_s8_impl : nullptr; }
SparseInputS16Fn sparse_input_s16_avx512() { return has_avx512_vnni() ? &sparse_input_s16_impl : nullptr; }
SparseS8Fn sparse_s8_avx512vnni() { return has_avx512_vnni() ? &sparse_s8_impl : nullptr; }
SparseHybridFn sparse_hybrid_avx512vnni() { return has_avx512_vnni() ? &sparse_hybrid_impl : nullptr; }
SparseS16Fn sparse_s16_avx512vnni() { return has_avx512_vnni() ? &sparse_s16_impl : nullptr; }
SparseInputF32Fn sparse_input_f32_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("bmi2") ? &sparse_input_f32_impl : nullptr;
}
SparseF32Fn sparse_f32_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") ? &sparse_f32_impl : nullptr;
}

#else

SparseInputS8Fn sparse_input_s8_avx512() { return nullptr; }
SparseInputS16Fn sparse_input_s16_avx512() { return nullptr; }
SparseS8Fn sparse_s8_avx512vnni() { return nullptr; }
SparseHybridFn sparse_hybrid_avx512vnni() { return nullptr; }
SparseS16Fn sparse_s16_avx512vnni() { return nullptr; }
SparseInputF32Fn sparse_input_f32_avx512() { return nullptr; }
SparseF32Fn sparse_f32_avx512() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
