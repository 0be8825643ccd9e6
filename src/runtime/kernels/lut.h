// Lookup tables as TFLite builds them (kernels/internal/common.h LUTPopulate / LUTLookup), so
// the integer kernels that use them (int8 LOGISTIC, TANH, GELU; int16 SOFTMAX) agree bit for
// bit:
//   int8: 256 entries, one per input value: dequantize, apply the float function, quantize
//         (all in float32, rounding half away from zero, clamped);
//   int16: 513 anchors over the whole int16 input range with linear interpolation between
//         them; each anchor is biased by half the interpolation error at its segment's
//         midpoint (TFLite's LUTPopulateInt16).
// Plus the 256-entry sigmoid table TFLite's int16 LOGISTIC and TANH interpolate in.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace nilm::runtime::kernels {

using LutS8 = std::array<std::int8_t, 256>;   // indexed by the input byte (uint8_t(q))
using LutS16 = std::array<std::int16_t, 513>;

template <class F>
LutS8 make_lut_s8(float input_scale, std::int32_t input_zero_point, float output_scale,
                  std::int32_t output_zero_point, F transform) {
  LutS8 lut{};
  const float inverse_scale = 1.0f / output_scale;
  for (std::int32_t q = -128; q <= 127; ++q) {
    const float dequantized = input_scale * float(q - input_zero_point);
    const float transformed = transform(dequantized);
    const float rescaled = std::round(transformed * inverse_scale);
    const auto quantized = static_cast<std::int32_t>(rescaled + float(output_zero_point));
    lut[static_cast<std::uint8_t>(static_cast<std::int8_t>(q))] =
        static_cast<std::int8_t>(std::clamp<std::int32_t>(quantized, -128, 127));
  }
  return lut;
}

inline std::int8_t lut_lookup(std::int8_t value, const LutS8& lut) {
  return lut[static_cast<std::uint8_t>(value)];
}

// FloatT is float for new kernels; TFLite's int16 SOFTMAX tables use double.
template <class FloatT, class F>
LutS16 make_lut_s16(FloatT input_scale, std::int32_t input_zero_point, FloatT output_scale,
                    std::int32_t output_zero_point, F transform) {
  constexpr std::int32_t lo = std::numeric_limits<std::int16_t>::min();
  constexpr std::int32_t hi = std::numeric_limits<std::int16_t>::max();
  const FloatT input_min = input_scale * FloatT(lo - input_zero_point);
  const FloatT input_max = input_scale * FloatT(hi - input_zero_point);
  const FloatT output_min = output_scale * FloatT(lo - output_zero_point);
  const FloatT output_max = output_scale * FloatT(hi - output_zero_point);
  constexpr int steps = 512;
  const FloatT step = (input_max - input_min) / FloatT(steps);
  const FloatT half_step = step / FloatT(2);
  const FloatT output_scaling_inv = FloatT(hi - lo + 1) / (output_max - output_min);
  auto clamp16 = [](FloatT v) {
    return static_cast<std::int16_t>(std::min<FloatT>(std::max<FloatT>(v, FloatT(lo)), FloatT(hi)));
  };
  LutS16 lut{};
  for (int i = 0; i < steps; ++i) {
    const FloatT val = transform(input_min + FloatT(i) * step);
    const FloatT val_midpoint = transform(input_min + FloatT(i) * step + half_step);
    const FloatT val_next = transform(input_min + FloatT(i + 1) * step);
    const FloatT sample_val = std::round(val * output_scaling_inv);
    const FloatT midpoint_interp_val =
        std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / FloatT(2));
    const FloatT midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const FloatT midpoint_err = midpoint_interp_val - midpoint_val;
    const FloatT bias = std::round(midpoint_err / FloatT(2));
    lut[std::size_t(i)] = clamp16(sample_val - bias);
  }
  lut[steps] = clamp16(std::round(transform(input_max) * output_scaling_inv));
  return lut;
}

// Interpolates between anchor 256 + (value >> 7) and the next one (TFLite's LUTLookup).
inline std::int16_t lut_lookup(std::int16_t value, const LutS16& lut) {
  const auto index = static_cast<std::uint16_t>(256 + (value >> 7));
  const auto offset = static_cast<std::int16_t>(value & 0x7f);
  const std::int16_t base = lut[index];
  const auto slope = static_cast<std::int16_t>(lut[index + 1] - lut[index]);
  const std::int32_t delta = (std::int32_t{slope} * offset + 64) >> 7;
  return static_cast<std::int16_t>(base + delta);
}

// TFLite's sigmoid_table_uint16: sigmoid(i / 24) in 0.16 format, the table its int16 LOGISTIC
// and TANH interpolate in. The values are data of TFLite's int16 kernels (needed for bit-exact
// agreement), not a formula: round(65536 * sigmoid(i / 24)) differs from 44 of them by one.
inline constexpr std::array<std::uint16_t, 256> kSigmoidTableU16 = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

}  // namespace nilm::runtime::kernels
