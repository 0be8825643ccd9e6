// int16 x int16 -> int16 BATCH_MATMUL for x86 AVX-512 VNNI, bit-identical to
// batch_matmul_s16_ref (int_reference.h): the exact int64 sum of products, then TFLite's
// 64-bit MultiplyByQuantizedMultiplier, clamp.
//
// Why the sums are exact: vpdpwssd adds two int16 x int16 products into an int32 lane, and
// such products reach 2^30, so int32 lanes cannot hold a long sum. The right-hand side is split
// into bytes, y = 256 hi + lo (hi in [-128, 127], lo in [0, 255]); sum x hi and sum x lo stay
// below 2^31 for 128 pairs (128 * 2 * 32768 * 255 < 2^31), then are widened and folded into
// int64 (256 hi + lo) every 128 pairs. Two VNNI instructions per 32 multiply-adds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {

constexpr int kPanelS16 = 16;  // columns per packed panel

// Bytes of a [k x n] right-hand side packed in panels of 16 columns: per pair of rows (t, t+1)
// the hi bytes then the lo bytes of the 16 columns, interleaved by pair (k padded to even,
// n to 16, with zeros).
std::size_t packed_s16_rhs_bytes(int n, int k);
// rhs element (t, j) at rhs[t * sk + j * sn].
void pack_s16_rhs(const std::int16_t* rhs, int n, int k, std::ptrdiff_t sn, std::ptrdiff_t sk, std::int16_t* packed);

struct MatMulS16Args {
  int m = 0, n = 0, k = 0;
  const std::int16_t* a = nullptr;  // row i at a + i * a_row, k contiguous values
  std::ptrdiff_t a_row = 0;
  const std::int16_t* b_packed = nullptr;  // pack_s16_rhs
  QuantizedMultiplier mult;                // shift in [-31, 7] (TFLite's int64 requirement)
  std::int32_t out_offset = 0, act_min = 0, act_max = 0;
  std::int16_t* c = nullptr;  // row i at c + i * ldc
  std::ptrdiff_t ldc = 0;
};
using MatMulS16Fn = void (*)(const MatMulS16Args& g);

// nullptr unless the CPU has AVX-512 F/BW/DQ/VL and VNNI (and the build targets x86-64).
MatMulS16Fn matmul_s16_avx512vnni();

}  // namespace nilm::runtime::kernels
