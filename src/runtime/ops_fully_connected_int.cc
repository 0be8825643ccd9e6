// FULLY_CONNECTED integer variants: int8 (w8_a8), int16 activations x int8 weights (w8_a16) and
// hybrid (w8: each float input row quantized per run, symmetric or asymmetric as the op's
// asymmetric_quantize_inputs says, int8 weights per channel or per tensor, float output).
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct FcIntState : OpState {
  kernels::FcParams p;
  kernels::Requantization rq;
  std::vector<float> weight_scales;  // hybrid
  bool asymmetric = false;           // hybrid
};

std::unique_ptr<OpState> prepare_fc_int(const PrepareContext& ctx) {
  auto s = std::make_unique<FcIntState>();
  s->p = fc_params_of(ctx);
  s->rq = conv_requantization(ctx, s->p.outputs, ctx.op.attr<model::FullyConnectedAttrs>().activation);
  return s;
}

void eval_fc_s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  kernels::fully_connected_s8_ref(s.p, s.rq, static_cast<const std::int8_t*>(ctx.inputs[0]),
                                  static_cast<const std::int8_t*>(ctx.inputs[1]),
                                  static_cast<const std::int32_t*>(ctx.inputs[2]),
                                  static_cast<std::int8_t*>(ctx.outputs[0]));
}

void eval_fc_s16s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  kernels::fully_connected_s16s8_ref(s.p, s.rq, static_cast<const std::int16_t*>(ctx.inputs[0]),
                                     static_cast<const std::int8_t*>(ctx.inputs[1]),
                                     static_cast<const std::int64_t*>(ctx.inputs[2]),
                                     static_cast<std::int16_t*>(ctx.outputs[0]));
}

bool bias_absent_or(const PrepareContext& ctx, ET type) {
  return ctx.inputs.size() < 3 || !ctx.inputs[2] || ctx.inputs[2]->type == type;
}
bool bias_i32(const PrepareContext& ctx) { return bias_absent_or(ctx, ET::i32); }
bool bias_i64(const PrepareContext& ctx) { return bias_absent_or(ctx, ET::i64); }

std::unique_ptr<OpState> prepare_fc_hybrid(const PrepareContext& ctx) {
  auto s = std::make_unique<FcIntState>();
  s->p = fc_params_of(ctx);
  s->weight_scales = weight_scales(ctx, s->p.outputs);
  s->asymmetric = ctx.op.attr<model::FullyConnectedAttrs>().asymmetric_quantize_inputs;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(s->p.rows), std::size_t(s->p.depth));
  return s;
}

void eval_fc_hybrid_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(s.p.rows), std::size_t(s.p.depth));
  kernels::fully_connected_f32s8_hybrid_ref(s.p, s.weight_scales.data(), int(s.weight_scales.size()), s.asymmetric,
                                            ctx.in(0), static_cast<const std::int8_t*>(ctx.inputs[1]), ctx.in(2),
                                            ctx.out(0), scratch);
}

constexpr auto F = model::OpKind::fully_connected;

const KernelEntry entries[] = {
    {"fully_connected_s8_ref", F, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, bias_i32, prepare_fc_int,
     eval_fc_s8_ref},
    {"fully_connected_s16s8_ref", F, ET::i16, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, bias_i64,
     prepare_fc_int, eval_fc_s16s8_ref},
    {"fully_connected_f32s8_hybrid_ref", F, ET::f32, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_fc_hybrid, eval_fc_hybrid_ref},
};

}  // namespace

std::span<const KernelEntry> fully_connected_int_kernels() { return entries; }

}  // namespace nilm::runtime
