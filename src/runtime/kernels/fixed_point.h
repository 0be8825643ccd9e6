// Fixed-point requantization as TFLite's integer kernels do it (kernels/internal/common.h,
// quantization_util.cc, gemmlowp's fixedpoint.h), so that our int8 / int16 kernels agree with
// TFLite bit for bit. A real multiplier M > 0 is stored as a 31-bit mantissa and a power of two:
// M ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31). Applying it to an accumulator
// rounds twice (TFLite's default build, not TFLITE_SINGLE_ROUNDING): once in the doubling high
// multiply (halves upward), once in the final right shift (halves away from zero).
//
// Header-only and inline: these sit in the innermost loops of every integer kernel.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace nilm::runtime::kernels {

// real multiplier ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0)
struct QuantizedMultiplier {
  std::int32_t multiplier = 0;
  int shift = 0;
};

// TFLite's QuantizeMultiplier: frexp, round the mantissa to 31 bits (half away from zero),
// renormalise when the rounding carried into bit 31, flush multipliers below ~2^-31 to zero.
// Negative multipliers are not used by any kernel (scales are positive).
inline QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {};
  int shift = 0;
  const double mantissa = std::frexp(real_multiplier, &shift);  // in [0.5, 1)
  auto fixed = static_cast<std::int64_t>(std::round(mantissa * double(std::int64_t{1} << 31)));
  if (fixed == (std::int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) return {};  // every bit would be shifted out: TFLite flushes to zero
  return {static_cast<std::int32_t>(fixed), shift};
}

// gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2*a*b, i.e. a*b / 2^31,
// rounded to nearest with halves rounded up (+0.5 -> 1, -0.5 -> 0, -1.5 -> -1); the one
// overflowing case (INT32_MIN * INT32_MIN) saturates to INT32_MAX.
inline std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  constexpr std::int32_t int32_min = std::numeric_limits<std::int32_t>::min();
  if (a == int32_min && b == int32_min) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t product = std::int64_t{a} * std::int64_t{b};
  const std::int64_t nudge = product >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  // Division truncates toward zero; with the asymmetric nudge that rounds halves upward.
  return static_cast<std::int32_t>((product + nudge) / (std::int64_t{1} << 31));
}

// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded half away from zero, exponent in [0, 31].
inline std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// TFLite's MultiplyByQuantizedMultiplier for int32 accumulators (the int8 path): a positive
// shift is applied before the high multiply (as a plain left shift, wrapping like TFLite's),
// a negative one as a rounding right shift after it. Result before adding the output zero point.
inline std::int32_t multiply_by_quantized_multiplier(std::int32_t x, QuantizedMultiplier m) {
  const int left_shift = m.shift > 0 ? m.shift : 0;
  const int right_shift = m.shift > 0 ? 0 : -m.shift;
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, m.multiplier),
                                right_shift);
}

// TFLite's MultiplyByQuantizedMultiplier for int64 accumulators (the int16x8 path): the
// multiplier is first reduced to 15 bits (rounded, saturating at 0x7FFF), then one rounding
// (half up) arithmetic right shift by 15 - shift. TFLite requires |x| < 2^47, shift in [-31, 7].
inline std::int32_t multiply_by_quantized_multiplier(std::int64_t x, QuantizedMultiplier m) {
  const std::int32_t reduced =
      m.multiplier < 0x7FFF0000 ? ((m.multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - m.shift;
  const std::int64_t round = std::int64_t{1} << (total_shift - 1);
  return static_cast<std::int32_t>((x * std::int64_t{reduced} + round) >> total_shift);
}

// XNNPACK's "fp32" requantization of an int32 accumulator (what TFLite's default XNNPACK
// delegate, and so LiteRT.js, runs for int8 CONV_2D): float(acc) times the float32 scale
// in_scale * w_scale[c] / out_scale, clamped to [lo - zp, hi - zp] in float, rounded to nearest
// even (the default rounding mode; XNNPACK's magic-bias and lrintf forms agree), plus zp.
inline std::int32_t requantize_fp32(std::int32_t acc, float scale, std::int32_t zero_point, std::int32_t lo,
                                    std::int32_t hi) {
  float v = static_cast<float>(acc) * scale;
  const float flo = static_cast<float>(lo - zero_point), fhi = static_cast<float>(hi - zero_point);
  v = v < flo ? flo : (v > fhi ? fhi : v);
  return static_cast<std::int32_t>(std::nearbyint(v)) + zero_point;
}

// The requantization of TFLite's current int16x8 FULLY_CONNECTED (reference_integer_ops, "requant
// in float to avoid loss of precision"; what LiteRT.js runs): double(acc) times the double scale
// double(in_scale) * double(w_scale[c]) / double(out_scale), rounded half away from zero
// (std::round), plus zp, clamped.
inline std::int32_t requantize_f64(std::int64_t acc, double scale, std::int32_t zero_point, std::int32_t lo,
                                   std::int32_t hi) {
  double v = std::round(static_cast<double>(acc) * scale);
  const double dlo = double(lo) - zero_point, dhi = double(hi) - zero_point;
  v = v < dlo ? dlo : (v > dhi ? dhi : v);
  return static_cast<std::int32_t>(v) + zero_point;
}

}  // namespace nilm::runtime::kernels
