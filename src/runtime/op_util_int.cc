#include "runtime/op_util_int.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

namespace nilm::runtime {

const model::Quantization& quantization_of(const PrepareContext& ctx, const model::Tensor& t, const char* role) {
  if (!t.quantization || t.quantization->scales.empty())
    fail_op(ctx, std::string(role) + " '" + t.name + "' has no quantization parameters");
  return *t.quantization;
}

float tensor_scale(const PrepareContext& ctx, const model::Tensor& t, const char* role) {
  const auto& q = quantization_of(ctx, t, role);
  if (q.per_channel()) fail_op(ctx, std::string(role) + " '" + t.name + "' must be quantized per tensor");
  return q.scales[0];
}

std::int32_t tensor_zero_point(const PrepareContext& ctx, const model::Tensor& t, const char* role) {
  const auto& q = quantization_of(ctx, t, role);
  return q.zero_points.empty() ? 0 : static_cast<std::int32_t>(q.zero_points[0]);
}

static bool bias_absent_or(const PrepareContext& ctx, model::ElementType type) {
  return ctx.inputs.size() < 3 || !ctx.inputs[2] || ctx.inputs[2]->type == type;
}
bool bias_i32(const PrepareContext& ctx) { return bias_absent_or(ctx, model::ElementType::i32); }
bool bias_i64(const PrepareContext& ctx) { return bias_absent_or(ctx, model::ElementType::i64); }

bool weights_symmetric_range(const PrepareContext& ctx) {
  const model::Tensor& w = *ctx.inputs[1];
  if (!w.is_constant() || w.type != model::ElementType::i8) return false;
  const std::int8_t* v = w.data.as<std::int8_t>();
  return std::none_of(v, v + w.elements(), [](std::int8_t x) { return x == -128; });
}

std::int32_t type_min(model::ElementType t) {
  return t == model::ElementType::i8 ? std::numeric_limits<std::int8_t>::min()
                                     : std::numeric_limits<std::int16_t>::min();
}
std::int32_t type_max(model::ElementType t) {
  return t == model::ElementType::i8 ? std::numeric_limits<std::int8_t>::max()
                                     : std::numeric_limits<std::int16_t>::max();
}

std::vector<float> weight_scales(const PrepareContext& ctx, int channels) {
  const model::Tensor& w = *ctx.inputs[1];
  const auto& q = quantization_of(ctx, w, "weights");
  if (q.per_channel() && (q.axis != 0 || int(q.scales.size()) != channels))
    fail_op(ctx, "weights '" + w.name + "' must be quantized per tensor or per output channel (axis 0, " +
                     std::to_string(channels) + " scales)");
  for (auto z : q.zero_points)
    if (z != 0) fail_op(ctx, "weights '" + w.name + "' must be symmetric (zero point 0), not " + std::to_string(z));
  return q.scales;
}

std::vector<float> float_requantization_scales(const PrepareContext& ctx, int channels) {
  const float in_scale = tensor_scale(ctx, *ctx.inputs[0], "input");
  const float out_scale = tensor_scale(ctx, *ctx.outputs[0], "output");
  std::vector<float> scales;
  for (float ws : weight_scales(ctx, channels)) scales.push_back(in_scale * ws / out_scale);
  return scales;
}

std::vector<double> double_requantization_scales(const PrepareContext& ctx, int channels) {
  const double in_scale = tensor_scale(ctx, *ctx.inputs[0], "input");
  const double out_scale = tensor_scale(ctx, *ctx.outputs[0], "output");
  std::vector<double> scales;
  for (float ws : weight_scales(ctx, channels)) scales.push_back(in_scale * double(ws) / out_scale);
  return scales;
}

kernels::Requantization conv_requantization(const PrepareContext& ctx, int channels,
                                            model::Activation activation) {
  const model::Tensor& x = *ctx.inputs[0];
  const model::Tensor& y = *ctx.outputs[0];
  const float in_scale = tensor_scale(ctx, x, "input");
  const float out_scale = tensor_scale(ctx, y, "output");
  kernels::Requantization rq;
  for (float ws : weight_scales(ctx, channels))
    rq.multipliers.push_back(kernels::quantize_multiplier(double(in_scale) * double(ws) / double(out_scale)));
  rq.input_offset = -tensor_zero_point(ctx, x, "input");
  rq.output_offset = tensor_zero_point(ctx, y, "output");
  kernels::activation_range(kernel_activation(activation), out_scale, rq.output_offset, type_min(y.type),
                            type_max(y.type), rq.act_min, rq.act_max);
  return rq;
}

}  // namespace nilm::runtime

namespace nilm::runtime {

kernels::ConvParams conv_params_of(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Conv2DAttrs>();
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
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  p.dilation_h = a.dilation_h;
  p.dilation_w = a.dilation_w;
  p.pad_top = padding_before(a.padding, p.in_h, p.out_h, p.k_h, a.stride_h, a.dilation_h);
  p.pad_left = padding_before(a.padding, p.in_w, p.out_w, p.k_w, a.stride_w, a.dilation_w);
  p.act = kernel_activation(a.activation);
  return p;
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
