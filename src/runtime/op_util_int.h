// Helpers for the integer op adapters (ops_*_int.cc, ops_quantize.cc): reading a tensor's
// quantization parameters with a clear error, and deriving TFLite's requantization (multipliers
// per output channel, offsets, activation clamp) once at load time.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/int8_gemm.h"
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

// ---- which optimized integer CONV_2D / FULLY_CONNECTED variant applies to a node ----

// The int8 kernels read an i32 bias, the int16x8 ones accumulate in 64 bits and read an i64 bias
// (TFLite's int32-bias int16x8 variant is a different kernel, not provided).
bool bias_i32(const PrepareContext& ctx);
bool bias_i64(const PrepareContext& ctx);

// Constant weights and bias (folded at load time) and the variant's instructions present
// (FnGetter returns nullptr when this build or CPU lacks them).
template <auto FnGetter>
bool gemm_applies(const PrepareContext& ctx) {
  const bool bias_ok = ctx.inputs.size() < 3 || !ctx.inputs[2] || ctx.inputs[2]->is_constant();
  return ctx.inputs[1]->is_constant() && bias_ok && FnGetter() != nullptr;
}
template <auto FnGetter>
bool gemm_applies_i32(const PrepareContext& ctx) { return bias_i32(ctx) && gemm_applies<FnGetter>(ctx); }
template <auto FnGetter>
bool gemm_applies_i64(const PrepareContext& ctx) { return bias_i64(ctx) && gemm_applies<FnGetter>(ctx); }
template <auto FnGetter>
bool gemm_applies_i32_avx2(const PrepareContext& ctx) {  // weights in [-127, 127] (vpmaddubsw)
  return gemm_applies_i32<FnGetter>(ctx) && weights_symmetric_range(ctx);
}
template <kernels::HybridS8Fn (*Get)()>
bool hybrid_applies(const PrepareContext& ctx) { return ctx.inputs[1]->is_constant() && Get() != nullptr; }
template <kernels::HybridS8Fn (*Get)()>
bool hybrid_applies_avx2(const PrepareContext& ctx) { return hybrid_applies<Get>(ctx) && weights_symmetric_range(ctx); }

inline kernels::QGemmS8Fn portable_s8() { return &kernels::qgemm_s8_portable; }
inline kernels::QGemmS16Fn portable_s16() { return &kernels::qgemm_s16_portable; }
inline kernels::HybridS8Fn portable_hybrid() { return &kernels::hybrid_s8_portable; }

// qmin / qmax of an integer element type.
std::int32_t type_min(model::ElementType t);
std::int32_t type_max(model::ElementType t);

}  // namespace nilm::runtime

namespace nilm::runtime {


}  // namespace nilm::runtime
