// AVX2 + FMA micro-kernels. This translation unit alone is compiled with -mavx2 -mfma; nothing
// here runs unless cpu_features() reports both (the registry checks before choosing a kernel).
#include <immintrin.h>

#include <cstring>

#include "runtime/kernels/micro.h"
#include "runtime/kernels/vector_math.h"

namespace nilm::runtime::kernels {
namespace {

// MR rows x 16 columns in 2 * MR ymm accumulators (MR = 6 uses 12 of 16 registers).
template <int MR>
void gemm_tile(const GemmArgs& g, int row, int panel) {
  const int col0 = panel * kPanel;
  const int cols = g.n - col0 < kPanel ? g.n - col0 : kPanel;
  alignas(32) float bias[kPanel] = {};
  if (g.bias) std::memcpy(bias, g.bias + col0, std::size_t(cols) * sizeof(float));
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = _mm256_load_ps(bias);
    acc[r][1] = _mm256_load_ps(bias + 8);
  }
  const float* bp = g.b_packed + std::size_t(panel) * g.k * kPanel;
  const float* a = g.a + row * g.a_row;
  for (int kk = 0; kk < g.k; ++kk, bp += kPanel) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * g.a_row + kk * g.a_col);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  const __m256 lo = _mm256_set1_ps(g.clamp.lo), hi = _mm256_set1_ps(g.clamp.hi);
  for (int r = 0; r < MR; ++r) {
    const __m256 v0 = _mm256_min_ps(_mm256_max_ps(acc[r][0], lo), hi);
    const __m256 v1 = _mm256_min_ps(_mm256_max_ps(acc[r][1], lo), hi);
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
  }
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

// NO outputs x 2 accumulators each: 2 * NO independent FMA chains over the depth; weights stream
// from memory once (the batch-1 dense layer is bound by memory bandwidth, not arithmetic).
template <int NO>
void fc_dot_block(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                  int o) {
  __m256 acc[NO][2];
  for (int j = 0; j < NO; ++j) acc[j][0] = acc[j][1] = _mm256_setzero_ps();
  const int full = p.depth / 16 * 16;
  for (int d = 0; d < full; d += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + d), x1 = _mm256_loadu_ps(x + d + 8);
    for (int j = 0; j < NO; ++j) {
      const float* wr = w + std::size_t(o + j) * p.depth + d;
      acc[j][0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(wr), acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(wr + 8), acc[j][1]);
    }
  }
  const Clamp cl = clamp_of(p.act);
  for (int j = 0; j < NO; ++j) {
    float s = hsum(_mm256_add_ps(acc[j][0], acc[j][1]));
    const float* wr = w + std::size_t(o + j) * p.depth;
    for (int d = full; d < p.depth; ++d) s += x[d] * wr[d];
    if (bias) s += bias[o + j];
    s = s < cl.lo ? cl.lo : s;
    y[o + j] = s > cl.hi ? cl.hi : s;
  }
}

void fc_dot_avx2(const FcParams& p, const float* in, const float* w, const float* bias, float* out,
                 int o_begin, int o_end) {
  for (int r = 0; r < p.rows; ++r) {
    const float* x = in + std::size_t(r) * p.depth;
    float* y = out + std::size_t(r) * p.outputs;
    int o = o_begin;
    for (; o + 4 <= o_end; o += 4) fc_dot_block<4>(p, x, w, bias, y, o);
    for (; o < o_end; ++o) fc_dot_block<1>(p, x, w, bias, y, o);
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
