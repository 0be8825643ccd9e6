// BATCH_MATMUL integer variants (attention scores and weighted values of the transformer):
// int8 x int8 -> int8 with zero points on both operands, int16 x int16 -> int16 (symmetric,
// 64-bit accumulators), as TFLite's reference BatchMatMul.
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct MatMulIntState : OpState {
  kernels::BatchMatMulParams p;
  kernels::Requantization rq;
};

std::unique_ptr<OpState> prepare_matmul_int(const PrepareContext& ctx) {
  auto s = std::make_unique<MatMulIntState>();
  s->p = matmul_params_of(ctx);
  const model::Tensor& x = *ctx.inputs[0];
  const model::Tensor& w = *ctx.inputs[1];
  const model::Tensor& y = *ctx.outputs[0];
  const double real = double(tensor_scale(ctx, x, "lhs")) * double(tensor_scale(ctx, w, "rhs")) /
                      double(tensor_scale(ctx, y, "output"));
  s->rq.multipliers = {kernels::quantize_multiplier(real)};
  s->rq.input_offset = -tensor_zero_point(ctx, x, "lhs");
  s->rq.weights_offset = -tensor_zero_point(ctx, w, "rhs");
  s->rq.output_offset = tensor_zero_point(ctx, y, "output");
  s->rq.act_min = type_min(y.type);
  s->rq.act_max = type_max(y.type);
  return s;
}

void eval_matmul_s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MatMulIntState>(state);
  kernels::batch_matmul_s8_ref(s.p, s.rq, static_cast<const std::int8_t*>(ctx.inputs[0]),
                               static_cast<const std::int8_t*>(ctx.inputs[1]), static_cast<std::int8_t*>(ctx.outputs[0]));
}

void eval_matmul_s16_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MatMulIntState>(state);
  kernels::batch_matmul_s16_ref(s.p, s.rq, static_cast<const std::int16_t*>(ctx.inputs[0]),
                                static_cast<const std::int16_t*>(ctx.inputs[1]),
                                static_cast<std::int16_t*>(ctx.outputs[0]));
}

constexpr auto M = model::OpKind::batch_matmul;

const KernelEntry entries[] = {
    {"batch_matmul_s8_ref", M, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_matmul_int,
     eval_matmul_s8_ref},
    {"batch_matmul_s16_ref", M, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_matmul_int, eval_matmul_s16_ref},
};

}  // namespace

std::span<const KernelEntry> matmul_int_kernels() { return entries; }

}  // namespace nilm::runtime
