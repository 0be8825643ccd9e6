// AArch64 NEON int16x8 GEMM (w8_a16: int16 activations x int8 weights, int64 accumulators) over
// the file's [n][k] weights, for FULLY_CONNECTED and CONV_2D. Baseline NEON only (SMLAL), so it
// runs on every AArch64 core; elsewhere the getter returns nullptr.
//
// Exact: each int16 x int8 product is at most 2^22 in magnitude, so a block of 256 products summed
// in int32 lanes (and then across lanes) stays below 2^30; blocks are added in int64 and then
// requantized with the shared requantize_one(), as the reference does.
#include "runtime/kernels/int8_gemm_dotprod.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace nilm::runtime::kernels {
namespace {

constexpr int kBlock = 256;  // products per int32 partial sum (a multiple of 8)

// NO outputs j.. of one activation row x: 8 depth values per step, two SMLAL chains per output.
template <int NO>
void dot_rows_s16(const QGemmS16Args& g, const std::int16_t* x, int j, std::int64_t* out) {
  const int k = g.k;
  const std::int8_t* w[NO];
  for (int o = 0; o < NO; ++o) {
    w[o] = g.b + std::size_t(j + o) * k;
    out[o] = 0;
  }
  for (int t0 = 0; t0 < k; t0 += kBlock) {
    const int t1 = k - t0 < kBlock ? k : t0 + kBlock;
    int32x4_t lo[NO], hi[NO];
    for (int o = 0; o < NO; ++o) lo[o] = hi[o] = vdupq_n_s32(0);
    int t = t0;
    for (; t + 8 <= t1; t += 8) {
      const int16x8_t xv = vld1q_s16(x + t);
#pragma GCC unroll 4
      for (int o = 0; o < NO; ++o) {
        const int16x8_t wv = vmovl_s8(vld1_s8(w[o] + t));
        lo[o] = vmlal_s16(lo[o], vget_low_s16(xv), vget_low_s16(wv));
        hi[o] = vmlal_high_s16(hi[o], xv, wv);
      }
    }
    for (int o = 0; o < NO; ++o) {
      std::int32_t s = vaddvq_s32(vaddq_s32(lo[o], hi[o]));
      for (int u = t; u < t1; ++u) s += std::int32_t{x[u]} * std::int32_t{w[o][u]};
      out[o] += s;
    }
  }
}

inline std::int16_t finish_s16(const QGemmS16Args& g, int j, std::int64_t dot) {
  return static_cast<std::int16_t>(requantize_output(g, j, std::int64_t{g.bias[j] + dot}));
}

void qgemm_s16_rows(const QGemmS16Args& g, int n_begin, int n_end) {
  // Rows innermost: 4 weight rows are read from memory once for all activation rows.
  int j = n_begin;
  std::int64_t d[4];
  for (; j + 4 <= n_end; j += 4)
    for (int i = 0; i < g.m; ++i) {
      dot_rows_s16<4>(g, g.a + i * g.a_row, j, d);
      std::int16_t* c = g.c + i * g.ldc + j;
      for (int o = 0; o < 4; ++o) c[o] = finish_s16(g, j + o, d[o]);
    }
  for (; j < n_end; ++j)
    for (int i = 0; i < g.m; ++i) {
      dot_rows_s16<1>(g, g.a + i * g.a_row, j, d);
      g.c[i * g.ldc + j] = finish_s16(g, j, d[0]);
    }
}

}  // namespace

QGemmS16Fn qgemm_s16_neon() { return &qgemm_s16_rows; }

}  // namespace nilm::runtime::kernels

#else  // not AArch64

namespace nilm::runtime::kernels {
QGemmS16Fn qgemm_s16_neon() { return nullptr; }
}  // namespace nilm::runtime::kernels

#endif
