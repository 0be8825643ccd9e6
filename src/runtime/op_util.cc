#include "runtime/op_util.h"

#include <algorithm>
#include <array>

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

kernels::ConvParams conv_params(const PrepareContext& ctx, model::Padding padding, int sh, int sw, int dh,
                       int dw, model::Activation act, bool depthwise) {
  const auto& x = ctx.inputs[0]->shape;
  const auto& w = ctx.inputs[1]->shape;
  const auto& y = ctx.outputs[0]->shape;
  if (x.size() != 4 || w.size() != 4 || y.size() != 4) fail_op(ctx, "expects 4-D input, weights and output");
  kernels::ConvParams p;
  p.batch = x[0];
  p.in_h = x[1];
  p.in_w = x[2];
  p.in_c = x[3];
  p.out_h = y[1];
  p.out_w = y[2];
  p.out_c = y[3];
  p.k_h = w[1];
  p.k_w = w[2];
  p.stride_h = sh;
  p.stride_w = sw;
  p.dilation_h = dh;
  p.dilation_w = dw;
  p.pad_top = padding_before(padding, p.in_h, p.out_h, p.k_h, sh, dh);
  p.pad_left = padding_before(padding, p.in_w, p.out_w, p.k_w, sw, dw);
  p.act = kernel_activation(act);
  if (depthwise) p.depth_multiplier = p.out_c / std::max(p.in_c, 1);
  return p;
}

kernels::ConvParams conv_params_of(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Conv2DAttrs>();
  return conv_params(ctx, a.padding, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.activation, false);
}

kernels::PoolParams pool_params_of(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Pool2DAttrs>();
  const auto& x = ctx.inputs[0]->shape;
  const auto& y = ctx.outputs[0]->shape;
  if (x.size() != 4 || y.size() != 4) fail_op(ctx, "expects 4-D input and output");
  kernels::PoolParams p;
  p.batch = x[0];
  p.in_h = x[1];
  p.in_w = x[2];
  p.channels = x[3];
  p.out_h = y[1];
  p.out_w = y[2];
  p.k_h = a.filter_h;
  p.k_w = a.filter_w;
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  p.pad_top = padding_before(a.padding, p.in_h, p.out_h, p.k_h, p.stride_h, 1);
  p.pad_left = padding_before(a.padding, p.in_w, p.out_w, p.k_w, p.stride_w, 1);
  p.act = kernel_activation(a.activation);
  return p;
}

kernels::FcParams fc_params_of(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::FullyConnectedAttrs>();
  const auto& w = ctx.inputs[1]->shape;
  if (w.size() != 2) fail_op(ctx, "weights must be 2-D [out, in]");
  kernels::FcParams p;
  p.outputs = w[0];
  p.depth = w[1];
  p.rows = p.depth ? int(ctx.inputs[0]->elements() / p.depth) : 0;
  p.act = kernel_activation(a.activation);
  return p;
}

kernels::BatchMatMulParams matmul_params_of(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::BatchMatMulAttrs>();
  const auto& sx = ctx.inputs[0]->shape;
  const auto& sy = ctx.inputs[1]->shape;
  if (sx.size() < 2 || sy.size() < 2) fail_op(ctx, "operands must have rank 2 or more");
  if (sx.size() > 6 || sy.size() > 6) fail_op(ctx, "rank above 6 is not supported");
  kernels::BatchMatMulParams p;
  p.adj_x = a.adj_x;
  p.adj_y = a.adj_y;
  const int rx = int(sx.size()), ry = int(sy.size());
  p.m = a.adj_x ? sx[std::size_t(rx - 1)] : sx[std::size_t(rx - 2)];
  p.k = a.adj_x ? sx[std::size_t(rx - 2)] : sx[std::size_t(rx - 1)];
  p.n = a.adj_y ? sy[std::size_t(ry - 2)] : sy[std::size_t(ry - 1)];
  std::array<std::int64_t, 4> bx{1, 1, 1, 1}, by{1, 1, 1, 1};
  for (int i = 0; i < rx - 2; ++i) bx[std::size_t(4 - (rx - 2) + i)] = sx[std::size_t(i)];
  for (int i = 0; i < ry - 2; ++i) by[std::size_t(4 - (ry - 2) + i)] = sy[std::size_t(i)];
  std::int64_t strx = 1, stry = 1;
  for (int d = 3; d >= 0; --d) {
    const auto i = std::size_t(d);
    if (bx[i] != by[i] && bx[i] != 1 && by[i] != 1) fail_op(ctx, "batch dimensions do not broadcast");
    p.batch[i] = std::max(bx[i], by[i]);
    p.lhs_stride[i] = bx[i] == 1 ? 0 : strx;
    p.rhs_stride[i] = by[i] == 1 ? 0 : stry;
    strx *= bx[i];
    stry *= by[i];
  }
  return p;
}

}  // namespace nilm::runtime
