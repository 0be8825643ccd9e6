// Helpers shared by the op adapters (ops_*.cc): translating graph attributes into kernel
// parameters and declaring table entries tersely.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "core/error.h"
#include "model/graph.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/params.h"

namespace nilm::runtime {

// A kernel-parameter struct wrapped as prepared state.
template <class Params>
struct ParamsState : OpState {
  Params p{};
  model::Activation post = model::Activation::none;  // tanh: applied after the kernel
  const kernels::MicroKernels* micro = nullptr;
};

template <class S>
const S& state_as(const OpState& s) { return static_cast<const S&>(s); }

// Fused activations the kernels clamp to; tanh is left for a post pass (see apply_post).
kernels::Activation kernel_activation(model::Activation a);
// Applies a fused tanh after the kernel (nothing for the clamping activations).
void apply_post(model::Activation a, float* data, std::size_t n, const EvalContext& ctx,
                const kernels::MicroKernels* micro);

// TFLite's padding rule: the number of padded elements before the first one.
int padding_before(model::Padding padding, int in, int out, int kernel, int stride, int dilation);

// Shape padded on the left with 1s to kernels::kMaxRank.
kernels::Dims padded_dims(const model::Shape& shape);

[[noreturn]] void fail_op(const PrepareContext& ctx, const std::string& message);

// Splits [0, total) into about `parts` chunks aligned to `grain`; returns the chunk size.
int chunk_size(int total, int parts, int grain);

// Kernel parameters from a node, for the float and the integer variants alike.
kernels::ConvParams conv_params(const PrepareContext& ctx, model::Padding padding, int stride_h, int stride_w,
                                int dilation_h, int dilation_w, model::Activation act, bool depthwise);
kernels::ConvParams conv_params_of(const PrepareContext& ctx);  // CONV_2D
kernels::PoolParams pool_params_of(const PrepareContext& ctx);  // MAX/AVERAGE_POOL_2D
kernels::FcParams fc_params_of(const PrepareContext& ctx);      // FULLY_CONNECTED
kernels::BatchMatMulParams matmul_params_of(const PrepareContext& ctx);

// Of the output positions [r0, r1) of a 1-D convolution (one row, no dilation), the ones whose
// window [ox * stride - pad, + k_w) lies wholly inside the input row: [lo, hi). Their patches
// are read in place; the positions outside it overhang the padding and must be gathered.
struct RowRange {
  int lo = 0, hi = 0;
};
inline RowRange conv1d_interior_rows(const kernels::ConvParams& p, int r0, int r1) {
  int lo = (p.pad_left + p.stride_w - 1) / p.stride_w;
  int hi = p.in_w - p.k_w + p.pad_left >= 0 ? (p.in_w - p.k_w + p.pad_left) / p.stride_w + 1 : 0;
  lo = std::clamp(lo, r0, r1);
  hi = std::clamp(hi, lo, r1);
  return {lo, hi};
}

// A 1-D max-pooling window inside its row (H = 1: the seq2point CNN's pools): y = the
// elementwise max of k_w >= 2 contiguous vectors of c values at x, in the reference's order
// (the later value wins only if greater). No window arithmetic per position, and channel loops
// the compiler vectorizes: 3-5x faster than the general walk on the CNN's small pools.
inline bool max_pool_window_inside_1d(const kernels::PoolParams& p, int x0) {
  return p.in_h == 1 && p.k_h == 1 && p.out_h == 1 && p.k_w >= 2 && x0 >= 0 && x0 + p.k_w <= p.in_w;
}
template <class T>
void max_of_vectors(const T* __restrict x, int k_w, std::size_t c, T* __restrict y) {
  const T* __restrict x1 = x + c;
  for (std::size_t q = 0; q < c; ++q) y[q] = x1[q] > x[q] ? x1[q] : x[q];
  for (int j = 2; j < k_w; ++j) {
    const T* __restrict xj = x + std::size_t(j) * c;
    for (std::size_t q = 0; q < c; ++q) y[q] = xj[q] > y[q] ? xj[q] : y[q];
  }
}

// Shorthand for a float32 entry.
constexpr model::ElementType f32 = model::ElementType::f32;

}  // namespace nilm::runtime
