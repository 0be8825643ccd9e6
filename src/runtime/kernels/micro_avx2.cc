// AVX2 + FMA micro-kernels. This translation unit alone is compiled with -mavx2 -mfma; nothing
// here runs unless cpu_features() reports both (the registry checks before choosing a kernel).
#include <immintrin.h>

#include <cstring>

#include "runtime/kernels/micro.h"
#include "runtime/kernels/vector_math.h"

namespace nilm::runtime::kernels {
namespace {

// MR rows x 16 columns in 2 * MR ymm accumulators (MR = 6 uses 12 of 16 registers). Written
// with named accumulators: GCC keeps an __m256 array in memory (a store per FMA).
template <int MR>
void gemm_tile(const GemmArgs& g, int row, int panel) {
  const int col0 = panel * kPanel;
  const int cols = g.n - col0 < kPanel ? g.n - col0 : kPanel;
  alignas(32) float bias[kPanel] = {};
  if (g.bias) std::memcpy(bias, g.bias + col0, std::size_t(cols) * sizeof(float));
  const __m256 bias0 = _mm256_load_ps(bias), bias1 = _mm256_load_ps(bias + 8);
  __m256 c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1;
  __m256 c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1;
  const float* bp = g.b_packed + std::size_t(panel) * g.k * kPanel;
  const std::ptrdiff_t ar = g.a_row, ac = g.a_col;
  const float* a0 = g.a + row * ar;
  const float* a1 = a0 + ar;
  const float* a2 = a1 + ar;
  const float* a3 = a2 + ar;
  const float* a4 = a3 + ar;
  const float* a5 = a4 + ar;
  for (int kk = 0; kk < g.k; ++kk, bp += kPanel) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    const std::ptrdiff_t o = kk * ac;
    __m256 av = _mm256_broadcast_ss(a0 + o);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    if constexpr (MR > 1) {
      av = _mm256_broadcast_ss(a1 + o);
      c10 = _mm256_fmadd_ps(av, b0, c10);
      c11 = _mm256_fmadd_ps(av, b1, c11);
    }
    if constexpr (MR > 2) {
      av = _mm256_broadcast_ss(a2 + o);
      c20 = _mm256_fmadd_ps(av, b0, c20);
      c21 = _mm256_fmadd_ps(av, b1, c21);
    }
    if constexpr (MR > 3) {
      av = _mm256_broadcast_ss(a3 + o);
      c30 = _mm256_fmadd_ps(av, b0, c30);
      c31 = _mm256_fmadd_ps(av, b1, c31);
    }
    if constexpr (MR > 4) {
      av = _mm256_broadcast_ss(a4 + o);
      c40 = _mm256_fmadd_ps(av, b0, c40);
      c41 = _mm256_fmadd_ps(av, b1, c41);
    }
    if constexpr (MR > 5) {
      av = _mm256_broadcast_ss(a5 + o);
      c50 = _mm256_fmadd_ps(av, b0, c50);
      c51 = _mm256_fmadd_ps(av, b1, c51);
    }
  }
  const __m256 lo = _mm256_set1_ps(g.clamp.lo), hi = _mm256_set1_ps(g.clamp.hi);
  auto store = [&](int r, __m256 v0, __m256 v1) {
    v0 = _mm256_min_ps(_mm256_max_ps(v0, lo), hi);
    v1 = _mm256_min_ps(_mm256_max_ps(v1, lo), hi);
    float* c = g.c + (row + r) * g.ldc + col0;
    if (cols == kPanel) {
      _mm256_storeu_ps(c, v0);
      _mm256_storeu_ps(c + 8, v1);
    } else {
      alignas(32) float tmp[kPanel];
      _mm256_store_ps(tmp, v0);
      _mm256_store_ps(tmp + 8, v1);
      std::memcpy(c, tmp, std::size_t(cols) * sizeof(float));
    }
  };
  store(0, c00, c01);
  if constexpr (MR > 1) store(1, c10, c11);
  if constexpr (MR > 2) store(2, c20, c21);
  if constexpr (MR > 3) store(3, c30, c31);
  if constexpr (MR > 4) store(4, c40, c41);
  if constexpr (MR > 5) store(5, c50, c51);
}

void gemm_avx2(const GemmArgs& g, int panel_begin, int panel_end) {
  for (int p = panel_begin; p < panel_end; ++p) {
    int i = 0;
    for (; i + 6 <= g.m; i += 6) gemm_tile<6>(g, i, p);
    switch (g.m - i) {  // the same per-element arithmetic as the 6-row tile
      case 5: gemm_tile<5>(g, i, p); break;
      case 4: gemm_tile<4>(g, i, p); break;
      case 3: gemm_tile<3>(g, i, p); break;
      case 2: gemm_tile<2>(g, i, p); break;
      case 1: gemm_tile<1>(g, i, p); break;
      default: break;
    }
  }
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

// Four outputs x 2 accumulators each: 8 independent FMA chains over the depth; weights stream
// from memory once (the batch-1 dense layer is bound by memory bandwidth, not arithmetic).
// One output at a time for the remainder, with the same per-output arithmetic.
inline float finish_dot(const FcParams& p, const float* x, const float* wr, const float* bias, int o,
                        __m256 a0, __m256 a1, int full, Clamp cl) {
  float s = hsum(_mm256_add_ps(a0, a1));
  for (int d = full; d < p.depth; ++d) s += x[d] * wr[d];
  if (bias) s += bias[o];
  s = s < cl.lo ? cl.lo : s;
  return s > cl.hi ? cl.hi : s;
}

void fc_dot_block4(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                   int o) {
  const float* w0 = w + std::size_t(o) * p.depth;
  const float* w1 = w0 + p.depth;
  const float* w2 = w1 + p.depth;
  const float* w3 = w2 + p.depth;
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
         a30 = a00, a31 = a00;
  const int full = p.depth / 16 * 16;
  for (int d = 0; d < full; d += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + d), x1 = _mm256_loadu_ps(x + d + 8);
    a00 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + d), a00);
    a01 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w0 + d + 8), a01);
    a10 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w1 + d), a10);
    a11 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + d + 8), a11);
    a20 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w2 + d), a20);
    a21 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w2 + d + 8), a21);
    a30 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w3 + d), a30);
    a31 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w3 + d + 8), a31);
  }
  const Clamp cl = clamp_of(p.act);
  y[o] = finish_dot(p, x, w0, bias, o, a00, a01, full, cl);
  y[o + 1] = finish_dot(p, x, w1, bias, o + 1, a10, a11, full, cl);
  y[o + 2] = finish_dot(p, x, w2, bias, o + 2, a20, a21, full, cl);
  y[o + 3] = finish_dot(p, x, w3, bias, o + 3, a30, a31, full, cl);
}

void fc_dot_block1(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                   int o) {
  const float* w0 = w + std::size_t(o) * p.depth;
  __m256 a00 = _mm256_setzero_ps(), a01 = a00;
  const int full = p.depth / 16 * 16;
  for (int d = 0; d < full; d += 16) {
    a00 = _mm256_fmadd_ps(_mm256_loadu_ps(x + d), _mm256_loadu_ps(w0 + d), a00);
    a01 = _mm256_fmadd_ps(_mm256_loadu_ps(x + d + 8), _mm256_loadu_ps(w0 + d + 8), a01);
  }
  y[o] = finish_dot(p, x, w0, bias, o, a00, a01, full, clamp_of(p.act));
}

void fc_dot_avx2(const FcParams& p, const float* in, const float* w, const float* bias, float* out,
                 int o_begin, int o_end) {
  // Rows innermost: a block of 4 weight rows is read from memory once and reused from cache by
  // every input row (batched windows), instead of streaming all weights once per row.
  int o = o_begin;
  for (; o + 4 <= o_end; o += 4)
    for (int r = 0; r < p.rows; ++r) {
      const float* x = in + std::size_t(r) * p.depth;
      float* y = out + std::size_t(r) * p.outputs;
      fc_dot_block4(p, x, w, bias, y, o);
    }
  for (; o < o_end; ++o)
    for (int r = 0; r < p.rows; ++r) {
      const float* x = in + std::size_t(r) * p.depth;
      float* y = out + std::size_t(r) * p.outputs;
      fc_dot_block1(p, x, w, bias, y, o);
    }
}

// The portable vector math, vectorized 8-wide here by the compiler under -mavx2 -mfma.
void unary_avx2(UnaryOp op, std::size_t n, const float* in, float* out) {
  if (!unary_vectorized(op, n, in, out))
    for (std::size_t i = 0; i < n; ++i) out[i] = unary_scalar(op, in[i]);
}

void softmax_avx2(const SoftmaxParams& p, const float* in, float* out, int r0, int r1) {
  softmax_rows(p, in, out, r0, r1);
}

}  // namespace

const MicroKernels* avx2_micro_kernels() {
  static const MicroKernels k{"avx2", gemm_avx2, fc_dot_avx2, unary_avx2, softmax_avx2};
  return &k;
}

}  // namespace nilm::runtime::kernels
