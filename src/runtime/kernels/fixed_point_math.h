// The fixed-point transcendental functions TFLite's integer kernels take from gemmlowp
// (fixedpoint.h) and kernels/internal/common.h: exp on negative values, 1 / (1 + x), the
// reciprocal of a softmax sum and the inverse square root multiplier of RSQRT. Written on raw
// int32 values with the number of integer bits of each value noted beside it (gemmlowp's
// FixedPoint<int32, I>: real = raw * 2^(I - 31)), so every step rounds exactly as TFLite does:
// products are saturating_rounding_doubling_high_mul (the integer bits add up), sums wrap,
// rescales are saturating shifts. Header-only: these run per element.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {

// gemmlowp's SaturatingRoundingMultiplyByPOT<exponent>: x * 2^exponent, saturating when
// exponent > 0, rounding half away from zero when exponent < 0.
inline std::int32_t saturating_rounding_multiply_by_pot(std::int32_t x, int exponent) {
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  if (exponent == 0) return x;
  const std::int32_t threshold = (std::int32_t{1} << (31 - exponent)) - 1;
  if (x > threshold) return std::numeric_limits<std::int32_t>::max();
  if (x < -threshold) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << exponent);
}

// gemmlowp's Rescale<to_bits> of a value with from_bits integer bits.
inline std::int32_t rescale(std::int32_t raw, int from_bits, int to_bits) {
  return saturating_rounding_multiply_by_pot(raw, from_bits - to_bits);
}

// Fixed-point product (integer bits add up); an alias that reads like the math.
inline std::int32_t fx_mul(std::int32_t a, std::int32_t b) {
  return saturating_rounding_doubling_high_mul(a, b);
}
// gemmlowp adds and subtracts raw values without saturation (int32 wraps).
inline std::int32_t fx_add(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}
inline std::int32_t fx_sub(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}

constexpr std::int32_t kFxOne0 = std::numeric_limits<std::int32_t>::max();  // 1.0 with 0 integer bits

// exp(a) for a in [-1/4, 0), a and result with 0 integer bits: a 4th-order Taylor expansion
// around -1/8 (gemmlowp's exp_on_interval_between_negative_one_quarter_and_0_excl).
inline std::int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(std::int32_t a) {
  constexpr std::int32_t kExpMinusOneEighth = 1895147668;  // exp(-1/8) * 2^31
  constexpr std::int32_t kOneThird = 715827883;            // 1/3 * 2^31
  const std::int32_t x = fx_add(a, std::int32_t{1} << 28);  // a + 1/8
  const std::int32_t x2 = fx_mul(x, x);
  const std::int32_t x3 = fx_mul(x2, x);
  const std::int32_t x4 = fx_mul(x2, x2);
  const std::int32_t x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
  const std::int32_t poly = saturating_rounding_multiply_by_pot(
      fx_add(fx_mul(fx_add(x4_over_4, x3), kOneThird), x2), -1);
  return fx_add(kExpMinusOneEighth, fx_mul(kExpMinusOneEighth, fx_add(x, poly)));
}

// exp(a) for a <= 0 with `integer_bits` integer bits; result with 0 integer bits
// (gemmlowp's exp_on_negative_values): exp of a mod 1/4 times exp(-2^k) for each set bit k.
inline std::int32_t exp_on_negative_values(std::int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const std::int32_t one_quarter = std::int32_t{1} << (fractional_bits - 2);
  const std::int32_t mask = one_quarter - 1;
  const std::int32_t a_mod_quarter_minus_one_quarter = fx_sub(a & mask, one_quarter);
  std::int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const std::int32_t remainder = fx_sub(a_mod_quarter_minus_one_quarter, a);
  // exp(-2^k) * 2^31 for k = -2 .. 4
  constexpr std::int32_t kBarrel[] = {1672461947, 1302514674, 790015084, 290630308,
                                      39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits <= k) continue;
    const int bit = fractional_bits + k;
    if (remainder & (std::int32_t{1} << bit)) result = fx_mul(result, kBarrel[k + 2]);
  }
  if (integer_bits > 5) {
    const std::int32_t clamp = -(std::int32_t{1} << (36 - integer_bits));  // -32
    if (a < clamp) result = 0;
  }
  if (a == 0) result = kFxOne0;
  return result;
}

// 1 / (1 + a) for a in [0, 1), a and result with 0 integer bits: Newton-Raphson division
// (gemmlowp's one_over_one_plus_x_for_x_in_0_1).
inline std::int32_t one_over_one_plus_x_for_x_in_0_1(std::int32_t a) {
  // RoundingHalfSum(a, 1): (a + 1) / 2 rounded half away from zero, without overflow.
  const std::int64_t sum = std::int64_t{a} + std::int64_t{kFxOne0};
  const auto half_denominator = static_cast<std::int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
  constexpr std::int32_t k48Over17 = 1515870810;      // 48/17 with 2 integer bits
  constexpr std::int32_t kNeg32Over17 = -1010580540;  // -32/17 with 2 integer bits
  constexpr std::int32_t kOne2 = std::int32_t{1} << 29;  // 1.0 with 2 integer bits
  std::int32_t x = fx_add(k48Over17, fx_mul(half_denominator, kNeg32Over17));  // 2 bits
  for (int i = 0; i < 3; ++i) {
    const std::int32_t half_denominator_times_x = fx_mul(half_denominator, x);   // 2 bits
    const std::int32_t one_minus = fx_sub(kOne2, half_denominator_times_x);      // 2 bits
    x = fx_add(x, rescale(fx_mul(x, one_minus), 4, 2));
  }
  // x / 2 (exact: 1 integer bit, same raw), then to 0 integer bits.
  return rescale(x, 1, 0);
}

// TFLite's GetReciprocal: 1 / x for x > 0 with `x_integer_digits` integer bits, as a value
// with 0 integer bits and a count of bits to shift it left by (num_bits_over_unit).
inline std::int32_t get_reciprocal(std::int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = std::countl_zero(static_cast<std::uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const auto shifted_sum_minus_one = static_cast<std::int32_t>(
      (static_cast<std::uint32_t>(x) << headroom_plus_one) - (std::uint32_t{1} << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// TFLite's GetInvSqrtQuantizedMultiplierExp with reverse_shift = -1 (kReverseShift): 1/sqrt(x)
// for an integer x >= 0 as multiplier * 2^(shift - 31); 0 and 1 give INT32_MAX, shift 0.
inline QuantizedMultiplier inv_sqrt_quantized_multiplier(std::int32_t input) {
  if (input <= 1) return {std::numeric_limits<std::int32_t>::max(), 0};
  int output_shift = 11;
  while (input >= (std::int32_t{1} << 29)) {
    input /= 4;
    ++output_shift;
  }
  const unsigned max_left_shift_bits = unsigned(std::countl_zero(static_cast<std::uint32_t>(input))) - 1;
  const unsigned left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
  output_shift -= int(left_shift_bit_pairs);
  input <<= 2 * left_shift_bit_pairs;
  // Newton-Raphson on values with 3 integer bits.
  const std::int32_t fixedpoint_input = input >> 1;
  const std::int32_t half_input = saturating_rounding_multiply_by_pot(fixedpoint_input, -1);
  constexpr std::int32_t kHalfThree = (std::int32_t{1} << 28) + (std::int32_t{1} << 27);  // 1.5
  std::int32_t x = std::int32_t{1} << 28;  // 1.0 with 3 integer bits
  for (int i = 0; i < 5; ++i) {
    const std::int32_t x3 = rescale(fx_mul(fx_mul(x, x), x), 9, 3);
    x = rescale(fx_sub(fx_mul(kHalfThree, x), fx_mul(half_input, x3)), 6, 3);
  }
  constexpr std::int32_t kHalfSqrt2 = 1518500250;  // sqrt(2)/2 with 0 integer bits
  std::int32_t inv_sqrt = fx_mul(x, kHalfSqrt2);
  if (output_shift < 0) {
    inv_sqrt = static_cast<std::int32_t>(static_cast<std::uint32_t>(inv_sqrt) << -output_shift);
    output_shift = 0;
  }
  return {inv_sqrt, -output_shift};
}

// TFLite's CalculateInputRadius: the largest input difference (in input steps, after the
// left shift) whose rescaled value still fits `input_integer_bits` integer bits.
inline int calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits = 31) {
  const double max_input_rescaled = 1.0 * double((1 << input_integer_bits) - 1) *
                                    double(std::int64_t{1} << (total_signed_bits - input_integer_bits)) /
                                    double(std::int64_t{1} << input_left_shift);
  return static_cast<int>(max_input_rescaled);  // floor: the value is positive
}

}  // namespace nilm::runtime::kernels
