// The reference tier of the integer kernels (int8, int16x8, hybrid, f16): each computes exactly
// what TFLite's reference kernel computes (reference_ops / reference_integer_ops, the portable
// tensor utils for the hybrid ops), loop by loop, so that a quantized .tflite gives the same
// numbers in nilm and in TFLite. Shapes come in the float kernels' parameter structs
// (params.h); the quantization arithmetic in a Requantization (below) derived once at load time.
//
// Convention: real = scale * (q - zero_point). Weights of conv / dense layers are symmetric
// int8 (zero point 0), per output channel or per tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/params.h"

namespace nilm::runtime::kernels {

// How an integer op turns its accumulators into output values.
struct Requantization {
  std::vector<QuantizedMultiplier> multipliers;  // one per output channel, or one per tensor
  std::int32_t input_offset = 0;   // -(input zero point), added to every input value
  std::int32_t weights_offset = 0; // -(zero point of input 1) where the op has one (BATCH_MATMUL)
  std::int32_t output_offset = 0;  // output zero point
  std::int32_t act_min = 0, act_max = 0;  // the fused activation as an integer clamp
  // When not empty (int8 CONV_2D: what TFLite's XNNPACK delegate runs), the accumulators are
  // requantized in float32 with these per-channel (or one) scales, requantize_fp32(), instead of
  // the fixed-point multipliers.
  std::vector<float> float_scales;
  // When not empty (int16x8 FULLY_CONNECTED: TFLite's current kernel), requantize_f64() with
  // these double scales instead.
  std::vector<double> double_scales;
  double double_scale_at(int channel) const {
    return double_scales.size() == 1 ? double_scales[0] : double_scales[std::size_t(channel)];
  }
  float float_scale_at(int channel) const {
    return float_scales.size() == 1 ? float_scales[0] : float_scales[std::size_t(channel)];
  }
  const QuantizedMultiplier& at(int channel) const {
    return multipliers.size() == 1 ? multipliers[0] : multipliers[std::size_t(channel)];
  }
};

// TFLite's CalculateActivationRangeQuantized: the fused activation's bounds on the output grid,
// intersected with [qmin, qmax].
void activation_range(Activation act, float scale, std::int32_t zero_point, std::int32_t qmin,
                      std::int32_t qmax, std::int32_t& lo, std::int32_t& hi);

// ---- QUANTIZE / DEQUANTIZE ----

// TFLite's AffineQuantize: q = clamp(round_half_away(x / scale) + zero_point).
void quantize_f32_s8_ref(std::size_t n, const float* in, float scale, std::int32_t zero_point, std::int8_t* out);
void quantize_f32_s16_ref(std::size_t n, const float* in, float scale, std::int32_t zero_point, std::int16_t* out);
// TFLite's Requantize: q_out = clamp(mbqm(q_in - zp_in, in_scale / out_scale) + zp_out).
template <class In, class Out>
void requantize_ref(std::size_t n, const In* in, std::int32_t in_zero_point, QuantizedMultiplier m,
                    std::int32_t out_zero_point, Out* out);
// real = scale * (q - zero_point), per tensor (channels 1) or per channel: element i belongs to
// channel (i / inner) % channels.
template <class In>
void dequantize_ref(std::size_t n, const In* in, const float* scales, const std::int64_t* zero_points,
                    std::size_t channels, std::size_t inner, float* out);
float half_to_float(std::uint16_t h);  // IEEE binary16 -> binary32, exact (subnormals, inf, NaN)
void dequantize_f16_ref(std::size_t n, const std::uint16_t* in, float* out);

// ---- CONV_2D (NHWC input, OHWI weights) ----

// int8: acc = sum w * (x + input_offset) + bias; y = clamp(mbqm(acc, m[c]) + output_offset).
void conv2d_s8_ref(const ConvParams& p, const Requantization& rq, const std::int8_t* in,
                   const std::int8_t* weights, const std::int32_t* bias, std::int8_t* out);
// int16x8: 64-bit accumulators, no zero points; y = clamp(mbqm64(acc, m[c])).
void conv2d_s16s8_ref(const ConvParams& p, const Requantization& rq, const std::int16_t* in,
                      const std::int8_t* weights, const std::int64_t* bias, std::int16_t* out);

// ---- FULLY_CONNECTED (weights [outputs, depth]) ----

void fully_connected_s8_ref(const FcParams& p, const Requantization& rq, const std::int8_t* in,
                            const std::int8_t* weights, const std::int32_t* bias, std::int8_t* out);
void fully_connected_s16s8_ref(const FcParams& p, const Requantization& rq, const std::int16_t* in,
                               const std::int8_t* weights, const std::int64_t* bias, std::int16_t* out);

// ---- hybrid (dynamic range): float input quantized per run, int8 weights, float output ----

// TFLite's (Portable)SymmetricQuantizeFloats: scale = max|x| / 127, q = round(x * 127 / max|x|)
// in [-127, 127]; all zero: scale 1. Returns the scale.
float symmetric_quantize_floats(const float* x, std::size_t n, std::int8_t* q);
// XNNPACK's dynamic (qd8) quantization, which LiteRT.js runs hybrid ops with: the range
// [min(0, min x), max(0, max x)] onto [-128, 127] in float arithmetic, a nudged zero point
// (returned in offset), q = offset + x / scale rounded half to even; all zero: scale 1, offset 0.
float asymmetric_quantize_floats(const float* x, std::size_t n, std::int8_t* q, std::int32_t& offset);

struct HybridScratch {  // per run, `rows` = batch rows (FC) or images (conv)
  std::int8_t* quantized = nullptr;  // rows x row elements
  float* scales = nullptr;           // rows
  std::int32_t* offsets = nullptr;   // rows
};
std::size_t hybrid_scratch_bytes(std::size_t rows, std::size_t row_elements);
HybridScratch hybrid_scratch(std::byte* memory, std::size_t rows, std::size_t row_elements);

// FULLY_CONNECTED hybrid (TFLite's EvalHybrid + MatrixBatchVectorMultiplyAccumulate): each row
// of the input quantized on its own (asymmetric when `asymmetric`), then
// y = bias + float(sum w * (q - offset)) * (row_scale * weight_scale[o]), then the activation.
// weight_scales has `outputs` entries, or 1 (per tensor: folded into the row scale first).
void fully_connected_f32s8_hybrid_ref(const FcParams& p, const float* weight_scales, int scale_count,
                                      bool asymmetric, const float* in, const std::int8_t* weights,
                                      const float* bias, float* out, const HybridScratch& scratch);
// CONV_2D hybrid (TFLite's EvalHybridPerChannel + reference HybridConvPerChannel): each image
// quantized asymmetrically, y = float(acc) * weight_scale[c] * image_scale + bias, activation.
// Per-tensor weights (scale_count 1) take TFLite's other path (EvalHybrid): symmetric input,
// y = float(acc) * (image_scale * weight_scale) + bias.
void conv2d_f32s8_hybrid_ref(const ConvParams& p, const float* weight_scales, int scale_count,
                             const float* in, const std::int8_t* weights, const float* bias, float* out,
                             const HybridScratch& scratch);

// ---- BATCH_MATMUL ----

// int8: acc = sum (x + input_offset) * (y + weights_offset); z = clamp(mbqm(acc) + output_offset).
void batch_matmul_s8_ref(const BatchMatMulParams& p, const Requantization& rq, const std::int8_t* lhs,
                         const std::int8_t* rhs, std::int8_t* out);
// int16: zero points 0, 64-bit accumulators, z = clamp(mbqm64(acc)).
void batch_matmul_s16_ref(const BatchMatMulParams& p, const Requantization& rq, const std::int16_t* lhs,
                          const std::int16_t* rhs, std::int16_t* out);

// ---- pooling (input and output share scale and zero point) ----

template <class T>
void max_pool_int_ref(const PoolParams& p, std::int32_t act_min, std::int32_t act_max, const T* in, T* out);
// Average of the in-bounds values rounded half away from zero (TFLite's integer AveragePool).
template <class T>
void average_pool_int_ref(const PoolParams& p, std::int32_t act_min, std::int32_t act_max, const T* in, T* out);

}  // namespace nilm::runtime::kernels
