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


}  // namespace nilm::runtime
