// Portable micro-kernels: plain loops shaped so the compiler vectorizes them for the baseline
// ISA (SSE2 on x86-64, NEON on aarch64). Also the fallback tier on CPUs without AVX2.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/micro.h"
#include "runtime/kernels/vector_math.h"

namespace nilm::runtime::kernels {

void pack_panels(const float* b, int k, int n, std::ptrdiff_t n_stride, std::ptrdiff_t k_stride,
                 float* packed) {
  const int panels = (n + kPanel - 1) / kPanel;
  for (int p = 0; p < panels; ++p)
    for (int kk = 0; kk < k; ++kk) {
      float* dst = packed + (std::size_t(p) * k + kk) * kPanel;
      for (int j = 0; j < kPanel; ++j) {
        const int col = p * kPanel + j;
        dst[j] = col < n ? b[col * n_stride + kk * k_stride] : 0.f;
      }
    }
}

namespace {

// MR rows x one panel; acc[r][j] += a(r, k) * b(k, j) in k order.
template <int MR>
void gemm_tile(const GemmArgs& g, int row, int panel) {
  float acc[MR][kPanel];
  const int col0 = panel * kPanel;
  const int cols = std::min(kPanel, g.n - col0);
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < kPanel; ++j) acc[r][j] = g.bias && j < cols ? g.bias[col0 + j] : 0.f;
  const float* bp = g.b_packed + std::size_t(panel) * g.k * kPanel;
  const float* a = g.a + row * g.a_row;
  for (int kk = 0; kk < g.k; ++kk, bp += kPanel)
    for (int r = 0; r < MR; ++r) {
      const float av = a[r * g.a_row + kk * g.a_col];
      for (int j = 0; j < kPanel; ++j) acc[r][j] += av * bp[j];
    }
  for (int r = 0; r < MR; ++r) {
    float* c = g.c + (row + r) * g.ldc + col0;
    for (int j = 0; j < cols; ++j) c[j] = std::min(std::max(acc[r][j], g.clamp.lo), g.clamp.hi);
  }
}

void gemm_portable(const GemmArgs& g, int panel_begin, int panel_end) {
  for (int p = panel_begin; p < panel_end; ++p) {
    int i = 0;
    for (; i + 4 <= g.m; i += 4) gemm_tile<4>(g, i, p);
    for (; i < g.m; ++i) gemm_tile<1>(g, i, p);
  }
}

// Four outputs at a time share each load of the input row; 8 partial sums per output so the
// loop vectorizes without reassociating floats (the order is fixed by the code, not -ffast-math).
template <int NO>
void fc_dot_block(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                  int o) {
  constexpr int L = 8;
  float acc[NO][L] = {};
  const int full = p.depth / L * L;
  for (int d = 0; d < full; d += L)
    for (int j = 0; j < NO; ++j) {
      const float* wr = w + std::size_t(o + j) * p.depth + d;
      for (int l = 0; l < L; ++l) acc[j][l] += x[d + l] * wr[l];
    }
  const Clamp cl = clamp_of(p.act);
  for (int j = 0; j < NO; ++j) {
    float s = ((acc[j][0] + acc[j][4]) + (acc[j][1] + acc[j][5])) +
              ((acc[j][2] + acc[j][6]) + (acc[j][3] + acc[j][7]));
    const float* wr = w + std::size_t(o + j) * p.depth;
    for (int d = full; d < p.depth; ++d) s += x[d] * wr[d];
    if (bias) s += bias[o + j];
    y[o + j] = std::min(std::max(s, cl.lo), cl.hi);
  }
}

void fc_dot_portable(const FcParams& p, const float* in, const float* w, const float* bias,
                     float* out, int o_begin, int o_end) {
  for (int r = 0; r < p.rows; ++r) {
    const float* x = in + std::size_t(r) * p.depth;
    float* y = out + std::size_t(r) * p.outputs;
    int o = o_begin;
    for (; o + 4 <= o_end; o += 4) fc_dot_block<4>(p, x, w, bias, y, o);
    for (; o < o_end; ++o) fc_dot_block<1>(p, x, w, bias, y, o);
  }
}

void unary_portable(UnaryOp op, std::size_t n, const float* in, float* out) {
  if (!unary_vectorized(op, n, in, out))
    for (std::size_t i = 0; i < n; ++i) out[i] = unary_scalar(op, in[i]);
}

}  // namespace

const MicroKernels& portable_micro_kernels() {
  static const MicroKernels k{"opt", gemm_portable, fc_dot_portable, unary_portable, softmax_rows};
  return k;
}

#if !defined(__x86_64__)
const MicroKernels* avx2_micro_kernels() { return nullptr; }
#endif

}  // namespace nilm::runtime::kernels
