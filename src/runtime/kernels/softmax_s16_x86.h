// int16 SOFTMAX rows for x86 AVX-512 (F/BW/DQ/VL), bit-identical to softmax_s16_ref
// (quantized_reference.h): 16 columns a step, the exp table's two anchors of each lane fetched
// by one 32-bit gather (anchor i and i + 1 are adjacent int16s), the interpolation, the
// difference-to-maximum rescaling and the final 64-bit scaling in vector lanes; the row's
// reciprocal is the reference's scalar code.
#pragma once

#include <cstdint>

#include "runtime/kernels/quantized_reference.h"

namespace nilm::runtime::kernels {

using SoftmaxS16RowsFn = void (*)(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out, int row_begin,
                                  int row_end);
// nullptr unless the CPU has AVX-512 F/BW/DQ/VL (and the build targets x86-64).
SoftmaxS16RowsFn softmax_s16_rows_avx512();

}  // namespace nilm::runtime::kernels
