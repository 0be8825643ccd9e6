// Batch-1 dense layers that skip the weights of inputs at zero (int8, hybrid, int16x8, float32). After a ReLU most inputs of a
// dense layer sit at the quantized zero (the CNN's 9728 -> 1024 layer: 77-87% of them, on real
// windows and random ones alike; 40-54% of its groups of 4), and such an input contributes
// w * (x - zp) = 0, so the weights of a group of 4 inputs all at zero need not be read.
//
// The weights are packed in blocks of up to 256 outputs (int16x8: 128), and within a block group
// by group ([block][k / 4][block width][4] bytes, outputs padded to 16 and depth to 4 with zeros):
// a skipped group is one contiguous run of up to 1 KB, and a listed one is read whole in one pass
// (two passes over half groups made the adjacent-line prefetcher fetch every group twice). Each run, the input is copied once as
// unsigned u = x + c (one or two byte planes) with the list of its groups holding a nonzero u;
// a block's zmm accumulators then take one vpdpbusd per 16 outputs, plane and listed group:
//   D = sum over listed groups of w u = sum over all of w u   (u = 0 adds nothing)
//   sum w (x - zp) = D - (c + zp) sum w,
// exact in int32 (|w| * 255 * k < 2^31 for k <= kSparseMaxDepth), and the epilogue is the
// reference's: int8 requantize_fp32, hybrid_one, int16x8 requantize_f64. c = -zp when every
// x >= zp (then the inputs at the zero point have u = 0 and are skipped), else a constant that
// keeps u in range (128 for int8, 32768 for int16: nothing skipped, still exact).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nilm::runtime::kernels {

constexpr int kSparseBlock = 256;       // outputs per block: 16 panels of 16 (16 zmm accumulators)
constexpr int kSparseBlockS16 = 128;    // int16x8: two planes x 8 panels, a whole group's bytes per pass
constexpr int kSparseMaxDepth = 65536;  // exact int32 plane sums; group indices fit uint16
std::size_t packed_blocks_s8_bytes(int n, int k);
// [n][k] weights into blocks of `block` outputs (packed_blocks_s8_bytes bytes).
void pack_blocks_s8_into(const std::int8_t* w, int n, int k, int block, std::int8_t* dst);

// One run's input: u's byte planes (k rounded up to 64 each), its nonzero groups, and c.
struct SparseInput {
  const std::uint8_t* plane[2] = {nullptr, nullptr};  // int8: u; int16: u >> 8, u & 255
  const std::uint16_t* groups = nullptr;
  int count = 0;
  std::int32_t c = 0;
};
std::size_t sparse_input_bytes(int k);  // scratch of either form
// int8 x with zero point zp (hybrid: the row's offset).
using SparseInputS8Fn = SparseInput (*)(const std::int8_t* x, int k, std::int32_t zp, std::uint8_t* scratch);
// int16 x (zero point 0).
using SparseInputS16Fn = SparseInput (*)(const std::int16_t* x, int k, std::uint8_t* scratch);

// The weights, shared by the three forms: blocks and the sum of each output's weights.
struct SparseWeights {
  int n = 0, k = 0;
  const std::int8_t* blocks = nullptr;  // pack_blocks_s8_into
  const std::int32_t* sums = nullptr;   // n rounded up to 16
  int block = kSparseBlock;             // outputs per block (kSparseBlockS16 for int16x8)
};
// int8 (w8_a8): requantize_fp32(D - (c + zp) sum w + bias), then + out_offset.
struct SparseS8 {
  SparseWeights w;
  std::int32_t zp = 0;                   // the input's zero point
  const std::int32_t* bias = nullptr;    // the file's bias, n rounded up to 16 (zeros if none)
  const float* scale = nullptr;          // requantization scales, n rounded up to 16
  std::int32_t out_offset = 0, act_min = -128, act_max = 127;
};
// Hybrid (w8): hybrid_one of dot - offset sum w = D - (c + offset) sum w.
struct SparseHybrid {
  SparseWeights w;
  const float* w_scales = nullptr;  // n
  const float* bias = nullptr;      // n, or null
  bool scale_first = true;
  float lo = 0, hi = 0;
  std::int32_t offset = 0;  // per run: the row's quantization
  float input_scale = 1;
};
// int16x8 (w8_a16): requantize_f64(256 D(hi) + D(lo) - c sum w + bias) (int64), then + out_offset.
struct SparseS16 {
  SparseWeights w;
  const std::int64_t* bias = nullptr;  // n rounded up to 16
  const double* scale = nullptr;       // n rounded up to 16
  std::int32_t out_offset = 0, act_min = -32768, act_max = 32767;
};
// Outputs [j0, j1) (j0 a multiple of the block: kSparseBlock, int16x8 kSparseBlockS16).
using SparseS8Fn = void (*)(const SparseS8& s, const SparseInput& in, std::int8_t* y, int j0, int j1);
using SparseHybridFn = void (*)(const SparseHybrid& s, const SparseInput& in, float* y, int j0, int j1);
using SparseS16Fn = void (*)(const SparseS16& s, const SparseInput& in, std::int16_t* y, int j0, int j1);

// float32: blocks of up to 256 outputs input by input ([block][k][block width] floats, outputs
// padded to 16), and the inputs equal to 0 skipped (the reference adds their 0 * w). Each output
// sums its other products in increasing input order (FMA), from 0, then the bias and the clamp.
std::size_t packed_blocks_f32_floats(int n, int k);
void pack_blocks_f32_into(const float* w, int n, int k, float* dst);  // dst 64-byte aligned
struct SparseF32 {
  int n = 0, k = 0;
  const float* blocks = nullptr;  // pack_blocks_f32_into
  const float* bias = nullptr;    // n, or null
  float lo = 0, hi = 0;           // the fused activation's clamp
};
// Indices of the nonzero inputs (k <= kSparseMaxDepth), in order; returns how many.
using SparseInputF32Fn = int (*)(const float* x, int k, std::uint16_t* nonzero);
using SparseF32Fn = void (*)(const SparseF32& s, const float* x, const std::uint16_t* nonzero, int count, float* y,
                             int j0, int j1);

// nullptr without AVX-512 F/BW/VNNI (+ DQ for int16, BMI2 for the inputs), or off x86-64; the
// float32 ones need AVX-512 F only.
SparseInputF32Fn sparse_input_f32_avx512();
SparseF32Fn sparse_f32_avx512();
SparseInputS8Fn sparse_input_s8_avx512();
SparseInputS16Fn sparse_input_s16_avx512();
SparseS8Fn sparse_s8_avx512vnni();
SparseHybridFn sparse_hybrid_avx512vnni();
SparseS16Fn sparse_s16_avx512vnni();

}  // namespace nilm::runtime::kernels
