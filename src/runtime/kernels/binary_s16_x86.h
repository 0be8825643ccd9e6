// One row of int16 ADD / SUB / MUL off the power-of-two path in AVX2, the same integers as
// quantized_binary_element (quantized_binary.h): the operand offsets, ADD/SUB's left shift and
// input multipliers, the output multiplier and clamp, 8 lanes at a time, the tail per element.
// Each operand advances by 1 or 0 (a broadcast scalar) per element.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/quantized_reference.h"

namespace nilm::runtime::kernels {

using BinaryS16RowFn = void (*)(const QuantizedBinaryParams& p, const std::int16_t* x, int x_step,
                                const std::int16_t* y, int y_step, std::int16_t* out, std::int64_t n);
// nullptr unless the CPU has AVX2 (and the build targets x86-64). Not for p.pot_int16 or
// SQUARED_DIFFERENCE (TFLite has no int16 one).
BinaryS16RowFn binary_s16_row_avx2();

}  // namespace nilm::runtime::kernels
