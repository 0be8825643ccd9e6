// AArch64 variants of the integer GEMM (int8_gemm.h, int8_gemm_dotprod.cc) with the Armv8.2 dot-product instructions
// (SDOT: four int8 x int8 products summed into each int32 lane). Exact integer dot products and
// the shared requantization, so bit-identical to the reference kernels like every other variant.
#pragma once

#include "runtime/kernels/int8_gemm.h"

namespace nilm::runtime::kernels {

// nullptr unless this is an AArch64 build and the CPU reports the dot product (cpu_dotprod).
// Rows over the file's [n][k] weights (FULLY_CONNECTED): 4 outputs per step, 32 bytes of depth.
QGemmS8Fn qgemm_s8_neon_dotprod();
// Packed panels (pack_panels_s8; convolutions): 4 rows x 16 outputs per step, 16 depth bytes of
// each row per load (vdotq_laneq_s32). Outputs [n_begin, n_end) start at a multiple of 16.
QGemmS8Fn qgemm_s8_packed_neon_dotprod();
// The same two shapes for the hybrid layers (float in and out, int8 weights; HybridS8Args).
HybridS8Fn hybrid_s8_neon_dotprod();
HybridS8Fn hybrid_s8_packed_neon_dotprod();

// int16x8 (w8_a16) rows over [n][k] weights with baseline NEON (SMLAL; int16_gemm_neon.cc):
// every AArch64 core; nullptr elsewhere.
QGemmS16Fn qgemm_s16_neon();

}  // namespace nilm::runtime::kernels
