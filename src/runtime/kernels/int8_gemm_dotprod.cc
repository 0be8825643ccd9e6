// AArch64 SDOT variants of the int8 GEMM. On AArch64 this translation unit alone is compiled
// with -march=armv8-a+dotprod (src/runtime/CMakeLists.txt); the getters hand the kernels out
// only when getauxval(AT_HWCAP) reports the instructions (cpu_dotprod), so Cortex-A53/A72 class
// cores keep the portable kernels. Elsewhere the getters return nullptr.
//
// Bit-exact by construction: each output is the exact int32 dot product (SDOT sums four int8 x
// int8 products into an int32 lane; the order of integer additions does not matter), then the
// shared requantize_one() (int8) or hybrid_one() (float) arithmetic the reference uses.
#include "runtime/kernels/int8_gemm_dotprod.h"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

#include <cstring>

namespace nilm::runtime::kernels {
namespace {

// What becomes of output j's dot product: int8 requantization (w8_a8) or the hybrid float
// scaling (w8), each exactly as the reference computes it.
inline std::int8_t finish(const QGemmS8Args& g, int j, std::int32_t dot) {
  // bias + dot wraps as the reference's int32 accumulator does
  const auto acc = static_cast<std::int32_t>(static_cast<std::uint32_t>(g.bias[j]) + static_cast<std::uint32_t>(dot));
  return static_cast<std::int8_t>(
      requantize_one(acc, g.mult[g.mult_count == 1 ? 0 : j], g.out_offset, g.act_min, g.act_max));
}
inline float finish(const HybridS8Args& g, int j, std::int32_t dot) { return hybrid_one(g, j, dot); }

// ---- rows over [n][k] weights: NO outputs of one activation row, 32 depth bytes per step in
// two accumulators per output (independent SDOT chains), then 16, then scalar.
template <int NO, class Args>
void dot_rows(const Args& g, const std::int8_t* x, int j, std::int32_t* out) {
  const int k = g.k;
  const std::int8_t* w[NO];
  int32x4_t acc0[NO], acc1[NO];
  for (int o = 0; o < NO; ++o) {
    w[o] = g.b + std::size_t(j + o) * k;
    acc0[o] = acc1[o] = vdupq_n_s32(0);
  }
  int t = 0;
  for (; t + 32 <= k; t += 32) {
    const int8x16_t x0 = vld1q_s8(x + t), x1 = vld1q_s8(x + t + 16);
#pragma GCC unroll 4
    for (int o = 0; o < NO; ++o) {
      acc0[o] = vdotq_s32(acc0[o], x0, vld1q_s8(w[o] + t));
      acc1[o] = vdotq_s32(acc1[o], x1, vld1q_s8(w[o] + t + 16));
    }
  }
  if (t + 16 <= k) {
    const int8x16_t x0 = vld1q_s8(x + t);
    for (int o = 0; o < NO; ++o) acc0[o] = vdotq_s32(acc0[o], x0, vld1q_s8(w[o] + t));
    t += 16;
  }
  for (int o = 0; o < NO; ++o) {
    std::int32_t s = vaddvq_s32(vaddq_s32(acc0[o], acc1[o]));
    for (int u = t; u < k; ++u) s += std::int32_t{x[u]} * std::int32_t{w[o][u]};
    out[o] = s;
  }
}

template <class Args>
void gemm_rows(const Args& g, int n_begin, int n_end) {
  // Rows innermost: 4 weight rows are read from memory once for all activation rows.
  int j = n_begin;
  std::int32_t d[4];
  for (; j + 4 <= n_end; j += 4)
    for (int i = 0; i < g.m; ++i) {
      dot_rows<4>(g, g.a + i * g.a_row, j, d);
      auto* c = g.c + i * g.ldc + j;
      for (int o = 0; o < 4; ++o) c[o] = finish(g, j + o, d[o]);
    }
  for (; j < n_end; ++j)
    for (int i = 0; i < g.m; ++i) {
      dot_rows<1>(g, g.a + i * g.a_row, j, d);
      g.c[i * g.ldc + j] = finish(g, j, d[0]);
    }
}

// ---- packed panels: pack_panels_s8 stores, per panel of 16 outputs and per group of 4 depth
// bytes, 64 bytes = output o's 4 bytes at o * 4. Four consecutive int8x16 loads are outputs
// 0-3, 4-7, 8-11, 12-15, and vdotq_laneq_s32(acc, w, a, L) adds group L of the 16 activation
// bytes in `a` to each output's lane.

template <int MR, int L>
inline void group_step(int32x4_t (&acc)[MR][4], const std::int8_t* bp, const int8x16_t (&av)[MR]) {
  const int8x16_t w0 = vld1q_s8(bp + L * 64), w1 = vld1q_s8(bp + L * 64 + 16),
                  w2 = vld1q_s8(bp + L * 64 + 32), w3 = vld1q_s8(bp + L * 64 + 48);
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = vdotq_laneq_s32(acc[r][0], w0, av[r], L);
    acc[r][1] = vdotq_laneq_s32(acc[r][1], w1, av[r], L);
    acc[r][2] = vdotq_laneq_s32(acc[r][2], w2, av[r], L);
    acc[r][3] = vdotq_laneq_s32(acc[r][3], w3, av[r], L);
  }
}

template <int MR, class Args>
void packed_tile(const Args& g, int row, int panel, int n_end) {
  const int groups = (g.k + 3) / 4;
  const std::int8_t* bp = g.b_packed + std::size_t(panel) * groups * kPanelS8 * 4;
  const std::int8_t* a[MR];
  int32x4_t acc[MR][4];
  for (int r = 0; r < MR; ++r) {
    a[r] = g.a + (row + r) * g.a_row;
    for (int q = 0; q < 4; ++q) acc[r][q] = vdupq_n_s32(0);
  }
  const int full = g.k / 16 * 16;  // depth bytes read 16 at a time straight from each row
  int8x16_t av[MR];
  for (int t = 0; t < full; t += 16, bp += 4 * 64) {
    for (int r = 0; r < MR; ++r) av[r] = vld1q_s8(a[r] + t);
    group_step<MR, 0>(acc, bp, av);
    group_step<MR, 1>(acc, bp, av);
    group_step<MR, 2>(acc, bp, av);
    group_step<MR, 3>(acc, bp, av);
  }
  if (full < g.k) {  // the last 1-15 bytes, zero-padded (the packed weights are zero there too)
    const int rest = g.k - full;
    for (int r = 0; r < MR; ++r) {
      alignas(16) std::int8_t tmp[16] = {};
      std::memcpy(tmp, a[r] + full, std::size_t(rest));
      av[r] = vld1q_s8(tmp);
    }
    group_step<MR, 0>(acc, bp, av);
    if (rest > 4) group_step<MR, 1>(acc, bp, av);
    if (rest > 8) group_step<MR, 2>(acc, bp, av);
    if (rest > 12) group_step<MR, 3>(acc, bp, av);
  }
  const int j0 = panel * kPanelS8;
  const int cols = n_end - j0 < kPanelS8 ? n_end - j0 : kPanelS8;
  for (int r = 0; r < MR; ++r) {
    std::int32_t d[kPanelS8];
    for (int q = 0; q < 4; ++q) vst1q_s32(d + 4 * q, acc[r][q]);
    auto* c = g.c + (row + r) * g.ldc + j0;
    for (int o = 0; o < cols; ++o) c[o] = finish(g, j0 + o, d[o]);
  }
}

template <class Args>
void gemm_packed(const Args& g, int n_begin, int n_end) {
  // Panels outer: one panel's weights (k x 16 bytes) stay in L1 while the rows stream past.
  for (int p = n_begin / kPanelS8; p * kPanelS8 < n_end; ++p) {
    int i = 0;
    for (; i + 4 <= g.m; i += 4) packed_tile<4>(g, i, p, n_end);
    switch (g.m - i) {
      case 3: packed_tile<3>(g, i, p, n_end); break;
      case 2: packed_tile<2>(g, i, p, n_end); break;
      case 1: packed_tile<1>(g, i, p, n_end); break;
      default: break;
    }
  }
}

bool has_dotprod() { return (detect_cpu_features() & cpu_dotprod) != 0; }

}  // namespace

QGemmS8Fn qgemm_s8_neon_dotprod() { return has_dotprod() ? &gemm_rows<QGemmS8Args> : nullptr; }
QGemmS8Fn qgemm_s8_packed_neon_dotprod() { return has_dotprod() ? &gemm_packed<QGemmS8Args> : nullptr; }
HybridS8Fn hybrid_s8_neon_dotprod() { return has_dotprod() ? &gemm_rows<HybridS8Args> : nullptr; }
HybridS8Fn hybrid_s8_packed_neon_dotprod() { return has_dotprod() ? &gemm_packed<HybridS8Args> : nullptr; }

}  // namespace nilm::runtime::kernels

#else  // not AArch64, or built without +dotprod

namespace nilm::runtime::kernels {
QGemmS8Fn qgemm_s8_neon_dotprod() { return nullptr; }
QGemmS8Fn qgemm_s8_packed_neon_dotprod() { return nullptr; }
HybridS8Fn hybrid_s8_neon_dotprod() { return nullptr; }
HybridS8Fn hybrid_s8_packed_neon_dotprod() { return nullptr; }
}  // namespace nilm::runtime::kernels

#endif
