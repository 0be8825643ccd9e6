// CONV_2D integer variants: int8 (w8_a8), int16 activations x int8 weights (w8_a16) and hybrid
// (w8: float input quantized per image, int8 per-channel weights, float output). The reference
// rows compute exactly TFLite's reference kernels (kernels/int_reference.h).
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct ConvIntState : OpState {
  kernels::ConvParams p;
  kernels::Requantization rq;
  std::vector<float> weight_scales;  // hybrid
};

std::unique_ptr<OpState> prepare_conv_int(const PrepareContext& ctx) {
  auto s = std::make_unique<ConvIntState>();
  s->p = conv_params_of(ctx);
  s->rq = conv_requantization(ctx, s->p.out_c, ctx.op.attr<model::Conv2DAttrs>().activation);
  return s;
}

const void* bias_of(const EvalContext& ctx) { return ctx.inputs[2]; }

void eval_conv_s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  kernels::conv2d_s8_ref(s.p, s.rq, static_cast<const std::int8_t*>(ctx.inputs[0]),
                         static_cast<const std::int8_t*>(ctx.inputs[1]),
                         static_cast<const std::int32_t*>(bias_of(ctx)), static_cast<std::int8_t*>(ctx.outputs[0]));
}

void eval_conv_s16s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  kernels::conv2d_s16s8_ref(s.p, s.rq, static_cast<const std::int16_t*>(ctx.inputs[0]),
                            static_cast<const std::int8_t*>(ctx.inputs[1]),
                            static_cast<const std::int64_t*>(bias_of(ctx)), static_cast<std::int16_t*>(ctx.outputs[0]));
}

// The int16x8 kernels accumulate in 64 bits and read an i64 bias (TFLite's int32-bias variant
// accumulates in 32 bits: a different kernel, not provided).
bool bias_absent_or(const PrepareContext& ctx, ET type) {
  return ctx.inputs.size() < 3 || !ctx.inputs[2] || ctx.inputs[2]->type == type;
}
bool bias_i32(const PrepareContext& ctx) { return bias_absent_or(ctx, ET::i32); }
bool bias_i64(const PrepareContext& ctx) { return bias_absent_or(ctx, ET::i64); }

std::unique_ptr<OpState> prepare_conv_hybrid(const PrepareContext& ctx) {
  auto s = std::make_unique<ConvIntState>();
  s->p = conv_params_of(ctx);
  s->weight_scales = weight_scales(ctx, s->p.out_c);
  const auto& p = s->p;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(p.batch), std::size_t(p.in_h) * p.in_w * p.in_c);
  return s;
}

void eval_conv_hybrid_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  const auto& p = s.p;
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(p.batch),
                                               std::size_t(p.in_h) * p.in_w * p.in_c);
  kernels::conv2d_f32s8_hybrid_ref(p, s.weight_scales.data(), int(s.weight_scales.size()), ctx.in(0),
                                   static_cast<const std::int8_t*>(ctx.inputs[1]), ctx.in(2), ctx.out(0), scratch);
}

constexpr auto C = model::OpKind::conv2d;

const KernelEntry entries[] = {
    {"conv2d_s8_ref", C, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, bias_i32, prepare_conv_int,
     eval_conv_s8_ref},
    {"conv2d_s16s8_ref", C, ET::i16, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, bias_i64, prepare_conv_int,
     eval_conv_s16s8_ref},
    {"conv2d_f32s8_hybrid_ref", C, ET::f32, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_conv_hybrid, eval_conv_hybrid_ref},
};

}  // namespace

std::span<const KernelEntry> conv_int_kernels() { return entries; }

}  // namespace nilm::runtime
