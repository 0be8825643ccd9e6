// Reference integer kernels for the element-wise and transformer ops (int8 and int16), each
// computing exactly what TFLite's reference kernel computes: the same fixed-point
// requantization (fixed_point.h), the same gemmlowp-style exp / reciprocal (fixed_point_math.h)
// and the same lookup tables (lut.h). The op adapters (runtime/ops_elementwise_int.cc) derive
// these parameter structs from the graph once, as TFLite's Prepare does.
#pragma once

#include <cstdint>

#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/lut.h"
#include "runtime/kernels/params.h"

namespace nilm::runtime::kernels {

// ADD / SUB (TFLite's general path: both inputs rescaled to twice the larger input scale with
// `left_shift` bits of headroom: 20 for int8, 15 for int16), MUL, SQUARED_DIFFERENCE (int8,
// left_shift 7). Broadcasting geometry as for the float kernels (make_binary_params).
struct QuantizedBinaryParams {
  BinaryParams geometry;  // op, output shape and operand strides (act unused: see act_min/max)
  std::int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;  // -zp1, -zp2, +zp_out
  int left_shift = 0;
  QuantizedMultiplier input1, input2, output;
  std::int32_t act_min = 0, act_max = 0;  // fused activation as a quantized clamp
  // int16 ADD / SUB when every scale is a power of two and pot_scale_int16 holds (the schema's
  // default, which nilm's writer leaves): TFLite then shifts the finer input right by
  // -pot_shift (one of the two shifts is 0) and adds with int16 saturation.
  bool pot_int16 = false;
  int pot_shift1 = 0, pot_shift2 = 0;
};
void binary_s8_ref(const QuantizedBinaryParams& p, const std::int8_t* a, const std::int8_t* b,
                   std::int8_t* out);
void binary_s16_ref(const QuantizedBinaryParams& p, const std::int16_t* a, const std::int16_t* b,
                    std::int16_t* out);

// MEAN (TFLite's QuantizedMeanOrSum): int32 sums, the zero point removed once per output, one
// requantization by input_scale / output_scale with 1 / count folded into the multiplier.
struct QuantizedMeanParams {
  ReduceParams geometry;
  std::int32_t input_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;  // input_scale / output_scale, before folding in the count
};
void mean_s8_ref(const QuantizedMeanParams& p, const std::int8_t* in, std::int8_t* out);
// The two steps both MEAN variants share: 1 / count folded into the multiplier, and one
// output (before the type's clamp) from the int32 sum of `count` inputs.
QuantizedMultiplier mean_multiplier(QuantizedMultiplier m, std::int64_t count);
std::int32_t mean_output(const QuantizedMeanParams& p, QuantizedMultiplier folded, std::int32_t sum, std::int64_t count);
void mean_s16_ref(const QuantizedMeanParams& p, const std::int16_t* in, std::int16_t* out);

// int8 SOFTMAX over the last axis (TFLite's reference fixed-point kernel): differences to the
// row maximum scaled by beta * input_scale into Q5.26, exp in fixed point, sum in Q12.19,
// reciprocal by Newton-Raphson; output scale 1/256, zero point -128.
struct SoftmaxS8Params {
  int rows = 1, cols = 1;
  std::int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int diff_min = 0;  // differences below this contribute nothing
};
SoftmaxS8Params make_softmax_s8_params(int rows, int cols, float beta, float input_scale);
void softmax_s8_ref(const SoftmaxS8Params& p, const std::int8_t* in, std::int8_t* out);
// exp(beta * input_scale * diff) in fixed point (0 integer bits) for a difference diff <= 0 to
// the row maximum, as the kernel computes it (diff >= diff_min).
std::int32_t softmax_s8_exp(const SoftmaxS8Params& p, std::int32_t diff);

// int16 SOFTMAX (TFLite's SoftmaxInt16): exp and 1 / (1 + x) from 513-entry tables;
// output scale 1/32768, zero point 0.
struct SoftmaxS16Params {
  int rows = 1, cols = 1;
  QuantizedMultiplier input;  // input_scale * beta / (10 / 65535): [-65535, 0] <-> [-10, 0]
  LutS16 exp_lut{}, one_over_one_plus_x_lut{};
};
SoftmaxS16Params make_softmax_s16_params(int rows, int cols, float beta, float input_scale);
void softmax_s16_ref(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out);

// int16 LOGISTIC / TANH (TFLite's reference_integer_ops, symmetric, output scale 1/32768):
// the input rescaled to 1/(3 * 4096) steps, then interpolated in the sigmoid table.
struct SigmoidS16Params {
  std::int32_t input_multiplier = 0;  // 0: power-of-two input scale, `input_left_shift` says which
  int input_left_shift = 0;
};
// Derives the parameters from the input scale as TFLite's Prepare does; false when TFLite
// would refuse it.
bool make_logistic_s16_params(float input_scale, SigmoidS16Params* p);
bool make_tanh_s16_params(float input_scale, SigmoidS16Params* p);
void logistic_s16_ref(const SigmoidS16Params& p, std::size_t n, const std::int16_t* in, std::int16_t* out);
void tanh_s16_ref(const SigmoidS16Params& p, std::size_t n, const std::int16_t* in, std::int16_t* out);

// int8 element-wise ops as one 256-entry table each (the table holds exactly what TFLite's
// kernel computes for every input value).
LutS8 make_relu_s8_lut(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp);
LutS8 make_rsqrt_s8_lut(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp);
float gelu_transform(float x);              // TFLite's GeluTransform (erfc form)
float gelu_transform_approximate(float x);  // TFLite's GeluTransformApproximate (tanh form)
void lut_s8_ref(const LutS8& lut, std::size_t n, const std::int8_t* in, std::int8_t* out);

// int16 GELU and RSQRT: 513-entry interpolated tables of the float function (TFLite's
// LUTPopulate<int16_t> / LUTLookup); RSQRT of a value <= 0 is the largest output.
LutS16 make_gelu_s16_lut(float input_scale, float output_scale, bool approximate);
LutS16 make_rsqrt_s16_lut(float input_scale, float output_scale);
void lut_s16_ref(const LutS16& lut, std::size_t n, const std::int16_t* in, std::int16_t* out);

// RELU (TFLite's QuantizedReluX): requantize by input_scale / output_scale, clamp at the
// output's zero. int8 runs it as a table; int16 computes it per element.
struct ReluParams {
  QuantizedMultiplier multiplier;
  std::int32_t input_zero_point = 0, output_zero_point = 0, act_min = 0, act_max = 0;
};
ReluParams make_relu_params(float input_scale, std::int32_t input_zp, float output_scale, std::int32_t output_zp,
                            std::int32_t type_min, std::int32_t type_max);
void relu_s16_ref(const ReluParams& p, std::size_t n, const std::int16_t* in, std::int16_t* out);

// TFLite's CheckedLog2: log2 of a scale when it is a power of two (within 1e-3 in log2).
bool checked_log2(float x, int* log2_result);

}  // namespace nilm::runtime::kernels
