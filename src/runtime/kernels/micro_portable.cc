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

// GCC/Clang vector extension: 4 floats, lowered to SSE on x86-64 and NEON on aarch64.
typedef float v4 __attribute__((vector_size(16)));
inline v4 load4(const float* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, v4 v) { std::memcpy(p, &v, sizeof v); }

// Rows per GEMM tile: 2 x 16 columns = 8 accumulators fits SSE2's 16 registers; NEON has 32.
#if defined(__aarch64__)
constexpr int kTileRows = 6;
#else
constexpr int kTileRows = 2;
#endif

// MR rows x one 16-column panel; acc[r][j] += a(r, k) * b(k, j) in k order.
template <int MR>
void gemm_tile(const GemmArgs& g, int row, int panel) {
  const int col0 = panel * kPanel;
  const int cols = std::min(kPanel, g.n - col0);
  alignas(16) float bias[kPanel] = {};
  if (g.bias) std::memcpy(bias, g.bias + col0, std::size_t(cols) * sizeof(float));
  v4 acc[MR][4];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) acc[r][j] = load4(bias + 4 * j);
  const float* bp = g.b_packed + std::size_t(panel) * g.k * kPanel;
  const float* a = g.a + row * g.a_row;
  for (int kk = 0; kk < g.k; ++kk, bp += kPanel) {
    const v4 b0 = load4(bp), b1 = load4(bp + 4), b2 = load4(bp + 8), b3 = load4(bp + 12);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const float av = a[r * g.a_row + kk * g.a_col];
      acc[r][0] += av * b0;
      acc[r][1] += av * b1;
      acc[r][2] += av * b2;
      acc[r][3] += av * b3;
    }
  }
  for (int r = 0; r < MR; ++r) {
    alignas(16) float out[kPanel];
    for (int j = 0; j < 4; ++j) store4(out + 4 * j, acc[r][j]);
    float* c = g.c + (row + r) * g.ldc + col0;
    for (int j = 0; j < cols; ++j) c[j] = std::min(std::max(out[j], g.clamp.lo), g.clamp.hi);
  }
}

template <int MR>
void gemm_rest(const GemmArgs& g, int row, int panel, int rows) {
  if constexpr (MR > 1) {
    if (rows == MR) return gemm_tile<MR>(g, row, panel);
    return gemm_rest<MR - 1>(g, row, panel, rows);
  } else {
    gemm_tile<1>(g, row, panel);
  }
}

void gemm_portable(const GemmArgs& g, int panel_begin, int panel_end) {
  for (int p = panel_begin; p < panel_end; ++p) {
    int i = 0;
    for (; i + kTileRows <= g.m; i += kTileRows) gemm_tile<kTileRows>(g, i, p);
    if (i < g.m) gemm_rest<kTileRows>(g, i, p, g.m - i);
  }
}

// Four outputs at a time share each load of the input row; 8 partial sums per output (two
// vectors) so the loop is vectorized without reassociating floats beyond what the code says.
template <int NO>
void fc_dot_block(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                  int o) {
  v4 acc[NO][2];
#pragma GCC unroll 4
  for (int j = 0; j < NO; ++j) acc[j][0] = acc[j][1] = v4{0, 0, 0, 0};
  const int full = p.depth / 8 * 8;
  for (int d = 0; d < full; d += 8) {
    const v4 x0 = load4(x + d), x1 = load4(x + d + 4);
#pragma GCC unroll 4
    for (int j = 0; j < NO; ++j) {
      const float* wr = w + std::size_t(o + j) * p.depth + d;
      acc[j][0] += x0 * load4(wr);
      acc[j][1] += x1 * load4(wr + 4);
    }
  }
  const Clamp cl = clamp_of(p.act);
  for (int j = 0; j < NO; ++j) {
    const v4 s4 = acc[j][0] + acc[j][1];
    float s = (s4[0] + s4[2]) + (s4[1] + s4[3]);
    const float* wr = w + std::size_t(o + j) * p.depth;
    for (int d = full; d < p.depth; ++d) s += x[d] * wr[d];
    if (bias) s += bias[o + j];
    y[o + j] = std::min(std::max(s, cl.lo), cl.hi);
  }
}

void fc_dot_portable(const FcParams& p, const float* in, const float* w, const float* bias,
                     float* out, int o_begin, int o_end) {
  // Rows innermost: a block of 4 weight rows is read from memory once and reused from cache by
  // every input row (batched windows), instead of streaming all weights once per row.
  int o = o_begin;
  for (; o + 4 <= o_end; o += 4)
    for (int r = 0; r < p.rows; ++r) {
      const float* x = in + std::size_t(r) * p.depth;
      float* y = out + std::size_t(r) * p.outputs;
      fc_dot_block<4>(p, x, w, bias, y, o);
    }
  for (; o < o_end; ++o)
    for (int r = 0; r < p.rows; ++r) {
      const float* x = in + std::size_t(r) * p.depth;
      float* y = out + std::size_t(r) * p.outputs;
      fc_dot_block<1>(p, x, w, bias, y, o);
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
