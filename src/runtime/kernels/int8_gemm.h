// The optimized integer GEMM behind CONV_2D and FULLY_CONNECTED (int8 and int16x8): rows of
// activations times weights stored as the file has them ([outputs][depth]: FC [out, in], conv
// OHWI), with TFLite's per-channel requantization fused at the end. Each output is one exact
// integer dot product, so every variant (portable C++, AVX2, AVX-512 VNNI) is bit-identical to
// the reference kernels whatever the tiling or thread split.
//
// The input zero point is folded into a per-output bias at load time:
//   sum_k w[k] * (x[k] + input_offset) + bias = sum_k w[k] * x[k] + (bias + input_offset * sum_k w[k])
// (int32 arithmetic wraps identically on both sides, so the fold is exact).
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {

template <class In, class Acc, class Out>
struct QGemmArgs {
  int m = 0, n = 0, k = 0;
  const In* a = nullptr;            // row i at a + i * a_row
  std::ptrdiff_t a_row = 0;
  const std::int8_t* b = nullptr;   // [n][k]
  const Acc* bias = nullptr;        // [n], input offset folded in (never null)
  const std::int32_t* row_bias = nullptr;  // [m] added per row (BATCH_MATMUL's rhs zero point), or null
  const std::int32_t* b_sums = nullptr;  // [n] sum of each weight row (the VNNI kernel needs it)
  const QuantizedMultiplier* mult = nullptr;
  int mult_count = 1;               // 1 (per tensor) or n
  // The same multipliers expanded to n entries as arrays (vectorized requantization):
  // multiplier, left shift max(shift, 0), right shift max(-shift, 0).
  const std::int32_t* q_mult = nullptr;
  const std::int32_t* q_left = nullptr;
  const std::int32_t* q_right = nullptr;
  // int8 only: when set, XNNPACK's float32 requantization (requantize_fp32) with these
  // per-output scales (n entries, padded to whole panels) replaces the fixed-point multipliers.
  const float* f_scale = nullptr;
  // int16x8 only: when set, TFLite's double requantization (requantize_f64) with these scales.
  const double* d_scale = nullptr;
  std::int32_t out_offset = 0, act_min = 0, act_max = 0;
  // Weights packed by pack_panels_s8 (the packed kernels read only these): set by convolutions.
  const std::int8_t* b_packed = nullptr;
  const std::int16_t* b_packed16 = nullptr;  // pack_panels_s16, for the int16x8 packed kernel
  // Weights packed by pack_panels_s8_flipped (the tiled VNNI kernel reads only these).
  const std::int8_t* b_flipped = nullptr;
  Out* c = nullptr;                 // row i, output j at c + i * ldc + j
  std::ptrdiff_t ldc = 0;
};
using QGemmS8Args = QGemmArgs<std::int8_t, std::int32_t, std::int8_t>;
using QGemmS16Args = QGemmArgs<std::int16_t, std::int64_t, std::int16_t>;

// Computes outputs [n_begin, n_end) of every row.
using QGemmS8Fn = void (*)(const QGemmS8Args&, int n_begin, int n_end);
using QGemmS16Fn = void (*)(const QGemmS16Args&, int n_begin, int n_end);

void qgemm_s8_portable(const QGemmS8Args& g, int n_begin, int n_end);
void qgemm_s16_portable(const QGemmS16Args& g, int n_begin, int n_end);
// nullptr where the CPU or the build lacks the instructions.
QGemmS8Fn qgemm_s8_avx2();
QGemmS8Fn qgemm_s8_avx512vnni();
QGemmS16Fn qgemm_s16_avx2();
QGemmS16Fn qgemm_s16_avx512();  // AVX-512 F, BW, DQ, VL (dense rows, vectorized int64 requantization)

// Packed-panel variants for many rows of a short depth (convolutions): weights repacked once
// into panels of 16 outputs x 4 depth bytes (pack_panels_s8; depth padded to a multiple of 4,
// outputs to a multiple of 16, with zeros), so each 4-byte group of an activation row is
// broadcast against 16 outputs at once and no horizontal sums are needed. The expanded
// multiplier arrays (q_mult ...) must cover n rounded up to 16. Outputs [n_begin, n_end) must
// start at a multiple of 16.
constexpr int kPanelS8 = 16;
std::vector<std::int8_t> pack_panels_s8(const std::int8_t* w, int n, int k);
// The same into `dst` (packed_panels_s8_bytes(n, k) bytes) from any layout: element (j, t) at
// src[j * stride_n + t * stride_k] (BATCH_MATMUL packs its right-hand side per run).
std::size_t packed_panels_s8_bytes(int n, int k);
void pack_panels_s8_into(const std::int8_t* src, int n, int k, std::ptrdiff_t stride_n, std::ptrdiff_t stride_k,
                         std::int8_t* dst);
QGemmS8Fn qgemm_s8_packed_avx2();
QGemmS8Fn qgemm_s8_packed_avx512vnni();
// Register-tiled AVX-512 VNNI GEMM for many rows of a dense layer (the transformer's tokens):
// tiles of up to 8 rows x 32 outputs (16 zmm accumulators, so vpdpbusd's latency is hidden),
// each 4-byte group of an activation row broadcast straight from memory. The weights are the
// unsigned operand: panels as pack_panels_s8 lays them out but each byte w + 128 (w ^ 0x80;
// padding stays 0), so the activations need no per-element flip and
//   sum_t (w + 128) x = sum_t w x + 128 sum_t x
// is corrected per row with the row's byte sum (exact in wrapping int32, as the reference).
// Works for any int8 weights and activations (-128 included). Outputs [n_begin, n_end) must
// start at a multiple of 16.
std::vector<std::int8_t> pack_panels_s8_flipped(const std::int8_t* w, int n, int k);
// The same into `dst` (packed_panels_s8_bytes(n, k) bytes), element (j, t) at src[j * stride_n + t * stride_k].
void pack_panels_s8_flipped_into(const std::int8_t* src, int n, int k, std::ptrdiff_t stride_n,
                                 std::ptrdiff_t stride_k, std::int8_t* dst);
QGemmS8Fn qgemm_s8_tiled_avx512vnni();  // reads b_flipped (nullptr without AVX-512 VNNI)
// int16x8 on the same tiles and packed weights (int16_fc_vnni_tiled.cc): each activation split
// exactly into two int8 planes, both against b_flipped, combined in int64; d_scale (double)
// requantization only, depth <= kTiledS16MaxDepth (the planes' int32 sums stay exact). Reads
// b_flipped, b_sums and bias; nullptr without AVX-512 (F, BW, DQ, VL, VNNI) and BMI2.
constexpr int kTiledS16MaxDepth = 65536;
QGemmS16Fn qgemm_s16_tiled_avx512vnni();

// int16x8: panels of 16 outputs x 2 depth values widened to int16 (vpmaddwd pairs).
std::vector<std::int16_t> pack_panels_s16(const std::int8_t* w, int n, int k);
QGemmS16Fn qgemm_s16_packed_avx2();
QGemmS16Fn qgemm_s16_packed_avx512();  // the same panels, AVX-512 (F, DQ) requantization

// Folded biases and weight-row sums of weights [n][k] (bias may be null).
template <class Acc, class Bias>
void fold_input_offset(const std::int8_t* w, int n, int k, const Bias* bias, std::int32_t input_offset,
                       std::vector<Acc>& folded, std::vector<std::int32_t>& sums) {
  folded.assign(std::size_t(n), 0);
  sums.assign(std::size_t(n), 0);
  for (int j = 0; j < n; ++j) {
    std::int32_t s = 0;
    for (int t = 0; t < k; ++t) s += w[std::size_t(j) * k + t];
    sums[std::size_t(j)] = s;
    // wrapping int32 arithmetic for the int8 path (the reference's int32 accumulator wraps too)
    const Acc b = bias ? Acc(bias[j]) : Acc(0);
    folded[std::size_t(j)] = Acc(static_cast<std::make_unsigned_t<Acc>>(b) +
                                 static_cast<std::make_unsigned_t<Acc>>(Acc(input_offset) * Acc(s)));
  }
}

// Hybrid (dynamic range): int8 activations quantized per run (one scale and offset for all m
// rows of a call), int8 weights, float output:
//   acc = sum_k w[j][k] * (x[k] - input_offset)
//   y = float(acc) * (input_scale * w_scales[j])   (scale_first: FULLY_CONNECTED, per-tensor conv)
//   y = float(acc) * w_scales[j] * input_scale     (otherwise: per-channel CONV_2D)
//   y += bias[j]; clamped to [lo, hi]
// exactly as the hybrid reference kernels (int_reference.h) compute it.
struct HybridS8Args {
  int m = 0, n = 0, k = 0;
  const std::int8_t* a = nullptr;
  std::ptrdiff_t a_row = 0;
  const std::int8_t* b = nullptr;
  const std::int8_t* b_packed = nullptr;
  const std::int32_t* b_sums = nullptr;
  const float* w_scales = nullptr;  // n entries (padded to 16 for the packed variants)
  const float* bias = nullptr;      // may be null
  std::int32_t input_offset = 0;
  float input_scale = 1;
  // Per-row offsets and scales (m entries) replacing input_offset / input_scale: read only by
  // the tiled kernel (hybrid_s8_tiled_avx512vnni), which takes every row of a layer in one call.
  const std::int32_t* row_offsets = nullptr;
  const float* row_scales = nullptr;
  const std::int8_t* b_flipped = nullptr;  // pack_panels_s8_flipped (tiled kernel)
  bool scale_first = true;
  float lo = 0, hi = 0;
  float* c = nullptr;
  std::ptrdiff_t ldc = 0;
};
using HybridS8Fn = void (*)(const HybridS8Args&, int n_begin, int n_end);
void hybrid_s8_portable(const HybridS8Args& g, int n_begin, int n_end);
HybridS8Fn hybrid_s8_avx2();
HybridS8Fn hybrid_s8_avx512vnni();
HybridS8Fn hybrid_s8_packed_avx2();
HybridS8Fn hybrid_s8_packed_avx512vnni();
HybridS8Fn hybrid_s8_tiled_avx512vnni();  // reads b_flipped and the per-row arrays when set

// AVX-512 forms of symmetric_quantize_floats / asymmetric_quantize_floats (int_reference.h),
// bit-identical (the hybrid layers' per-row input quantization); nullptrs without AVX-512 F/BW.
struct RowQuantizers {
  float (*symmetric)(const float* x, std::size_t n, std::int8_t* q) = nullptr;
  float (*asymmetric)(const float* x, std::size_t n, std::int8_t* q, std::int32_t& offset) = nullptr;
};
RowQuantizers row_quantizers_avx512();

inline float hybrid_one(const HybridS8Args& g, int j, std::int32_t dot) {
  const float a = float(dot - g.input_offset * g.b_sums[j]);
  float v = g.scale_first ? a * (g.input_scale * g.w_scales[j]) : a * g.w_scales[j] * g.input_scale;
  if (g.bias) v = g.bias[j] + v;
  return v < g.lo ? g.lo : (v > g.hi ? g.hi : v);
}

// Float requantization scales (one, or one per output) expanded to n rounded up to whole panels.
inline std::vector<float> padded_float_scales(const std::vector<float>& f, int n) {
  std::vector<float> out;
  for (int j = 0; j < (n + kPanelS8 - 1) / kPanelS8 * kPanelS8; ++j)
    out.push_back(f[f.size() == 1 ? 0 : std::size_t(std::min(j, n - 1))]);
  return out;
}

inline std::vector<double> padded_double_scales(const std::vector<double>& f, int n) {
  std::vector<double> out;
  for (int j = 0; j < (n + kPanelS8 - 1) / kPanelS8 * kPanelS8; ++j)
    out.push_back(f[f.size() == 1 ? 0 : std::size_t(std::min(j, n - 1))]);
  return out;
}

// Per-output multiplier arrays for QGemmArgs::q_mult / q_left / q_right.
struct ExpandedMultipliers {
  std::vector<std::int32_t> mult, left, right;
  ExpandedMultipliers() = default;
  ExpandedMultipliers(const std::vector<QuantizedMultiplier>& m, int n) {
    const int padded = (n + kPanelS8 - 1) / kPanelS8 * kPanelS8;  // packed kernels read whole panels
    for (int j = 0; j < padded; ++j) {
      const QuantizedMultiplier& q = m[m.size() == 1 ? 0 : std::size_t(std::min(j, n - 1))];
      mult.push_back(q.multiplier);
      left.push_back(q.shift > 0 ? q.shift : 0);
      right.push_back(q.shift > 0 ? 0 : -q.shift);
    }
  }
  template <class Args>
  void attach(Args& g) const {
    g.q_mult = mult.data();
    g.q_left = left.data();
    g.q_right = right.data();
  }
};

// Requantizes one accumulator (shared by every variant: the same arithmetic as the reference).
template <class Acc>
inline std::int32_t requantize_one(Acc acc, const QuantizedMultiplier& m, std::int32_t out_offset,
                                   std::int32_t lo, std::int32_t hi) {
  const std::int32_t v = multiply_by_quantized_multiplier(acc, m) + out_offset;
  return v < lo ? lo : (v > hi ? hi : v);
}
// Output j's requantization as the args say (float scales or fixed-point multipliers).
template <class Args, class Acc>
inline std::int32_t requantize_output(const Args& g, int j, Acc acc) {
  if constexpr (std::is_same_v<Acc, std::int32_t>) {
    if (g.f_scale) return requantize_fp32(acc, g.f_scale[j], g.out_offset, g.act_min, g.act_max);
  } else {
    if (g.d_scale) return requantize_f64(acc, g.d_scale[j], g.out_offset, g.act_min, g.act_max);
  }
  return requantize_one(acc, g.mult[g.mult_count == 1 ? 0 : j], g.out_offset, g.act_min, g.act_max);
}

}  // namespace nilm::runtime::kernels
