// MAX_POOL_2D and AVERAGE_POOL_2D on int8 / int16: the output keeps the input's scale and zero
// point (TFLite requires it), so the kernels work on the integers directly.
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct PoolIntState : OpState {
  kernels::PoolParams p;
  std::int32_t act_min = 0, act_max = 0;
};

std::unique_ptr<OpState> prepare_pool_int(const PrepareContext& ctx) {
  auto s = std::make_unique<PoolIntState>();
  s->p = pool_params_of(ctx);
  const model::Tensor& x = *ctx.inputs[0];
  const model::Tensor& y = *ctx.outputs[0];
  const float scale = tensor_scale(ctx, y, "output");
  const std::int32_t zero = tensor_zero_point(ctx, y, "output");
  if (tensor_scale(ctx, x, "input") != scale || tensor_zero_point(ctx, x, "input") != zero)
    fail_op(ctx, "output '" + y.name + "' must keep the input's scale and zero point");
  kernels::activation_range(s->p.act, scale, zero, type_min(y.type), type_max(y.type), s->act_min, s->act_max);
  return s;
}

template <class T, bool kMax>
void eval_pool_int_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolIntState>(state);
  const T* in = static_cast<const T*>(ctx.inputs[0]);
  T* out = static_cast<T*>(ctx.outputs[0]);
  if constexpr (kMax) kernels::max_pool_int_ref(s.p, s.act_min, s.act_max, in, out);
  else kernels::average_pool_int_ref(s.p, s.act_min, s.act_max, in, out);
}

constexpr auto MP = model::OpKind::max_pool2d;
constexpr auto AP = model::OpKind::average_pool2d;

const KernelEntry entries[] = {
    {"max_pool2d_s8_ref", MP, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int8_t, true>},
    {"max_pool2d_s16_ref", MP, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int16_t, true>},
    {"average_pool2d_s8_ref", AP, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int8_t, false>},
    {"average_pool2d_s16_ref", AP, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_pool_int, eval_pool_int_ref<std::int16_t, false>},
};

}  // namespace

std::span<const KernelEntry> pool_int_kernels() { return entries; }

}  // namespace nilm::runtime
