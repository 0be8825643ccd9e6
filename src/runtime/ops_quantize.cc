// QUANTIZE (f32 -> i8 / i16, and requantization between i8 and i16) and DEQUANTIZE (i8 / i16 /
// f16 -> f32), as TFLite's quantize.cc / dequantize.cc compute them. These are the edges of a
// quantized graph with float inputs and outputs; a DEQUANTIZE of a constant (f16 or int8
// weights feeding a float op) is folded at load time instead (fold_dequantize.h). AVX2 variants
// (kernels/quantize_x86.h) give the reference's integers and floats.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/quantize_x86.h"
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct QuantizeState : OpState {
  std::size_t n = 0;
  float scale = 1;              // f32 -> int: the output scale
  std::int32_t in_zero = 0, out_zero = 0;
  kernels::QuantizedMultiplier m;  // int -> int: in_scale / out_scale
  // DEQUANTIZE: per-tensor or per-channel parameters
  std::vector<float> scales;
  std::vector<std::int64_t> zeros;
  std::size_t channels = 1, inner = 1;
};

std::unique_ptr<OpState> prepare_quantize(const PrepareContext& ctx) {
  const model::Tensor& x = *ctx.inputs[0];
  const model::Tensor& y = *ctx.outputs[0];
  auto s = std::make_unique<QuantizeState>();
  s->n = std::size_t(y.elements());
  s->scale = tensor_scale(ctx, y, "output");
  s->out_zero = tensor_zero_point(ctx, y, "output");
  if (x.type != ET::f32) {
    const float in_scale = tensor_scale(ctx, x, "input");
    s->in_zero = tensor_zero_point(ctx, x, "input");
    s->m = kernels::quantize_multiplier(double(in_scale) / double(s->scale));
  }
  return s;
}

template <class Out>
void eval_quantize_f32(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  auto* out = static_cast<Out*>(ctx.outputs[0]);
  if constexpr (sizeof(Out) == 1) kernels::quantize_f32_s8_ref(s.n, ctx.in(0), s.scale, s.out_zero, out);
  else kernels::quantize_f32_s16_ref(s.n, ctx.in(0), s.scale, s.out_zero, out);
}

template <class In, class Out>
void eval_requantize(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  kernels::requantize_ref(s.n, static_cast<const In*>(ctx.inputs[0]), s.in_zero, s.m, s.out_zero,
                          static_cast<Out*>(ctx.outputs[0]));
}

std::unique_ptr<OpState> prepare_dequantize(const PrepareContext& ctx) {
  const model::Tensor& x = *ctx.inputs[0];
  auto s = std::make_unique<QuantizeState>();
  s->n = std::size_t(x.elements());
  if (x.type == ET::f16) return s;
  const auto& q = quantization_of(ctx, x, "input");
  s->scales = q.scales;
  s->zeros = q.zero_points;
  if (s->zeros.empty()) s->zeros.assign(s->scales.size(), 0);
  if (q.per_channel()) {  // constant weights (TFLite's PerChannelDequantize)
    s->channels = q.scales.size();
    for (std::size_t d = std::size_t(q.axis) + 1; d < x.shape.size(); ++d) s->inner *= std::size_t(x.shape[d]);
  }
  return s;
}

template <class In>
void eval_dequantize(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  kernels::dequantize_ref(s.n, static_cast<const In*>(ctx.inputs[0]), s.scales.data(), s.zeros.data(),
                          s.channels, s.inner, ctx.out(0));
}

void eval_dequantize_f16(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  kernels::dequantize_f16_ref(s.n, static_cast<const std::uint16_t*>(ctx.inputs[0]), ctx.out(0));
}

// ---- vectorized variants (kernels/quantize_x86.h): the same integers / floats as the reference,
// the elements split across threads in blocks of at least kGrain ----

constexpr int kGrain = 4096;

template <class F>
void split_elements(const EvalContext& ctx, std::size_t n, F&& f) {
  const int total = int((n + kGrain - 1) / kGrain);
  const int chunk = chunk_size(total, ctx.pool.size(), 1);
  const int tasks = (total + chunk - 1) / chunk;
  if (tasks <= 1) return f(std::size_t{0}, n);
  ctx.pool.run(tasks, [&](int task, int) {
    const std::size_t begin = std::size_t(task) * std::size_t(chunk) * kGrain;
    f(begin, std::min(n, begin + std::size_t(chunk) * kGrain));
  });
}

template <class Out>
void eval_quantize_f32_avx2(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  static const auto fn = kernels::quantize_f32_avx2<Out>();
  const float* in = ctx.in(0);
  auto* out = static_cast<Out*>(ctx.outputs[0]);
  split_elements(ctx, s.n, [&](std::size_t b, std::size_t e) { fn(e - b, in + b, s.scale, s.out_zero, out + b); });
}

template <class In, class Out>
void eval_requantize_avx2(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  static const auto fn = kernels::requantize_avx2<In, Out>();
  const auto* in = static_cast<const In*>(ctx.inputs[0]);
  auto* out = static_cast<Out*>(ctx.outputs[0]);
  split_elements(ctx, s.n, [&](std::size_t b, std::size_t e) { fn(e - b, in + b, s.in_zero, s.m, s.out_zero, out + b); });
}

template <class In>
void eval_dequantize_avx2(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<QuantizeState>(state);
  static const auto fn = kernels::dequantize_avx2<In>();
  const auto* in = static_cast<const In*>(ctx.inputs[0]);
  float* out = ctx.out(0);
  const float scale = s.scales[0];
  const auto zero = static_cast<std::int32_t>(s.zeros[0]);
  split_elements(ctx, s.n, [&](std::size_t b, std::size_t e) { fn(e - b, in + b, scale, zero, out + b); });
}

template <class Out>
bool quantize_f32_applies(const PrepareContext&) { return kernels::quantize_f32_avx2<Out>() != nullptr; }
template <class In, class Out>
bool requantize_applies(const PrepareContext&) { return kernels::requantize_avx2<In, Out>() != nullptr; }
template <class In>
bool dequantize_applies(const PrepareContext& ctx) {  // per-tensor only (activations)
  const model::Tensor& x = *ctx.inputs[0];
  return kernels::dequantize_avx2<In>() != nullptr && !quantization_of(ctx, x, "input").per_channel();
}

constexpr auto Q = model::OpKind::quantize;
constexpr auto D = model::OpKind::dequantize;

// QUANTIZE and DEQUANTIZE have one input: "weights" is the input's type.
const KernelEntry entries[] = {
    {"quantize_f32_s8_ref", Q, ET::f32, ET::f32, ET::i8, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_quantize_f32<std::int8_t>},
    {"quantize_f32_s16_ref", Q, ET::f32, ET::f32, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_quantize_f32<std::int16_t>},
    {"requantize_s8_s8_ref", Q, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_requantize<std::int8_t, std::int8_t>},
    {"requantize_s16_s16_ref", Q, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_requantize<std::int16_t, std::int16_t>},
    {"requantize_s16_s8_ref", Q, ET::i16, ET::i16, ET::i8, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_requantize<std::int16_t, std::int8_t>},
    {"requantize_s8_s16_ref", Q, ET::i8, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_quantize, eval_requantize<std::int8_t, std::int16_t>},
    {"dequantize_s8_ref", D, ET::i8, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_dequantize, eval_dequantize<std::int8_t>},
    {"dequantize_s16_ref", D, ET::i16, ET::i16, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_dequantize, eval_dequantize<std::int16_t>},
    {"dequantize_f16_ref", D, ET::f16, ET::f16, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_dequantize, eval_dequantize_f16},
    {"quantize_f32_s8_avx2", Q, ET::f32, ET::f32, ET::i8, 2, cpu_avx2, MicroSet::none,
     quantize_f32_applies<std::int8_t>, prepare_quantize, eval_quantize_f32_avx2<std::int8_t>},
    {"quantize_f32_s16_avx2", Q, ET::f32, ET::f32, ET::i16, 2, cpu_avx2, MicroSet::none,
     quantize_f32_applies<std::int16_t>, prepare_quantize, eval_quantize_f32_avx2<std::int16_t>},
    {"requantize_s8_s8_avx2", Q, ET::i8, ET::i8, ET::i8, 2, cpu_avx2, MicroSet::none,
     requantize_applies<std::int8_t, std::int8_t>, prepare_quantize, eval_requantize_avx2<std::int8_t, std::int8_t>},
    {"requantize_s16_s16_avx2", Q, ET::i16, ET::i16, ET::i16, 2, cpu_avx2, MicroSet::none,
     requantize_applies<std::int16_t, std::int16_t>, prepare_quantize,
     eval_requantize_avx2<std::int16_t, std::int16_t>},
    {"requantize_s16_s8_avx2", Q, ET::i16, ET::i16, ET::i8, 2, cpu_avx2, MicroSet::none,
     requantize_applies<std::int16_t, std::int8_t>, prepare_quantize, eval_requantize_avx2<std::int16_t, std::int8_t>},
    {"requantize_s8_s16_avx2", Q, ET::i8, ET::i8, ET::i16, 2, cpu_avx2, MicroSet::none,
     requantize_applies<std::int8_t, std::int16_t>, prepare_quantize, eval_requantize_avx2<std::int8_t, std::int16_t>},
    {"dequantize_s8_avx2", D, ET::i8, ET::i8, ET::f32, 2, cpu_avx2, MicroSet::none, dequantize_applies<std::int8_t>,
     prepare_dequantize, eval_dequantize_avx2<std::int8_t>},
    {"dequantize_s16_avx2", D, ET::i16, ET::i16, ET::f32, 2, cpu_avx2, MicroSet::none,
     dequantize_applies<std::int16_t>, prepare_dequantize, eval_dequantize_avx2<std::int16_t>},
};

}  // namespace

std::span<const KernelEntry> quantize_kernels() { return entries; }

}  // namespace nilm::runtime
