// TFLite's quantization parameter rules and the plain conversions between real and quantized
// values (real = scale * (q - zero_point)); shared by the quantizer, calibration and the tests.
#pragma once

#include <cstdint>
#include <vector>

#include "model/graph.h"

namespace nilm::quant {

struct QuantParams {
  float scale = 1.0f;
  std::int64_t zero_point = 0;
};

// Integer range of an activation / weight type: i8 [-128, 127], i16 [-32767, 32767] (TFLite's
// int16 activations are symmetric), i32 / i64 their full range.
std::int64_t qmin(model::ElementType type);
std::int64_t qmax(model::ElementType type);

// Asymmetric int8 activation parameters from a range (TFLite: the range is widened to include
// 0 so that 0 is exact; the zero point is rounded and clamped into the type). A zero-width range
// gets scale 1 (any positive scale represents the constant 0 exactly).
QuantParams asymmetric_params(float min, float max, model::ElementType type = model::ElementType::i8);
// Symmetric parameters (zero point 0): int16 activations, int8 weights (max |x| / 127).
QuantParams symmetric_params(float min, float max, model::ElementType type);
// Per-output-channel symmetric int8 weight scales along `axis` (0 for OHWI and [out, in]).
// A dead (all-zero) channel gets the smallest scale of the live channels (1 if none), never 0.
std::vector<float> per_channel_scales(const float* weights, const model::Shape& shape, int axis);

// q = clamp(round(x / scale) + zero_point) (round half away from zero, as TFLite's std::round).
std::int64_t quantize_value(float x, QuantParams p, model::ElementType type);
float dequantize_value(std::int64_t q, QuantParams p);

// Quantized constant tensors (bytes for model::ConstantData), same element order as `values`.
std::vector<std::uint8_t> quantize_tensor(const float* values, std::size_t n, QuantParams p,
                                          model::ElementType type);
std::vector<std::uint8_t> quantize_per_channel(const float* values, const model::Shape& shape, int axis,
                                               const std::vector<float>& scales, model::ElementType type);
std::vector<std::uint8_t> to_float16(const float* values, std::size_t n);  // IEEE half, nearest even
float from_float16(std::uint16_t h);

}  // namespace nilm::quant
