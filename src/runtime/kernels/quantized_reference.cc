#include "runtime/kernels/quantized_reference.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "runtime/kernels/fixed_point_math.h"
#include "runtime/kernels/quantized_binary.h"
#include "runtime/kernels/quantized_rows.h"

namespace nilm::runtime::kernels {
namespace {

template <class T>
constexpr std::int32_t type_min() { return std::numeric_limits<T>::min(); }
template <class T>
constexpr std::int32_t type_max() { return std::numeric_limits<T>::max(); }

template <class T>
void binary_ref(const QuantizedBinaryParams& p, const T* a, const T* b, T* out) {
  const auto& g = p.geometry;
  const auto& s = g.shape;
  std::size_t o = 0;
  std::array<std::int64_t, kMaxRank> i{};
  for (i[0] = 0; i[0] < s[0]; ++i[0])
    for (i[1] = 0; i[1] < s[1]; ++i[1])
      for (i[2] = 0; i[2] < s[2]; ++i[2])
        for (i[3] = 0; i[3] < s[3]; ++i[3])
          for (i[4] = 0; i[4] < s[4]; ++i[4])
            for (i[5] = 0; i[5] < s[5]; ++i[5]) {
              std::int64_t ia = 0, ib = 0;
              for (int d = 0; d < kMaxRank; ++d) {
                ia += i[std::size_t(d)] * g.a_stride[std::size_t(d)];
                ib += i[std::size_t(d)] * g.b_stride[std::size_t(d)];
              }
              out[o++] = static_cast<T>(quantized_binary_element(p, a[ia], b[ib]));
            }
}

template <class T>
void mean_ref(const QuantizedMeanParams& p, const T* in, T* out) {
  const auto& g = p.geometry;
  Dims in_stride{};
  std::int64_t s = 1, outputs = 1, count = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    in_stride[std::size_t(d)] = s;
    s *= g.shape[std::size_t(d)];
    (g.reduce[std::size_t(d)] ? count : outputs) *= g.shape[std::size_t(d)];
  }
  if (count == 0) {
    std::fill(out, out + outputs, T(0));
    return;
  }
  const QuantizedMultiplier m = mean_multiplier(p.multiplier, count);
  for (std::int64_t o = 0; o < outputs; ++o) {
    std::int64_t base = 0, rest = o;
    for (int d = kMaxRank - 1; d >= 0; --d)
      if (!g.reduce[std::size_t(d)]) {
        base += (rest % g.shape[std::size_t(d)]) * in_stride[std::size_t(d)];
        rest /= g.shape[std::size_t(d)];
      }
    std::int32_t sum = 0;  // TFLite sums in int32
    for (std::int64_t r = 0; r < count; ++r) {
      std::int64_t off = base, rr = r;
      for (int d = kMaxRank - 1; d >= 0; --d)
        if (g.reduce[std::size_t(d)]) {
          off += (rr % g.shape[std::size_t(d)]) * in_stride[std::size_t(d)];
          rr /= g.shape[std::size_t(d)];
        }
      sum += in[off];
    }
    out[o] = static_cast<T>(std::clamp(mean_output(p, m, sum, count), type_min<T>(), type_max<T>()));
  }
}

// The shared part of TFLite's int16 TANH / LOGISTIC Prepare. `max_pot_shift`: the largest left
// shift the power-of-two path accepts (1 for TANH, 0 for LOGISTIC).
bool make_sigmoid_s16_params(float input_scale, int max_pot_shift, SigmoidS16Params* p) {
  constexpr int kInputIntegerBits = 3;
  int log2 = 0;
  bool pot = checked_log2(input_scale, &log2);
  p->input_left_shift = (15 - kInputIntegerBits) + log2;
  pot = pot && p->input_left_shift >= 0 && p->input_left_shift <= max_pot_shift;
  p->input_multiplier = 0;
  if (!pot) {
    // Rescale the input to steps of 1 / (3 * 4096): +-2^17 then stands for +-10.7.
    double multiplier = double(input_scale) * 4096.0 * 3.0;
    p->input_left_shift = 0;
    while (multiplier <= 32767.0 / 2.0 && p->input_left_shift <= 30) {
      ++p->input_left_shift;
      multiplier *= 2.0;
    }
    p->input_multiplier = static_cast<std::int32_t>(multiplier);
  }
  return true;
}

// The input in the table's 1/(3 * 4096) steps (both int16 kernels start with this).
inline std::int32_t sigmoid_table_input(const SigmoidS16Params& p, std::int16_t x) {
  std::int32_t multiplier = p.input_multiplier, left_shift = p.input_left_shift;
  if (multiplier == 0) {  // power-of-two input scale
    multiplier = 3 << left_shift;
    left_shift = 0;
  }
  const std::int32_t round = left_shift > 0 ? std::int32_t{1} << (left_shift - 1) : 0;
  return (std::int32_t{x} * multiplier + round) >> left_shift;
}

}  // namespace

bool checked_log2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float x_log2_rounded = std::round(x_log2);
  *log2_result = static_cast<int>(x_log2_rounded);
  return std::abs(x_log2 - x_log2_rounded) < 1e-3f;
}

void binary_s8_ref(const QuantizedBinaryParams& p, const std::int8_t* a, const std::int8_t* b, std::int8_t* out) {
  binary_ref(p, a, b, out);
}
void binary_s16_ref(const QuantizedBinaryParams& p, const std::int16_t* a, const std::int16_t* b,
                    std::int16_t* out) {
  binary_ref(p, a, b, out);
}

QuantizedMultiplier mean_multiplier(QuantizedMultiplier m, std::int64_t count) {
  // Fold 1 / count into the multiplier with as many extra bits as fit (TFLite's rule).
  int shift = 63 - std::countl_zero(static_cast<std::uint64_t>(count));
  shift = std::min(shift, 32);
  shift = std::min(shift, 31 + m.shift);
  m.multiplier = static_cast<std::int32_t>((static_cast<std::int64_t>(m.multiplier) << shift) / count);
  m.shift -= shift;
  return m;
}

std::int32_t mean_output(const QuantizedMeanParams& p, QuantizedMultiplier folded, std::int32_t sum, std::int64_t count) {
  const auto shifted = static_cast<std::int32_t>(std::int64_t{sum} - std::int64_t{p.input_zero_point} * count);
  return multiply_by_quantized_multiplier(shifted, folded) + p.output_zero_point;
}

void mean_s8_ref(const QuantizedMeanParams& p, const std::int8_t* in, std::int8_t* out) { mean_ref(p, in, out); }
void mean_s16_ref(const QuantizedMeanParams& p, const std::int16_t* in, std::int16_t* out) { mean_ref(p, in, out); }

SoftmaxS8Params make_softmax_s8_params(int rows, int cols, float beta, float input_scale) {
  constexpr int kScaledDiffIntegerBits = 5;
  SoftmaxS8Params p;
  p.rows = rows;
  p.cols = cols;
  // PreprocessSoftmaxScaling (TFLite's default double-rounding build).
  const double real = std::min<double>(double(beta) * double(input_scale) *
                                           double(1 << (31 - kScaledDiffIntegerBits)),
                                       double((std::int64_t{1} << 31) - 1));
  const QuantizedMultiplier m = quantize_multiplier(real);
  p.input_multiplier = m.multiplier;
  p.input_left_shift = m.shift;
  p.diff_min = -calculate_input_radius(kScaledDiffIntegerBits, m.shift);
  return p;
}

std::int32_t softmax_s8_exp(const SoftmaxS8Params& p, std::int32_t diff) {
  constexpr int kScaledDiffIntegerBits = 5;
  if (diff < p.diff_min) return 0;
  // MultiplyByQuantizedMultiplierGreaterThanOne: the shift is applied before the high multiply.
  const std::int32_t scaled =
      saturating_rounding_doubling_high_mul(diff * (std::int32_t{1} << p.input_left_shift), p.input_multiplier);
  return exp_on_negative_values(scaled, kScaledDiffIntegerBits);
}

void softmax_s8_ref(const SoftmaxS8Params& p, const std::int8_t* in, std::int8_t* out) {
  constexpr int kScaledDiffIntegerBits = 5;
  constexpr int kAccumulationIntegerBits = 12;
  constexpr int kOutputBits = 8;
  // MultiplyByQuantizedMultiplierGreaterThanOne: the shift is applied before the high multiply.
  auto scaled_diff = [&](std::int32_t diff) {
    return saturating_rounding_doubling_high_mul(diff * (std::int32_t{1} << p.input_left_shift),
                                                 p.input_multiplier);
  };
  for (int r = 0; r < p.rows; ++r) {
    const std::int8_t* x = in + std::size_t(r) * std::size_t(p.cols);
    std::int8_t* y = out + std::size_t(r) * std::size_t(p.cols);
    std::int8_t max_in_row = std::numeric_limits<std::int8_t>::min();
    for (int c = 0; c < p.cols; ++c) max_in_row = std::max(max_in_row, x[c]);
    std::int32_t sum_of_exps = 0;  // 12 integer bits
    for (int c = 0; c < p.cols; ++c) {
      const std::int32_t diff = std::int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min)
        sum_of_exps = fx_add(sum_of_exps, rescale(exp_on_negative_values(scaled_diff(diff), kScaledDiffIntegerBits),
                                                  0, kAccumulationIntegerBits));
    }
    int num_bits_over_unit = 0;
    const std::int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    const int exponent = num_bits_over_unit + 31 - kOutputBits;
    for (int c = 0; c < p.cols; ++c) {
      const std::int32_t diff = std::int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min) {
        const std::int32_t exp_in_0 = exp_on_negative_values(scaled_diff(diff), kScaledDiffIntegerBits);
        const std::int32_t unsat = rounding_divide_by_pot(fx_mul(shifted_scale, exp_in_0), exponent);
        y[c] = static_cast<std::int8_t>(std::clamp(unsat - 128, std::int32_t{-128}, std::int32_t{127}));
      } else {
        y[c] = -128;
      }
    }
  }
}

SoftmaxS16Params make_softmax_s16_params(int rows, int cols, float beta, float input_scale) {
  SoftmaxS16Params p;
  p.rows = rows;
  p.cols = cols;
  constexpr std::int32_t range = 65535;
  // TFLite builds both tables with double arithmetic (kept for backward compatibility).
  p.exp_lut = make_lut_s16<double>(10.0 / range, 32767, 2.0 / range, 0, [](double v) { return std::exp(v); });
  p.one_over_one_plus_x_lut =
      make_lut_s16<double>(1.0 / range, -32768, 2.0 / range, 0, [](double v) { return 1.0 / (1.0 + v); });
  // input_scale * beta is a float product in TFLite, then divided in double.
  p.input = quantize_multiplier(double(input_scale * beta) / (10.0 / 65535.0));
  return p;
}

void softmax_s16_ref(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out) {
  softmax_s16_rows(p, in, out, 0, p.rows);
}

void softmax_s16_rows(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out, int row_begin,
                      int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const std::int16_t* x = in + std::size_t(r) * std::size_t(p.cols);
    std::int16_t* y = out + std::size_t(r) * std::size_t(p.cols);
    std::int16_t max_in_row = std::numeric_limits<std::int16_t>::min();
    for (int c = 0; c < p.cols; ++c) max_in_row = std::max(max_in_row, x[c]);
    std::int32_t sum_of_exps = 0;  // Q16.15; the exps are kept in the output meanwhile
    for (int c = 0; c < p.cols; ++c) {
      const std::int32_t diff = std::int32_t{x[c]} - max_in_row;
      const std::int32_t scaled = multiply_by_quantized_multiplier(diff, p.input);
      const auto sym = static_cast<std::int16_t>(std::clamp(scaled + 32767, std::int32_t{-32768}, std::int32_t{32767}));
      y[c] = lut_lookup(sym, p.exp_lut);
      sum_of_exps += y[c];
    }
    const int headroom_plus_one = std::countl_zero(static_cast<std::uint32_t>(sum_of_exps));
    const auto shifted_sum = static_cast<std::int32_t>(
        ((static_cast<std::int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // 1 / (1 + x) with x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
    const std::int32_t sym_shifted_sum = shifted_sum - ((1 << 15) + (1 << 16));
    const auto sat = static_cast<std::int16_t>(std::clamp(sym_shifted_sum, std::int32_t{-32768}, std::int32_t{32767}));
    const std::int16_t reciprocal = lut_lookup(sat, p.one_over_one_plus_x_lut);
    const int right_shift = 31 - headroom_plus_one;
    const std::int64_t round = std::int64_t{1} << (right_shift - 1);
    for (int c = 0; c < p.cols; ++c) {
      const auto v = static_cast<std::int32_t>((std::int64_t{y[c]} * std::int64_t{reciprocal} + round) >> right_shift);
      y[c] = static_cast<std::int16_t>(std::clamp(v, std::int32_t{0}, std::int32_t{32767}));
    }
  }
}

bool make_logistic_s16_params(float input_scale, SigmoidS16Params* p) {
  return make_sigmoid_s16_params(input_scale, 0, p);
}
bool make_tanh_s16_params(float input_scale, SigmoidS16Params* p) {
  return make_sigmoid_s16_params(input_scale, 1, p);
}

void logistic_s16_ref(const SigmoidS16Params& p, std::size_t n, const std::int16_t* in, std::int16_t* out) {
  const auto& table = kSigmoidTableU16;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t v = sigmoid_table_input(p, in[i]);
    const auto abs_v = static_cast<std::uint32_t>(std::abs(v));
    const std::uint32_t uh = abs_v >> 9;  // 1/4 of the scale and 7 bits of it
    std::uint32_t result;
    if (uh >= 255) {
      result = std::uint32_t{0x7FFF} << 10;
    } else {
      const std::uint32_t ua = table[uh], ub = table[uh + 1];
      result = (ua << 9) + (abs_v & 0x1ff) * (ub - ua);
    }
    result = v >= 0 ? result + (1u << 9) : (1u << (16 + 9)) - result + (1u << 9) - 1;
    out[i] = static_cast<std::int16_t>(result >> 10);
  }
}

void tanh_s16_ref(const SigmoidS16Params& p, std::size_t n, const std::int16_t* in, std::int16_t* out) {
  const auto& table = kSigmoidTableU16;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t v = sigmoid_table_input(p, in[i]);
    const auto abs_v = static_cast<std::uint32_t>(std::abs(v));
    const std::uint32_t uh = abs_v >> 8;
    std::int32_t result;
    if (uh >= 255) {
      result = 0xFFFF << 8;
    } else {
      const std::uint32_t ua = table[uh], ub = table[uh + 1];
      const std::uint32_t ut = abs_v & 0xFF;
      result = static_cast<std::int32_t>((ua << 8) + ut * (ub - ua));
    }
    // tanh(x) = 2 sigmoid(2x) - 1
    result = v >= 0 ? result - (1 << (14 + 9)) + (1 << (9 - 2)) : -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
    out[i] = static_cast<std::int16_t>(result >> (9 - 1));
  }
}

ReluParams make_relu_params(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp,
                            std::int32_t type_min, std::int32_t type_max) {
  // TFLite's QuantizedReluX(0, inf): rescale, clamp below at the output's zero.
  ReluParams p;
  // TFLite divides the two float scales in float (then widens): that rounding shows in the
  // multiplier's last bit (LiteRT.js agrees with this, not with a double division).
  p.multiplier = quantize_multiplier(double(input_scale / output_scale));
  p.input_zero_point = input_zp;
  p.output_zero_point = output_zp;
  p.act_min = std::max(type_min, output_zp + static_cast<std::int32_t>(std::round(0.0f / output_scale)));
  p.act_max = type_max;
  return p;
}

namespace {
inline std::int32_t relu_element(const ReluParams& p, std::int32_t q) {
  const std::int32_t v = p.output_zero_point + multiply_by_quantized_multiplier(q - p.input_zero_point, p.multiplier);
  return std::min(p.act_max, std::max(p.act_min, v));
}
}  // namespace

LutS8 make_relu_s8_lut(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp) {
  const ReluParams p = make_relu_params(input_scale, input_zp, output_scale, output_zp, -128, 127);
  LutS8 lut{};
  for (std::int32_t q = -128; q <= 127; ++q)
    lut[static_cast<std::uint8_t>(static_cast<std::int8_t>(q))] = static_cast<std::int8_t>(relu_element(p, q));
  return lut;
}

void relu_s16_ref(const ReluParams& p, std::size_t n, const std::int16_t* in, std::int16_t* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int16_t>(relu_element(p, in[i]));
}

LutS16 make_gelu_s16_lut(float input_scale, float output_scale, bool approximate) {
  return approximate ? make_lut_s16<float>(input_scale, 0, output_scale, 0, gelu_transform_approximate)
                     : make_lut_s16<float>(input_scale, 0, output_scale, 0, gelu_transform);
}

LutS16 make_rsqrt_s16_lut(float input_scale, float output_scale) {
  return make_lut_s16<float>(input_scale, 0, output_scale, 0, [output_scale](float v) {
    return v <= 0.0f ? 32767.0f * output_scale : 1.0f / std::sqrt(v);
  });
}

void lut_s16_ref(const LutS16& lut, std::size_t n, const std::int16_t* in, std::int16_t* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = lut_lookup(in[i], lut);
}

LutS8 make_rsqrt_s8_lut(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp) {
  // TFLite's RsqrtEvalQuantized: 1/sqrt of the integer value in fixed point (with 20 bits of
  // headroom), then one requantization by 1 / (sqrt(input_scale) * output_scale).
  const double scale = 1.0 / double(std::sqrt(input_scale) * output_scale);
  const QuantizedMultiplier out_m = quantize_multiplier(scale);
  constexpr int kShift = 20;
  LutS8 lut{};
  for (std::int32_t q = -128; q <= 127; ++q) {
    const std::int32_t value = q - input_zp;
    std::int32_t result = 127;  // 0 stands for the largest output; TFLite refuses negatives at run time
    if (value > 0) {
      const QuantizedMultiplier inv = inv_sqrt_quantized_multiplier(value);
      const std::int32_t data = multiply_by_quantized_multiplier(std::int32_t{1}, {inv.multiplier, inv.shift + kShift});
      const std::int32_t v = multiply_by_quantized_multiplier(data, {out_m.multiplier, out_m.shift - kShift}) + output_zp;
      result = std::clamp(v, std::int32_t{-128}, std::int32_t{127});
    }
    lut[static_cast<std::uint8_t>(static_cast<std::int8_t>(q))] = static_cast<std::int8_t>(result);
  }
  return lut;
}

float gelu_transform(float x) {
  return 0.5f * x * std::erfc(x * static_cast<float>(-M_SQRT1_2));
}

float gelu_transform_approximate(float x) {
  constexpr float kSqrt2dPi = M_2_SQRTPI * M_SQRT1_2;  // sqrt(2 / pi)
  return 0.5f * x * (1.f + std::tanh(kSqrt2dPi * (x + 0.044715f * x * x * x)));
}

void lut_s8_ref(const LutS8& lut, std::size_t n, const std::int8_t* in, std::int8_t* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = lut_lookup(in[i], lut);
}

}  // namespace nilm::runtime::kernels
