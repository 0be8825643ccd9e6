// int16 SOFTMAX rows for x86 AVX-512 (F/BW/DQ/VL), bit-identical to softmax_s16_ref
// (quantized_reference.h): 32 columns a step, the difference-to-maximum rescaling in int32
// lanes, the exp table interpolated on int16 lanes from registers (lut_s16_avx512.h), the final
// 64-bit scaling in int64 lanes; the row's reciprocal is the reference's scalar code.
#pragma once

#include <cstdint>

#include "runtime/kernels/quantized_reference.h"

namespace nilm::runtime::kernels {

using SoftmaxS16RowsFn = void (*)(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out, int row_begin,
                                  int row_end);
// nullptr unless the CPU has AVX-512 F/BW/DQ/VL (and the build targets x86-64).
SoftmaxS16RowsFn softmax_s16_rows_avx512();

}  // namespace nilm::runtime::kernels
