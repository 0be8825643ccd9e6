// FULLY_CONNECTED integer variants: int8 (w8_a8), int16 activations x int8 weights (w8_a16) and
// hybrid (w8: each float input row quantized per run, symmetric or asymmetric as the op's
// asymmetric_quantize_inputs says, int8 weights per channel or per tensor, float output).
#include <algorithm>

#include "runtime/kernels/int8_gemm.h"
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

// ---- optimized: the integer GEMM over the file's [out, in] weights (no copy), outputs split
// across threads in multiples of 4; bit-identical to the reference ----

template <class Args, class Fn>
struct FcGemmState : OpState {
  Args args;  // everything but the activation / output pointers
  std::vector<std::remove_const_t<std::remove_pointer_t<decltype(Args{}.bias)>>> bias;
  std::vector<std::int32_t> sums;
  kernels::Requantization rq;
  kernels::ExpandedMultipliers expanded;
  Fn fn = nullptr;
};

using FcS8State = FcGemmState<kernels::QGemmS8Args, kernels::QGemmS8Fn>;
using FcS16State = FcGemmState<kernels::QGemmS16Args, kernels::QGemmS16Fn>;

template <class State, class Bias>
std::unique_ptr<OpState> prepare_fc_gemm(const PrepareContext& ctx, decltype(State{}.fn) fn) {
  auto s = std::make_unique<State>();
  const kernels::FcParams p = fc_params_of(ctx);
  s->rq = conv_requantization(ctx, p.outputs, ctx.op.attr<model::FullyConnectedAttrs>().activation);
  s->fn = fn;
  const std::int8_t* w = ctx.inputs[1]->data.template as<std::int8_t>();
  const model::Tensor* b = ctx.inputs.size() > 2 ? ctx.inputs[2] : nullptr;
  kernels::fold_input_offset(w, p.outputs, p.depth, b ? b->data.template as<Bias>() : static_cast<const Bias*>(nullptr),
                             s->rq.input_offset, s->bias, s->sums);
  auto& g = s->args;
  g.m = p.rows;
  g.n = p.outputs;
  g.k = p.depth;
  g.a_row = p.depth;
  g.b = w;
  g.bias = s->bias.data();
  g.b_sums = s->sums.data();
  g.mult = s->rq.multipliers.data();
  g.mult_count = int(s->rq.multipliers.size());
  s->expanded = kernels::ExpandedMultipliers(s->rq.multipliers, g.n);
  s->expanded.attach(g);
  g.out_offset = s->rq.output_offset;
  g.act_min = s->rq.act_min;
  g.act_max = s->rq.act_max;
  g.ldc = p.outputs;
  s->prepared_bytes = s->bias.size() * sizeof(s->bias[0]) + s->sums.size() * 4;
  return s;
}

template <class State, class In, class Out>
void eval_fc_gemm(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<State>(state);
  auto g = s.args;
  g.a = static_cast<const In*>(ctx.inputs[0]);
  g.c = static_cast<Out*>(ctx.outputs[0]);
  const int chunk = chunk_size(g.n, 2 * ctx.pool.size(), 16);
  ctx.pool.run((g.n + chunk - 1) / chunk, [&](int task, int) { s.fn(g, task * chunk, std::min(g.n, (task + 1) * chunk)); });
}

// Constant weights and bias (folded at load time) and the variant's instructions present.
template <auto FnGetter>
bool gemm_applies(const PrepareContext& ctx) {
  const bool bias_ok = ctx.inputs.size() < 3 || !ctx.inputs[2] || ctx.inputs[2]->is_constant();
  return ctx.inputs[1]->is_constant() && bias_ok && FnGetter() != nullptr;
}
template <auto FnGetter>
bool gemm_applies_i32(const PrepareContext& ctx) { return bias_i32(ctx) && gemm_applies<FnGetter>(ctx); }
template <auto FnGetter>
bool gemm_applies_i64(const PrepareContext& ctx) { return bias_i64(ctx) && gemm_applies<FnGetter>(ctx); }

kernels::QGemmS8Fn portable_s8() { return &kernels::qgemm_s8_portable; }
kernels::QGemmS16Fn portable_s16() { return &kernels::qgemm_s16_portable; }

template <kernels::QGemmS8Fn (*Get)()>
std::unique_ptr<OpState> prepare_fc_s8(const PrepareContext& ctx) {
  return prepare_fc_gemm<FcS8State, std::int32_t>(ctx, Get());
}
template <kernels::QGemmS16Fn (*Get)()>
std::unique_ptr<OpState> prepare_fc_s16(const PrepareContext& ctx) {
  return prepare_fc_gemm<FcS16State, std::int64_t>(ctx, Get());
}

constexpr auto F = model::OpKind::fully_connected;
constexpr CpuFeatures vnni = cpu_avx512f | cpu_avx512vnni;

const KernelEntry entries[] = {
    {"fully_connected_s8_ref", F, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, bias_i32, prepare_fc_int,
     eval_fc_s8_ref},
    {"fully_connected_s16s8_ref", F, ET::i16, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, bias_i64,
     prepare_fc_int, eval_fc_s16s8_ref},
    {"fully_connected_f32s8_hybrid_ref", F, ET::f32, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_fc_hybrid, eval_fc_hybrid_ref},
    {"fully_connected_s8_opt", F, ET::i8, ET::i8, ET::i8, 1, cpu_none, MicroSet::none,
     gemm_applies_i32<portable_s8>, prepare_fc_s8<portable_s8>, eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s8_avx2", F, ET::i8, ET::i8, ET::i8, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_avx2>, prepare_fc_s8<kernels::qgemm_s8_avx2>,
     eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s8_avx512vnni", F, ET::i8, ET::i8, ET::i8, 3, vnni, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_avx512vnni>, prepare_fc_s8<kernels::qgemm_s8_avx512vnni>,
     eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s16s8_opt", F, ET::i16, ET::i8, ET::i16, 1, cpu_none, MicroSet::none,
     gemm_applies_i64<portable_s16>, prepare_fc_s16<portable_s16>, eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
    {"fully_connected_s16s8_avx2", F, ET::i16, ET::i8, ET::i16, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_avx2>, prepare_fc_s16<kernels::qgemm_s16_avx2>,
     eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
};

}  // namespace

std::span<const KernelEntry> fully_connected_int_kernels() { return entries; }

}  // namespace nilm::runtime
