// Helpers for the integer op adapters (ops_*_int.cc, ops_quantize.cc): reading a tensor's
// quantization parameters with a clear error, and deriving TFLite's requantization (multipliers
// per output channel, offsets, activation clamp) once at load time.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/int_reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {

// The tensor's quantization; fail_op naming the tensor and its role if it has none.
const model::Quantization& quantization_of(const PrepareContext& ctx, const model::Tensor& t, const char* role);
// Per-tensor scale / zero point (the first entry; fail_op if the tensor is per-channel).
float tensor_scale(const PrepareContext& ctx, const model::Tensor& t, const char* role);
std::int32_t tensor_zero_point(const PrepareContext& ctx, const model::Tensor& t, const char* role);

// CONV_2D / FULLY_CONNECTED: multiplier[c] = in_scale * w_scale[c] / out_scale (in double, as
// TFLite), input offset -zp_in, output offset zp_out, the activation on the output grid. Checks
// that the weights are symmetric (zero points 0) and have 1 or `channels` scales along axis 0.
kernels::Requantization conv_requantization(const PrepareContext& ctx, int channels,
                                            model::Activation activation);
// XNNPACK's float32 requantization scales of an int8 CONV_2D (what TFLite's default delegate
// and LiteRT.js run): in_scale * w_scale[c] / out_scale computed in float, in that order.
std::vector<float> float_requantization_scales(const PrepareContext& ctx, int channels);
// TFLite's int16x8 FULLY_CONNECTED requantization scales: double(in) * double(w[c]) / double(out).
std::vector<double> double_requantization_scales(const PrepareContext& ctx, int channels);
// The weights' per-channel (or single) scales, checked as above.
std::vector<float> weight_scales(const PrepareContext& ctx, int channels);

// True when the constant int8 weights (input 1) never hold -128: the AVX2 int8 kernels take
// |x| * sign(w, x) with vpmaddubsw, exact only for weights in [-127, 127] (TFLite's symmetric
// range, which the quantizer writes); a file with -128 gets the other variants.
bool weights_symmetric_range(const PrepareContext& ctx);

// qmin / qmax of an integer element type.
std::int32_t type_min(model::ElementType t);
std::int32_t type_max(model::ElementType t);

}  // namespace nilm::runtime

namespace nilm::runtime {

// Kernel parameters of the integer variants, from the node (the same rules as the float
// adapters in ops_conv.cc, ops_pool.cc, ops_fully_connected.cc, ops_matmul.cc).
kernels::ConvParams conv_params_of(const PrepareContext& ctx);  // CONV_2D
kernels::PoolParams pool_params_of(const PrepareContext& ctx);  // MAX/AVERAGE_POOL_2D
kernels::FcParams fc_params_of(const PrepareContext& ctx);      // FULLY_CONNECTED
kernels::BatchMatMulParams matmul_params_of(const PrepareContext& ctx);

}  // namespace nilm::runtime
