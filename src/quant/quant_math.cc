#include "quant/quant_math.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace nilm::quant {

using model::ElementType;

std::int64_t qmin(ElementType type) {
  switch (type) {
    case ElementType::i8: return -128;
    case ElementType::u8: return 0;
    case ElementType::i16: return -32767;
    case ElementType::i32: return std::numeric_limits<std::int32_t>::min();
    case ElementType::i64: return std::numeric_limits<std::int64_t>::min();
    default: fail(std::string("no integer range for type ") + model::element_type_name(type));
  }
}

std::int64_t qmax(ElementType type) {
  switch (type) {
    case ElementType::i8: return 127;
    case ElementType::u8: return 255;
    case ElementType::i16: return 32767;
    case ElementType::i32: return std::numeric_limits<std::int32_t>::max();
    case ElementType::i64: return std::numeric_limits<std::int64_t>::max();
    default: fail(std::string("no integer range for type ") + model::element_type_name(type));
  }
}

QuantParams asymmetric_params(float min, float max, ElementType type) {
  if (!std::isfinite(min) || !std::isfinite(max)) fail("asymmetric_params: range is not finite");
  const double lo = std::min(0.0, double(min)), hi = std::max(0.0, double(max));
  const double qlo = double(qmin(type)), qhi = double(qmax(type));
  QuantParams p;
  if (hi - lo <= 0) {  // the tensor is 0: any scale is exact
    p.scale = 1.0f;
    p.zero_point = std::clamp<std::int64_t>(0, qmin(type), qmax(type));
    return p;
  }
  const double scale = (hi - lo) / (qhi - qlo);
  p.scale = float(scale);
  // TFLite's nudging: the zero point is the integer nearest to qmin - min / scale.
  const double zp = qlo - lo / double(p.scale);
  p.zero_point = std::int64_t(std::clamp(std::round(zp), qlo, qhi));
  return p;
}

QuantParams symmetric_params(float min, float max, ElementType type) {
  if (!std::isfinite(min) || !std::isfinite(max)) fail("symmetric_params: range is not finite");
  const double m = std::max(std::abs(double(min)), std::abs(double(max)));
  const double levels = type == ElementType::i8 ? 127.0 : double(qmax(type));
  QuantParams p;
  p.scale = m > 0 ? float(m / levels) : 1.0f;
  p.zero_point = 0;
  return p;
}

std::vector<float> per_channel_scales(const float* w, const model::Shape& shape, int axis) {
  const std::int64_t channels = shape.at(std::size_t(axis));
  std::int64_t inner = 1, outer = 1;
  for (std::size_t d = std::size_t(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  for (int d = 0; d < axis; ++d) outer *= shape[std::size_t(d)];
  std::vector<double> maxabs(std::size_t(channels), 0.0);
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t i = 0; i < inner; ++i) {
        const double v = std::abs(double(w[(o * channels + c) * inner + i]));
        if (!std::isfinite(v)) fail("per_channel_scales: a weight is not finite");
        maxabs[std::size_t(c)] = std::max(maxabs[std::size_t(c)], v);
      }
  double smallest = 0;
  for (double m : maxabs)
    if (m > 0 && (smallest == 0 || m < smallest)) smallest = m;
  std::vector<float> scales(static_cast<std::size_t>(channels));
  for (std::size_t c = 0; c < scales.size(); ++c) {
    const double m = maxabs[c] > 0 ? maxabs[c] : smallest;  // dead channel: q are all 0 anyway
    scales[c] = m > 0 ? float(m / 127.0) : 1.0f;
  }
  return scales;
}

std::int64_t quantize_value(float x, QuantParams p, ElementType type) {
  const double q = std::round(double(x) / double(p.scale)) + double(p.zero_point);
  const double lo = double(qmin(type)), hi = double(qmax(type));
  if (std::isnan(q)) fail("quantize_value: value is NaN");
  return std::int64_t(std::clamp(q, lo, hi));
}

float dequantize_value(std::int64_t q, QuantParams p) { return float(double(p.scale) * double(q - p.zero_point)); }

namespace {
void store(std::vector<std::uint8_t>& bytes, std::size_t i, std::int64_t q, ElementType type) {
  switch (type) {
    case ElementType::i8: { const auto v = std::int8_t(q); std::memcpy(&bytes[i], &v, 1); break; }
    case ElementType::u8: { const auto v = std::uint8_t(q); std::memcpy(&bytes[i], &v, 1); break; }
    case ElementType::i16: { const auto v = std::int16_t(q); std::memcpy(&bytes[i * 2], &v, 2); break; }
    case ElementType::i32: { const auto v = std::int32_t(q); std::memcpy(&bytes[i * 4], &v, 4); break; }
    case ElementType::i64: std::memcpy(&bytes[i * 8], &q, 8); break;
    default: fail("quantize: not an integer type");
  }
}
}  // namespace

std::vector<std::uint8_t> quantize_tensor(const float* values, std::size_t n, QuantParams p, ElementType type) {
  std::vector<std::uint8_t> bytes(n * model::element_size(type));
  for (std::size_t i = 0; i < n; ++i) store(bytes, i, quantize_value(values[i], p, type), type);
  return bytes;
}

std::vector<std::uint8_t> quantize_per_channel(const float* values, const model::Shape& shape, int axis,
                                               const std::vector<float>& scales, ElementType type) {
  const std::int64_t channels = shape.at(std::size_t(axis));
  std::int64_t inner = 1, outer = 1;
  for (std::size_t d = std::size_t(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  for (int d = 0; d < axis; ++d) outer *= shape[std::size_t(d)];
  std::vector<std::uint8_t> bytes(std::size_t(outer * channels * inner) * model::element_size(type));
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t c = 0; c < channels; ++c) {
      const QuantParams p{scales[std::size_t(c)], 0};
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::size_t k = std::size_t((o * channels + c) * inner + i);
        std::int64_t q = quantize_value(values[k], p, type);
        if (type == ElementType::i8) q = std::max<std::int64_t>(q, -127);  // symmetric weights
        store(bytes, k, q, type);
      }
    }
  return bytes;
}

namespace {
std::uint16_t half_bits(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return std::uint16_t(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return std::uint16_t(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {  // subnormal half (or zero): value / 2^-24, rounded to nearest even
    const float a = std::bit_cast<float>(abs);
    const float scaled = a * 16777216.0f;  // exact (power of two)
    const auto q = std::uint32_t(std::nearbyint(scaled));
    return std::uint16_t(sign | q);
  }
  // normal: rebias exponent, round mantissa 23 -> 10 bits to nearest even
  const std::uint32_t mant = abs & 0x7fffffu;
  const std::uint32_t exp = (abs >> 23) - 127 + 15;
  std::uint32_t h = (exp << 10) | (mant >> 13);
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // carry may bump the exponent: right
  return std::uint16_t(sign | h);
}
}  // namespace

std::vector<std::uint8_t> to_float16(const float* values, std::size_t n) {
  std::vector<std::uint8_t> bytes(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t h = half_bits(values[i]);
    std::memcpy(&bytes[i * 2], &h, 2);
  }
  return bytes;
}

float from_float16(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = float(mant) / 16777216.0f;
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

}  // namespace nilm::quant
