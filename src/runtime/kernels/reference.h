// The reference tier: float32 kernels written as the definition of each op, loop by loop, with
// no blocking, no threads and no intrinsics. They are always available (any CPU, any shape),
// serve as the fallback when no faster variant applies, and are the oracle every optimized
// kernel is tested against.
#pragma once

#include <cstddef>

#include "runtime/kernels/params.h"

namespace nilm::runtime::kernels {

void conv2d_f32_ref(const ConvParams& p, const float* in, const float* weights, const float* bias,
                    float* out);
// DEPTHWISE_CONV_2D: weights [1, kh, kw, out_c], out_c = in_c * depth_multiplier.
void depthwise_conv2d_f32_ref(const ConvParams& p, const float* in, const float* weights,
                              const float* bias, float* out);
void max_pool_f32_ref(const PoolParams& p, const float* in, float* out);
void average_pool_f32_ref(const PoolParams& p, const float* in, float* out);
void fully_connected_f32_ref(const FcParams& p, const float* in, const float* weights,
                             const float* bias, float* out);
void binary_f32_ref(const BinaryParams& p, const float* a, const float* b, float* out);
void unary_f32_ref(UnaryOp op, std::size_t n, const float* in, float* out);
void reduce_f32_ref(const ReduceParams& p, const float* in, float* out);
void softmax_f32_ref(const SoftmaxParams& p, const float* in, float* out);
void batch_matmul_f32_ref(const BatchMatMulParams& p, const float* lhs, const float* rhs,
                          float* out);
void transpose_f32_ref(const TransposeParams& p, const float* in, float* out);
void concatenation_f32_ref(const ConcatParams& p, const float* const* inputs, float* out);

}  // namespace nilm::runtime::kernels
