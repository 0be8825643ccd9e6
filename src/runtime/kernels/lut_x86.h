// Table lookups of the integer element-wise ops for x86 AVX-512, bit-identical to lut_s8_ref /
// lut_s16_ref (quantized_reference.h):
// - int8 (256 entries): the table in four registers, two vpermi2b (VBMI) per 64 values and a
//   blend on the index's top bit;
// - int16 (513 anchors, interpolated): anchors and their successors in 32 registers, vpermt2w
//   lookups (no gathers), then TFLite's LUTLookup arithmetic in 16-bit lanes.
// The getters return nullptr when the CPU (or the build: not x86-64) lacks the features.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/lut.h"

namespace nilm::runtime::kernels {

using LutS8Fn = void (*)(const LutS8& lut, std::size_t n, const std::int8_t* in, std::int8_t* out);
using LutS16Fn = void (*)(const LutS16& lut, std::size_t n, const std::int16_t* in, std::int16_t* out);
LutS8Fn lut_s8_avx512vbmi();   // AVX-512 F/BW + VBMI
LutS16Fn lut_s16_avx512();     // AVX-512 F/BW

}  // namespace nilm::runtime::kernels
