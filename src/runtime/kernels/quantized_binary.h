// One element of the integer ADD / SUB / MUL / SQUARED_DIFFERENCE, as TFLite's per-element
// functions compute it; shared by the reference loop and the optimized row loops (so both give
// the same integers by construction). The op is a template parameter in the row loops (no
// switch per element) and a run-time value in the reference.
#pragma once

#include <algorithm>
#include <cstdint>

#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/quantized_reference.h"

namespace nilm::runtime::kernels {

template <BinaryOp kOp, bool kPowerOfTwo>
inline std::int32_t quantized_binary_element(const QuantizedBinaryParams& p, std::int32_t x, std::int32_t y) {
  if constexpr (kPowerOfTwo) {  // int16 ADD / SUB on power-of-two scales
    const std::int32_t s1 = rounding_divide_by_pot(x, -p.pot_shift1), s2 = rounding_divide_by_pot(y, -p.pot_shift2);
    const std::int32_t sum = std::clamp(kOp == BinaryOp::sub ? s1 - s2 : s1 + s2, std::int32_t{-32768}, std::int32_t{32767});
    return std::min(p.act_max, std::max(p.act_min, sum));
  } else {
    const std::int32_t v1 = p.input1_offset + x, v2 = p.input2_offset + y;
    std::int32_t raw = 0;
    if constexpr (kOp == BinaryOp::mul) {
      raw = v1 * v2;
    } else {
      const std::int32_t s1 = multiply_by_quantized_multiplier(v1 * (std::int32_t{1} << p.left_shift), p.input1);
      const std::int32_t s2 = multiply_by_quantized_multiplier(v2 * (std::int32_t{1} << p.left_shift), p.input2);
      if constexpr (kOp == BinaryOp::add) raw = s1 + s2;
      else if constexpr (kOp == BinaryOp::sub) raw = s1 - s2;
      else raw = (s1 - s2) * (s1 - s2);  // at most 255^2 * 2^14: fits
    }
    const std::int32_t out = multiply_by_quantized_multiplier(raw, p.output) + p.output_offset;
    return std::min(p.act_max, std::max(p.act_min, out));
  }
}

inline std::int32_t quantized_binary_element(const QuantizedBinaryParams& p, std::int32_t x, std::int32_t y) {
  switch (p.geometry.op) {
    case BinaryOp::add:
      return p.pot_int16 ? quantized_binary_element<BinaryOp::add, true>(p, x, y)
                         : quantized_binary_element<BinaryOp::add, false>(p, x, y);
    case BinaryOp::sub:
      return p.pot_int16 ? quantized_binary_element<BinaryOp::sub, true>(p, x, y)
                         : quantized_binary_element<BinaryOp::sub, false>(p, x, y);
    case BinaryOp::mul: return quantized_binary_element<BinaryOp::mul, false>(p, x, y);
    case BinaryOp::squared_difference: return quantized_binary_element<BinaryOp::squared_difference, false>(p, x, y);
    default: return 0;
  }
}

}  // namespace nilm::runtime::kernels
