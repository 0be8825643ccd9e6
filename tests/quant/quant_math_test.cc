// TFLite's parameter rules and conversions, checked on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "quant/modes.h"
#include "quant/quant_math.h"

namespace nilm::quant {
namespace {

using model::ElementType;

TEST(QuantMath, AsymmetricInt8ParamsByHand) {
  // [-1, 3]: scale 4/255, zero point round(-128 + 1 / (4/255)) = round(-64.25) = -64
  const QuantParams p = asymmetric_params(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
  EXPECT_EQ(quantize_value(0.0f, p, ElementType::i8), -64);  // zero is exact
  EXPECT_EQ(quantize_value(3.0f, p, ElementType::i8), 127);
  EXPECT_EQ(quantize_value(-1.0f, p, ElementType::i8), -128);
  EXPECT_EQ(quantize_value(1e6f, p, ElementType::i8), 127);    // saturates
  EXPECT_EQ(quantize_value(-1e6f, p, ElementType::i8), -128);
}

TEST(QuantMath, RangesAreWidenedToIncludeZero) {
  const QuantParams relu = asymmetric_params(2.0f, 5.0f);  // [0, 5]
  EXPECT_FLOAT_EQ(relu.scale, 5.0f / 255.0f);
  EXPECT_EQ(relu.zero_point, -128);
  const QuantParams neg = asymmetric_params(-4.0f, -1.0f);  // [-4, 0]
  EXPECT_EQ(neg.zero_point, 127);
}

TEST(QuantMath, ZeroRangesGiveAPositiveFiniteScale) {
  for (const QuantParams p : {asymmetric_params(0, 0), symmetric_params(0, 0, ElementType::i16),
                              symmetric_params(0, 0, ElementType::i8)}) {
    EXPECT_GT(p.scale, 0.0f);
    EXPECT_TRUE(std::isfinite(p.scale));
    EXPECT_EQ(dequantize_value(quantize_value(0.0f, p, ElementType::i8), p), 0.0f);
  }
}

TEST(QuantMath, RoundTripErrorIsAtMostHalfAStep) {
  for (auto [lo, hi] : {std::pair{-1.0f, 3.0f}, {0.0f, 6.0f}, {-0.02f, 0.01f}, {-300.0f, 2.0f}}) {
    const QuantParams p8 = asymmetric_params(lo, hi);
    const QuantParams p16 = symmetric_params(lo, hi, ElementType::i16);
    EXPECT_EQ(p16.zero_point, 0);
    for (int i = 0; i <= 1000; ++i) {
      const float x = lo + (hi - lo) * float(i) / 1000.0f;
      EXPECT_LE(std::abs(dequantize_value(quantize_value(x, p8, ElementType::i8), p8) - x), p8.scale * 0.5f * 1.0001f);
      EXPECT_LE(std::abs(dequantize_value(quantize_value(x, p16, ElementType::i16), p16) - x), p16.scale * 0.5f * 1.0001f);
    }
  }
}

TEST(QuantMath, RoundsHalfAwayFromZero) {
  const QuantParams p{1.0f, 0};
  EXPECT_EQ(quantize_value(2.5f, p, ElementType::i8), 3);
  EXPECT_EQ(quantize_value(-2.5f, p, ElementType::i8), -3);
  EXPECT_EQ(quantize_value(40000.0f, p, ElementType::i16), 32767);
  EXPECT_EQ(quantize_value(-40000.0f, p, ElementType::i16), -32767);  // symmetric int16
}

TEST(QuantMath, PerChannelScalesWithADeadChannel) {
  // [3 channels, 4]: channel 1 is all zero (a dead filter)
  const std::vector<float> w = {0.3f, -1.0f, 0.25f, 0.0f,  0, 0, 0, 0,  2.0f, 0.6f, -0.5f, 0.1f};
  const std::vector<float> scales = per_channel_scales(w.data(), {3, 4}, 0);
  ASSERT_EQ(scales.size(), 3u);
  EXPECT_FLOAT_EQ(scales[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(scales[2], 2.0f / 127.0f);
  EXPECT_GT(scales[1], 0.0f);  // never 0 or inf: validate() and the kernels divide by it
  EXPECT_TRUE(std::isfinite(scales[1]));
  EXPECT_FLOAT_EQ(scales[1], scales[0]);  // the smallest live scale
  const auto bytes = quantize_per_channel(w.data(), {3, 4}, 0, scales, ElementType::i8);
  const auto* q = reinterpret_cast<const std::int8_t*>(bytes.data());
  EXPECT_EQ(q[0], 38);   // 0.3 * 127 = 38.1
  EXPECT_EQ(q[1], -127);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(q[i], 0);
  EXPECT_EQ(q[8], 127);
  EXPECT_EQ(q[9], 38);   // 0.6 / (2 / 127) = 38.1
  // all channels dead: scale 1
  const std::vector<float> zeros(8, 0.0f);
  for (float s : per_channel_scales(zeros.data(), {2, 4}, 0)) EXPECT_EQ(s, 1.0f);
}

TEST(QuantMath, PerChannelAlongTheLastAxis) {  // depthwise weights [1, kh, kw, C]
  const std::vector<float> w = {1, -4, 0.5f, 2};  // [1,1,2,2]: channel 0 {1, 0.5}, channel 1 {-4, 2}
  const auto s = per_channel_scales(w.data(), {1, 1, 2, 2}, 3);
  EXPECT_FLOAT_EQ(s[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(s[1], 4.0f / 127);
}

TEST(QuantMath, Float16ByHand) {
  auto bits = [](float x) {
    const auto b = to_float16(&x, 1);
    std::uint16_t h;
    std::memcpy(&h, b.data(), 2);
    return h;
  };
  EXPECT_EQ(bits(1.0f), 0x3c00);
  EXPECT_EQ(bits(-2.0f), 0xc000);
  EXPECT_EQ(bits(65504.0f), 0x7bff);
  EXPECT_EQ(bits(1e6f), 0x7c00);               // overflow -> inf
  EXPECT_EQ(bits(5.9604645e-8f), 0x0001);      // smallest subnormal
  EXPECT_EQ(bits(1.0f + 1.0f / 2048.0f), 0x3c00);  // tie -> even
  EXPECT_EQ(bits(1.0f + 3.0f / 2048.0f), 0x3c02);  // tie -> even (up)
  for (float x : {0.1f, -3.14159f, 1234.5f, 1e-5f})
    EXPECT_NEAR(from_float16(bits(x)), x, std::abs(x) * (1.0f / 2048.0f) + 6e-8f);
}

TEST(QuantModes, TableAndParsing) {
  EXPECT_EQ(all_modes().size(), 6u);
  for (const auto& t : all_modes()) EXPECT_EQ(parse_mode(t.name), t.mode);
  EXPECT_EQ(traits(Mode::w8_a16).bias, ElementType::i64);
  EXPECT_EQ(traits(Mode::w8_a8).bias, ElementType::i32);
  EXPECT_TRUE(traits(Mode::w8_a8).needs_calibration);
  EXPECT_FALSE(traits(Mode::w8).needs_calibration);
  try {
    parse_mode("int4");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w8_a8_fallback"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nilm::quant
