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
  return static_cast<std::int8_t>(requantize_output(g, j, acc));
}
inline float finish(const HybridS8Args& g, int j, std::int32_t dot) { return hybrid_one(g, j, dot); }

// Lanes [0, count) of p (count <= 4), zeros beyond: per-output arrays hold exactly n entries.
template <class T>
inline void load_lanes(const T* p, int count, T (&lanes)[4]) {
  for (int o = 0; o < 4; ++o) lanes[o] = o < count ? p[o] : T(0);
}
inline int32x4_t load4(const std::int32_t* p, int count) {
  if (count == 4) return vld1q_s32(p);
  std::int32_t lanes[4];
  load_lanes(p, count, lanes);
  return vld1q_s32(lanes);
}
inline float32x4_t load4(const float* p, int count) {
  if (count == 4) return vld1q_f32(p);
  float lanes[4];
  load_lanes(p, count, lanes);
  return vld1q_f32(lanes);
}

// Lanes [0, count) of v (values already in [-128, 127]) as int8 at out.
inline void store4(int32x4_t v, std::int8_t* out, int count) {
  const int8x8_t narrow = vmovn_s16(vcombine_s16(vmovn_s32(v), vdup_n_s16(0)));
  if (count == 4) {
    vst1_lane_s32(reinterpret_cast<std::int32_t*>(out), vreinterpret_s32_s8(narrow), 0);  // unaligned ok
  } else {
    std::int8_t tmp[8];
    vst1_s8(tmp, narrow);
    std::memcpy(out, tmp, std::size_t(count));
  }
}

// The same for `count` (<= 4) consecutive outputs j.. at once, lane for lane the scalar arithmetic:
// TFLite's NEON requantization (as gemmlowp writes it) is exact: SQRDMULH is
// SaturatingRoundingDoublingHighMul (halves up, INT32_MIN^2 saturating), and a rounding right
// shift of x plus (x < 0 ? -1 : 0) (saturating add) rounds halves away from zero as
// RoundingDivideByPOT does. The per-output multiplier arrays are padded to whole panels.
inline void finish4(const QGemmS8Args& g, int j, int32x4_t dot, std::int8_t* out, int count) {
  const int32x4_t acc = vreinterpretq_s32_u32(vaddq_u32(vreinterpretq_u32_s32(load4(g.bias + j, count)),
                                                        vreinterpretq_u32_s32(dot)));  // wraps
  if (g.f_scale) {
    // XNNPACK's float requantization: clamp in float, FCVTNS rounds to nearest even, plus zp
    float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), load4(g.f_scale + j, count));
    f = vminq_f32(vmaxq_f32(f, vdupq_n_f32(float(g.act_min - g.out_offset))), vdupq_n_f32(float(g.act_max - g.out_offset)));
    const int32x4_t v = vaddq_s32(vcvtnq_s32_f32(f), vdupq_n_s32(g.out_offset));
    store4(v, out, count);
    return;
  }
  const int32x4_t shifted = vshlq_s32(acc, load4(g.q_left + j, count));
  const int32x4_t high = vqrdmulhq_s32(shifted, load4(g.q_mult + j, count));
  const int32x4_t right = vnegq_s32(load4(g.q_right + j, count));
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(high, right), 31);
  int32x4_t v = vrshlq_s32(vqaddq_s32(high, fixup), right);
  v = vaddq_s32(v, vdupq_n_s32(g.out_offset));
  v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(g.act_min)), vdupq_n_s32(g.act_max));
  store4(v, out, count);
}

// Hybrid: float(dot - offset * sum) times the scales in the reference's order, plus the bias,
// clamped with compare-and-select (as the scalar ternaries: max/min would turn -0 into +0).
inline void finish4(const HybridS8Args& g, int j, int32x4_t dot, float* out, int count) {
  const int32x4_t centred = vsubq_s32(dot, vmulq_n_s32(load4(g.b_sums + j, count), g.input_offset));
  const float32x4_t a = vcvtq_f32_s32(centred), scales = load4(g.w_scales + j, count);
  float32x4_t v = g.scale_first ? vmulq_f32(a, vmulq_n_f32(scales, g.input_scale))
                                : vmulq_n_f32(vmulq_f32(a, scales), g.input_scale);
  if (g.bias) v = vaddq_f32(load4(g.bias + j, count), v);
  const float32x4_t lo = vdupq_n_f32(g.lo), hi = vdupq_n_f32(g.hi);
  v = vbslq_f32(vcltq_f32(v, lo), lo, v);
  v = vbslq_f32(vcgtq_f32(v, hi), hi, v);
  if (count == 4) {
    vst1q_f32(out, v);
  } else {
    float tmp[4];
    vst1q_f32(tmp, v);
    std::memcpy(out, tmp, std::size_t(count) * sizeof(float));
  }
}

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
      finish4(g, j, vld1q_s32(d), g.c + i * g.ldc + j, 4);
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
    auto* c = g.c + (row + r) * g.ldc + j0;
    for (int q = 0; q < 4 && 4 * q < cols; ++q)
      finish4(g, j0 + 4 * q, acc[r][q], c + 4 * q, cols - 4 * q < 4 ? cols - 4 * q : 4);
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
