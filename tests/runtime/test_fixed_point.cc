// The fixed-point helpers against hand-computed cases (TFLite's rounding rules worked out on
// paper) and against a plain 128-bit / exact-rational formulation on random values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {
namespace {

constexpr std::int32_t i32_min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t i32_max = std::numeric_limits<std::int32_t>::max();

TEST(FixedPoint, QuantizeMultiplierHandCases) {
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(0.0).shift, 0);
  // 0.5 = 2^30 * 2^(0 - 31)
  EXPECT_EQ(quantize_multiplier(0.5).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  // 1 = 0.5 * 2^1
  EXPECT_EQ(quantize_multiplier(1.0).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  // 3 = 0.75 * 2^2
  EXPECT_EQ(quantize_multiplier(3.0).multiplier, 1610612736);
  EXPECT_EQ(quantize_multiplier(3.0).shift, 2);
  // 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 -> 1717986918
  EXPECT_EQ(quantize_multiplier(0.1).multiplier, 1717986918);
  EXPECT_EQ(quantize_multiplier(0.1).shift, -3);
  // Rounding the mantissa carries into bit 31: renormalised to 2^30 with shift + 1.
  const auto carry = quantize_multiplier(1.0 - std::ldexp(1.0, -40));
  EXPECT_EQ(carry.multiplier, 1 << 30);
  EXPECT_EQ(carry.shift, 1);
  // Below ~2^-31 every bit would be shifted out: flushed to zero.
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -40)).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -40)).shift, 0);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -32)).shift, -31);  // still representable
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -33)).multiplier, 0);
}

TEST(FixedPoint, QuantizeMultiplierIsCloseAndNormalised) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> exponent(-25.0, 10.0);
  for (int i = 0; i < 2000; ++i) {
    const double m = std::pow(2.0, exponent(rng));
    const auto q = quantize_multiplier(m);
    EXPECT_GE(q.multiplier, 1 << 30);
    const double back = std::ldexp(double(q.multiplier), q.shift - 31);
    EXPECT_LE(std::abs(back - m), std::ldexp(0.5, q.shift - 31) * (1 + 1e-12)) << m;
  }
}

TEST(FixedPoint, SaturatingRoundingDoublingHighMulHandCases) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(i32_min, i32_min), i32_max);  // saturates
  EXPECT_EQ(saturating_rounding_doubling_high_mul(i32_min, i32_max), -i32_max);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(i32_max, i32_max), i32_max - 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(0, i32_min), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  // a * b / 2^31 with b = 2^30 is a / 2: halves round upward (toward +infinity).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);    // 0.5 -> 1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);   // -0.5 -> 0
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);    // 1.5 -> 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 29), -1);  // -0.75 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, 1 << 29), 0);   // -0.25 -> 0
}

TEST(FixedPoint, RoundingDivideByPotHandCases) {
  EXPECT_EQ(rounding_divide_by_pot(0, 5), 0);
  EXPECT_EQ(rounding_divide_by_pot(7, 0), 7);
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);     // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);   // -1.5 -> -2 (away from zero)
  EXPECT_EQ(rounding_divide_by_pot(-1, 1), -1);   // -0.5 -> -1
  EXPECT_EQ(rounding_divide_by_pot(1, 1), 1);     // 0.5 -> 1
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);   // -1.25 -> -1
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);   // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);   // -1.75 -> -2
  EXPECT_EQ(rounding_divide_by_pot(i32_min, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(i32_max, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(i32_min, 1), i32_min / 2);
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierInt32HandCases) {
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{0}, quantize_multiplier(0.3)), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{1000}, QuantizedMultiplier{}), 0);
  // Multiplier > 1 (3 = 0.75 * 2^2): the left shift comes first, exact here.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{5}, quantize_multiplier(3.0)), 15);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{-7}, quantize_multiplier(3.0)), -21);
  // Multiplier < 1 with a right shift (0.25 = 0.5 * 2^-1).
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{-3}, quantize_multiplier(0.25)), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{-1}, quantize_multiplier(0.25)), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{-2}, quantize_multiplier(0.25)), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{2}, quantize_multiplier(0.25)), 1);
  // TFLite rounds twice: 1 * 0.3125 (0.625 * 2^-1): 0.625 -> 1, then 1 / 2 -> 1 (not 0).
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{1}, quantize_multiplier(0.3125)), 1);
  // Exact halves after one rounding: -5 * 0.5 = -2.5 -> high mul rounds up to -2.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{-5}, quantize_multiplier(0.5)), -2);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{5}, quantize_multiplier(0.5)), 3);
  // A typical conv requantization: 12345 * (0.02 * 0.003 / 0.05).
  const double m = 0.02 * 0.003 / 0.05;
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int32_t{12345}, quantize_multiplier(m)),
            int(std::lround(12345 * m)));
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierInt64HandCases) {
  // 0.5: reduced multiplier 2^14, total shift 15; halves round up.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{3}, quantize_multiplier(0.5)), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{-3}, quantize_multiplier(0.5)), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{-5}, quantize_multiplier(0.5)), -2);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{1} << 31, quantize_multiplier(0.5)),
            std::int32_t{1} << 30);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{0}, quantize_multiplier(0.7)), 0);
  // Multiplier > 1: 3 = 0.75 * 2^2 -> reduced 24576, total shift 13.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{-1000}, quantize_multiplier(3.0)), -3000);
  // A mantissa at or above 0x7FFF0000 saturates the reduced multiplier at 0x7FFF:
  // 32768 * 0x7FFF / 2^15 = 32767 exactly.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::int64_t{32768}, quantize_multiplier(0.99999)),
            32767);
  // Largest accumulators TFLite allows (|x| < 2^47) do not overflow.
  const std::int64_t big = (std::int64_t{1} << 47) - 1;
  EXPECT_EQ(multiply_by_quantized_multiplier(big, quantize_multiplier(std::ldexp(1.0, -20))),
            std::int32_t{1} << 27);
  EXPECT_EQ(multiply_by_quantized_multiplier(-big, quantize_multiplier(std::ldexp(1.0, -20))),
            -(std::int32_t{1} << 27));
}

// Independent formulation: exact integer arithmetic in 128 bits.
__extension__ typedef __int128 int128;
std::int64_t round_half_up_div(int128 n, int bits) {  // floor(n / 2^bits + 1/2)
  const int128 d = int128{1} << bits;
  int128 q = n / d;
  int128 r = n % d;
  if (r < 0) { r += d; --q; }
  return static_cast<std::int64_t>(2 * r >= d ? q + 1 : q);
}
std::int64_t round_half_away_div(std::int64_t n, int bits) {
  const std::int64_t mag = round_half_up_div(n < 0 ? -n : n, bits);
  return n < 0 ? -mag : mag;
}

TEST(FixedPoint, RandomAgainstExactArithmetic) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::int32_t> any;
  std::uniform_int_distribution<std::int32_t> acc(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<double> exponent(-20.0, 0.0);
  for (int i = 0; i < 20000; ++i) {
    const std::int32_t a = any(rng), b = any(rng);
    if (!(a == i32_min && b == i32_min)) {
      ASSERT_EQ(saturating_rounding_doubling_high_mul(a, b),
                round_half_up_div(int128{a} * b, 31)) << a << " " << b;
    }
    const int e = i % 32;
    ASSERT_EQ(rounding_divide_by_pot(a, e), round_half_away_div(a, e)) << a << " " << e;

    const auto m = quantize_multiplier(std::pow(2.0, exponent(rng)));
    const std::int32_t x = acc(rng);
    ASSERT_LE(m.shift, 0);
    const std::int64_t high = round_half_up_div(int128{x} * m.multiplier, 31);
    ASSERT_EQ(multiply_by_quantized_multiplier(x, m), round_half_away_div(high, -m.shift));
    const std::int64_t x64 = std::int64_t{x} << 6;  // result stays inside int32
    const std::int64_t reduced =  // the multiplier rounded to 15 bits, saturated
        std::min<std::int64_t>((std::int64_t{m.multiplier} + (1 << 15)) >> 16, 0x7FFF);
    ASSERT_EQ(multiply_by_quantized_multiplier(x64, m),
              round_half_up_div(int128{x64} * reduced, 15 - m.shift));
  }
}

}  // namespace
}  // namespace nilm::runtime::kernels
