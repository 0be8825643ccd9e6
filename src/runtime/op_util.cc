#include "runtime/op_util.h"

#include <algorithm>

#include "runtime/kernels/reference.h"

namespace nilm::runtime {

kernels::Activation kernel_activation(model::Activation a) {
  switch (a) {
    case model::Activation::relu: return kernels::Activation::relu;
    case model::Activation::relu6: return kernels::Activation::relu6;
    case model::Activation::relu_n1_to_1: return kernels::Activation::relu_n1_to_1;
    case model::Activation::none:
    case model::Activation::tanh: return kernels::Activation::none;
  }
  return kernels::Activation::none;
}

void apply_post(model::Activation a, float* data, std::size_t n, const EvalContext& ctx,
                const kernels::MicroKernels* micro) {
  if (a != model::Activation::tanh) return;
  if (micro) micro->unary(kernels::UnaryOp::tanh, n, data, data);
  else kernels::unary_f32_ref(kernels::UnaryOp::tanh, n, data, data);
}

int padding_before(model::Padding padding, int in, int out, int kernel, int stride, int dilation) {
  if (padding == model::Padding::valid) return 0;
  const int effective = (kernel - 1) * dilation + 1;
  const int total = std::max((out - 1) * stride + effective - in, 0);
  return total / 2;
}

kernels::Dims padded_dims(const model::Shape& shape) {
  kernels::Dims d;
  d.fill(1);
  const int rank = int(shape.size());
  for (int i = 0; i < rank; ++i) d[std::size_t(kernels::kMaxRank - rank + i)] = shape[std::size_t(i)];
  return d;
}

void fail_op(const PrepareContext& ctx, const std::string& message) {
  fail(ctx.where + ": operator " + std::to_string(ctx.node) + " (" + model::op_name(ctx.op.kind) +
       "): " + message);
}

int chunk_size(int total, int parts, int grain) {
  if (total <= 0) return 1;
  int c = (total + parts - 1) / std::max(parts, 1);
  c = (c + grain - 1) / grain * grain;
  return std::max(c, 1);
}

}  // namespace nilm::runtime
