// A direct 1-D int8 convolution for AVX-512 VNNI (CONV_2D with one input row, no dilation: the
// seq2point CNN's layers). Each call copies the input positions its output rows read into
// scratch once, as unsigned bytes (x + 128) with the input zero point where the window
// overhangs, so every row's patch is k_w * in_c contiguous bytes read in place (no im2col), and
// then runs register tiles of up to 64 outputs (four 16-output panels) x up to 16 rows: per
// 4-byte depth group, one 64-byte weight load per panel and one 4-byte broadcast per row feed
// panels x rows vpdpbusd. The epilogue is XNNPACK's float requantization (requantize_fp32) in
// registers, so the result is bit-identical to conv2d_s8_ref with float scales.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nilm::runtime::kernels {

struct Conv1dS8 {
  int in_w = 0, in_c = 0, out_w = 0, out_c = 0, k_w = 1, stride = 1, pad_left = 0;
  const std::int8_t* packed = nullptr;  // pack_panels_s8(w, out_c, k_w * in_c)
  // out_c rounded up to 16 entries: the bias with the input offset folded in, minus 128 * sum(w)
  // (the unsigned-input correction), so the accumulator starts from it.
  const std::int32_t* bias = nullptr;
  const float* scale = nullptr;  // requantization scales, out_c rounded up to 16 entries
  std::int8_t pad = 0;           // the input zero point: overhanging window elements
  std::int32_t out_offset = 0, act_min = -128, act_max = 127;
};

// Output positions per call the scratch is sized for (conv1d_s8_scratch_bytes).
constexpr int kConv1dRowBlock = 48;
// The deepest patch (k_w * in_c) the int8 and hybrid forms take (callers check).
constexpr int kConv1dMaxDepth = 1 << 22;
// Scratch bytes of one call over up to `rows` output positions.
std::size_t conv1d_s8_scratch_bytes(const Conv1dS8& c, int rows);
// Output positions [r0, r1) x channels [j0, j1) of one image (in: [in_w][in_c], out:
// [out_w][out_c]); j0 a multiple of 16, r1 - r0 <= the rows the scratch was sized for.
using Conv1dS8Fn = void (*)(const Conv1dS8& c, const std::int8_t* in, std::int8_t* out, int r0, int r1, int j0,
                            int j1, std::uint8_t* scratch);
Conv1dS8Fn conv1d_s8_avx512vnni();  // nullptr without AVX-512 F/BW/VNNI or off x86-64

// The hybrid (w8) form: the image quantized per run to int8 with `input_offset` / `input_scale`,
// float outputs computed as hybrid_one (int8_gemm.h) does, bit for bit:
//   acc = sum w * (x - input_offset); y = acc * (input_scale * w_scale) (scale_first) or
//   acc * w_scale * input_scale; y = bias + y; clamped to [lo, hi].
struct Conv1dHybrid {
  Conv1dS8 rows;  // geometry, packed weights; pad = the image's offset (bias, scale, out_*: unused)
  const std::int32_t* sums = nullptr;      // sum of each weight row, out_c rounded up to 16 entries
  const float* w_scales = nullptr;         // out_c rounded up to 16 entries
  const float* bias = nullptr;             // out_c entries, or null
  bool scale_first = true;
  float lo = 0, hi = 0;
  std::int32_t input_offset = 0;           // per image
  float input_scale = 1;
};
using Conv1dHybridFn = void (*)(const Conv1dHybrid& h, const std::int8_t* in, float* out, int r0, int r1, int j0,
                                int j1, std::uint8_t* scratch);
Conv1dHybridFn conv1d_hybrid_avx512vnni();

// int16x8 (w8_a16): int16 activations x int8 weights widened to int16 (pack_panels_s16: 16-output
// panels of depth pairs), vpdpwssd pairs into int32 lanes, then TFLite's int64
// MultiplyByQuantizedMultiplier (multiplier reduced to 15 bits), as conv2d_s16s8_ref. Where
// every output's |bias| + 32768 * sum |w| < 2^31 (conv1d_s16_fits_int32: real layers) the lanes
// start from the bias and are requantized 16 at a time; otherwise they are flushed into int64
// every 255 pairs (exact: a pair is at most 2 * 32768 * 128 in magnitude) and the int64 bias added.
struct Conv1dS16 {
  int in_w = 0, in_c = 0, out_w = 0, out_c = 0, k_w = 1, stride = 1, pad_left = 0;
  const std::int16_t* packed = nullptr;  // pack_panels_s16(w, out_c, k_w * in_c)
  const std::int64_t* bias = nullptr;    // out_c rounded up to 16, the input offset folded in
  const std::int32_t* bias32 = nullptr;  // the same as int32 where the accumulators fit, or null
  // ExpandedMultipliers (int8_gemm.h): multiplier, left and right shift, out_c rounded up to 16
  const std::int32_t* q_mult = nullptr;
  const std::int32_t* q_left = nullptr;
  const std::int32_t* q_right = nullptr;
  std::int16_t pad = 0;  // the input zero point
  std::int32_t out_offset = 0, act_min = -32768, act_max = 32767;
};
std::size_t conv1d_s16_scratch_bytes(const Conv1dS16& c, int rows);
// Whether every output's accumulator (bias plus any int16 input times the [out_c][depth]
// weights) fits int32, so the kernel may take bias32.
bool conv1d_s16_fits_int32(const std::int8_t* w, int out_c, int depth, const std::int64_t* bias);
using Conv1dS16Fn = void (*)(const Conv1dS16& c, const std::int16_t* in, std::int16_t* out, int r0, int r1, int j0,
                             int j1, std::uint8_t* scratch);
Conv1dS16Fn conv1d_s16_avx512vnni();  // nullptr without AVX-512 F/BW/DQ/VNNI or off x86-64

}  // namespace nilm::runtime::kernels
