// Integer (int8 / int16) rows for the activations and SOFTMAX: LOGISTIC, TANH, GELU, RELU,
// RSQRT (int8: one 256-entry table each; int16: TFLite's interpolated tables or per-element
// requantization) and SOFTMAX (int8 fixed point, int16 tables), reference and optimized
// (portable rows; x86: AVX-512 int16 SOFTMAX and int16 tables, VBMI int8 tables).
// Prepare derives TFLite's tables and multipliers and refuses the output grids TFLite refuses.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "runtime/kernels/quantized_reference.h"
#include "runtime/kernels/quantized_rows.h"
#include "runtime/kernels/lut_x86.h"
#include "runtime/kernels/softmax_s16_x86.h"
#include "runtime/ops_int_checks.h"

namespace nilm::runtime {
namespace {

using K = model::OpKind;
using model::ElementType;
constexpr ElementType s8 = ElementType::i8;
constexpr ElementType s16 = ElementType::i16;

// ---- SOFTMAX ----

struct SoftmaxS8State : OpState {
  kernels::SoftmaxS8Params p;
  kernels::SoftmaxS8ExpTable exps{};  // optimized tier only
};
struct SoftmaxS16State : OpState { kernels::SoftmaxS16Params p; };

void softmax_rows_cols(const PrepareContext& ctx, int* rows, int* cols) {
  const auto& shape = ctx.inputs[0]->shape;
  if (shape.empty()) fail_op(ctx, "the input needs at least one dimension");
  *cols = shape.back();
  *rows = *cols ? int(ctx.inputs[0]->elements() / *cols) : 0;
}

std::unique_ptr<OpState> prepare_softmax_s8(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  require_output_grid(ctx, qy, 1.0 / 256, -128, 0.001);
  int rows = 0, cols = 0;
  softmax_rows_cols(ctx, &rows, &cols);
  auto s = std::make_unique<SoftmaxS8State>();
  s->p = kernels::make_softmax_s8_params(rows, cols, ctx.op.attr<model::SoftmaxAttrs>().beta, qx.scale);
  return s;
}

std::unique_ptr<OpState> prepare_softmax_s16(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  require_symmetric(ctx, *ctx.inputs[0], qx);
  require_output_grid(ctx, qy, 1.0 / 32768, 0, 0.001);
  int rows = 0, cols = 0;
  softmax_rows_cols(ctx, &rows, &cols);
  auto s = std::make_unique<SoftmaxS16State>();
  s->p = kernels::make_softmax_s16_params(rows, cols, ctx.op.attr<model::SoftmaxAttrs>().beta, qx.scale);
  s->prepared_bytes = sizeof(kernels::LutS16) * 2;
  return s;
}

std::unique_ptr<OpState> prepare_softmax_s8_opt(const PrepareContext& ctx) {
  auto s = prepare_softmax_s8(ctx);
  auto& st = static_cast<SoftmaxS8State&>(*s);
  st.exps = kernels::make_softmax_s8_exp_table(st.p);
  st.prepared_bytes = sizeof(st.exps);
  return s;
}

void eval_softmax_s8_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const SoftmaxS8State&>(state);
  const int chunk = chunk_size(s.p.rows, 4 * ctx.pool.size(), 1);
  ctx.pool.run((s.p.rows + chunk - 1) / chunk, [&](int task, int) {
    kernels::softmax_s8_rows(s.p, s.exps, static_cast<const std::int8_t*>(ctx.inputs[0]),
                             static_cast<std::int8_t*>(ctx.outputs[0]), task * chunk,
                             std::min(s.p.rows, (task + 1) * chunk));
  });
}

void eval_softmax_s16_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const SoftmaxS16State&>(state);
  const int chunk = chunk_size(s.p.rows, 4 * ctx.pool.size(), 1);
  ctx.pool.run((s.p.rows + chunk - 1) / chunk, [&](int task, int) {
    kernels::softmax_s16_rows(s.p, static_cast<const std::int16_t*>(ctx.inputs[0]),
                              static_cast<std::int16_t*>(ctx.outputs[0]), task * chunk,
                              std::min(s.p.rows, (task + 1) * chunk));
  });
}

// AVX-512 rows (kernels/softmax_s16_x86.h), the same row split.
void eval_softmax_s16_avx512(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const SoftmaxS16State&>(state);
  static const auto fn = kernels::softmax_s16_rows_avx512();
  const int chunk = chunk_size(s.p.rows, 4 * ctx.pool.size(), 1);
  ctx.pool.run((s.p.rows + chunk - 1) / chunk, [&](int task, int) {
    fn(s.p, static_cast<const std::int16_t*>(ctx.inputs[0]), static_cast<std::int16_t*>(ctx.outputs[0]), task * chunk,
       std::min(s.p.rows, (task + 1) * chunk));
  });
}
bool softmax_s16_avx512_applies(const PrepareContext&) { return kernels::softmax_s16_rows_avx512() != nullptr; }

void eval_softmax_s8(const OpState& state, const EvalContext& ctx) {
  kernels::softmax_s8_ref(static_cast<const SoftmaxS8State&>(state).p, static_cast<const std::int8_t*>(ctx.inputs[0]),
                          static_cast<std::int8_t*>(ctx.outputs[0]));
}
void eval_softmax_s16(const OpState& state, const EvalContext& ctx) {
  kernels::softmax_s16_ref(static_cast<const SoftmaxS16State&>(state).p,
                           static_cast<const std::int16_t*>(ctx.inputs[0]), static_cast<std::int16_t*>(ctx.outputs[0]));
}

// ---- int8 unary ops: one 256-entry table each ----

struct LutS8State : OpState {
  kernels::LutS8 lut{};
  std::size_t n = 0;
};

std::unique_ptr<OpState> prepare_lut_s8(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  auto s = std::make_unique<LutS8State>();
  s->n = std::size_t(ctx.inputs[0]->elements());
  s->prepared_bytes = sizeof(kernels::LutS8);
  switch (ctx.op.kind) {
    case K::logistic:
      // TFLite's builtin kernel insists on an output scale of 1/256; LiteRT.js (its XNNPACK
      // path) takes any output grid and computes exactly this table, and so does nilm.
      s->lut = kernels::make_lut_s8(qx.scale, qx.zero_point, qy.scale, qy.zero_point,
                                    [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    case K::tanh:
      s->lut = kernels::make_lut_s8(qx.scale, qx.zero_point, qy.scale, qy.zero_point,
                                    [](float v) { return std::tanh(v); });
      break;
    case K::gelu:
      s->lut = ctx.op.attr<model::GeluAttrs>().approximate
                   ? kernels::make_lut_s8(qx.scale, qx.zero_point, qy.scale, qy.zero_point,
                                          kernels::gelu_transform_approximate)
                   : kernels::make_lut_s8(qx.scale, qx.zero_point, qy.scale, qy.zero_point, kernels::gelu_transform);
      break;
    case K::relu: s->lut = kernels::make_relu_s8_lut(qx.scale, qx.zero_point, qy.scale, qy.zero_point); break;
    case K::rsqrt: s->lut = kernels::make_rsqrt_s8_lut(qx.scale, qx.zero_point, qy.scale, qy.zero_point); break;
    default: fail_op(ctx, "no int8 table for this op");
  }
  return s;
}

void eval_lut_s8(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const LutS8State&>(state);
  kernels::lut_s8_ref(s.lut, s.n, static_cast<const std::int8_t*>(ctx.inputs[0]), static_cast<std::int8_t*>(ctx.outputs[0]));
}

// AVX-512 table lookups (kernels/lut_x86.h) over blocks of elements split across threads.
template <class T, class Fn, class Lut>
void lut_blocks(const EvalContext& ctx, Fn fn, const Lut& lut, std::size_t n) {
  constexpr std::size_t kBlock = 16384;
  const auto* in = static_cast<const T*>(ctx.inputs[0]);
  auto* out = static_cast<T*>(ctx.outputs[0]);
  const int blocks = int((n + kBlock - 1) / kBlock);
  if (blocks <= 1) return fn(lut, n, in, out);
  ctx.pool.run(blocks, [&](int b, int) {
    const std::size_t begin = std::size_t(b) * kBlock;
    fn(lut, std::min(kBlock, n - begin), in + begin, out + begin);
  });
}

void eval_lut_s8_avx512vbmi(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const LutS8State&>(state);
  static const auto fn = kernels::lut_s8_avx512vbmi();
  lut_blocks<std::int8_t>(ctx, fn, s.lut, s.n);
}
bool lut_s8_avx512vbmi_applies(const PrepareContext&) { return kernels::lut_s8_avx512vbmi() != nullptr; }

// ---- int16 GELU / RSQRT (interpolated tables), RELU ----

struct LutS16State : OpState {
  kernels::LutS16 lut{};
  std::size_t n = 0;
};

std::unique_ptr<OpState> prepare_lut_s16(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  require_symmetric(ctx, *ctx.inputs[0], qx);
  require_symmetric(ctx, *ctx.outputs[0], qy);
  auto s = std::make_unique<LutS16State>();
  s->n = std::size_t(ctx.inputs[0]->elements());
  s->prepared_bytes = sizeof(kernels::LutS16);
  if (ctx.op.kind == K::gelu)
    s->lut = kernels::make_gelu_s16_lut(qx.scale, qy.scale, ctx.op.attr<model::GeluAttrs>().approximate);
  else
    s->lut = kernels::make_rsqrt_s16_lut(qx.scale, qy.scale);
  return s;
}

void eval_lut_s16(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const LutS16State&>(state);
  kernels::lut_s16_ref(s.lut, s.n, static_cast<const std::int16_t*>(ctx.inputs[0]),
                       static_cast<std::int16_t*>(ctx.outputs[0]));
}

void eval_lut_s16_avx512(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const LutS16State&>(state);
  static const auto fn = kernels::lut_s16_avx512();
  lut_blocks<std::int16_t>(ctx, fn, s.lut, s.n);
}
bool lut_s16_avx512_applies(const PrepareContext&) { return kernels::lut_s16_avx512() != nullptr; }

struct ReluS16State : OpState {
  kernels::ReluParams p;
  std::size_t n = 0;
};

std::unique_ptr<OpState> prepare_relu_s16(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  auto s = std::make_unique<ReluS16State>();
  s->n = std::size_t(ctx.inputs[0]->elements());
  s->p = kernels::make_relu_params(qx.scale, qx.zero_point, qy.scale, qy.zero_point, -32768, 32767);
  return s;
}

void eval_relu_s16(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const ReluS16State&>(state);
  kernels::relu_s16_ref(s.p, s.n, static_cast<const std::int16_t*>(ctx.inputs[0]), static_cast<std::int16_t*>(ctx.outputs[0]));
}

// ---- int16 LOGISTIC / TANH ----

struct SigmoidS16State : OpState {
  kernels::SigmoidS16Params p;
  std::size_t n = 0;
  bool tanh = false;
};

std::unique_ptr<OpState> prepare_sigmoid_s16(const PrepareContext& ctx) {
  const TensorGrid qx = grid_of(ctx, *ctx.inputs[0], "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
  require_symmetric(ctx, *ctx.inputs[0], qx);
  // LOGISTIC: exactly 1/32768 (TFLite compares for equality); TANH: within CheckedLog2's 1e-3.
  require_output_grid(ctx, qy, 1.0 / 32768, 0, ctx.op.kind == K::logistic ? 0.0 : 0.00069);
  auto s = std::make_unique<SigmoidS16State>();
  s->n = std::size_t(ctx.inputs[0]->elements());
  s->tanh = ctx.op.kind == K::tanh;
  if (s->tanh) kernels::make_tanh_s16_params(qx.scale, &s->p);
  else kernels::make_logistic_s16_params(qx.scale, &s->p);
  return s;
}

void eval_sigmoid_s16(const OpState& state, const EvalContext& ctx) {
  const auto& s = static_cast<const SigmoidS16State&>(state);
  const auto* in = static_cast<const std::int16_t*>(ctx.inputs[0]);
  auto* out = static_cast<std::int16_t*>(ctx.outputs[0]);
  if (s.tanh) kernels::tanh_s16_ref(s.p, s.n, in, out);
  else kernels::logistic_s16_ref(s.p, s.n, in, out);
}

constexpr KernelEntry row(const char* name, K kind, ElementType in, ElementType w, ElementType out,
                          std::unique_ptr<OpState> (*prepare)(const PrepareContext&),
                          void (*eval)(const OpState&, const EvalContext&)) {
  return {name, kind, in, w, out, 0, cpu_none, MicroSet::none, nullptr, prepare, eval};
}
// Optimized tier: the same integers as the reference (shared per-element code), split across
// threads; plain C++ on every CPU.
constexpr KernelEntry opt(const char* name, K kind, ElementType in, ElementType w, ElementType out,
                          std::unique_ptr<OpState> (*prepare)(const PrepareContext&),
                          void (*eval)(const OpState&, const EvalContext&)) {
  return {name, kind, in, w, out, 1, cpu_none, MicroSet::none, nullptr, prepare, eval};
}
// AVX-512 tier (input, weights and output all of type `t`), where `applies` says it fits.
constexpr KernelEntry avx512(const char* name, K kind, ElementType t, bool (*applies)(const PrepareContext&),
                             std::unique_ptr<OpState> (*prepare)(const PrepareContext&),
                             void (*eval)(const OpState&, const EvalContext&)) {
  return {name, kind, t, t, t, 2, cpu_avx512f, MicroSet::none, applies, prepare, eval};
}

const KernelEntry entries[] = {
    row("softmax_s8_ref", K::softmax, s8, s8, s8, prepare_softmax_s8, eval_softmax_s8),
    row("softmax_s16_ref", K::softmax, s16, s16, s16, prepare_softmax_s16, eval_softmax_s16),
    row("logistic_s8_ref", K::logistic, s8, s8, s8, prepare_lut_s8, eval_lut_s8),
    row("tanh_s8_ref", K::tanh, s8, s8, s8, prepare_lut_s8, eval_lut_s8),
    row("gelu_s8_ref", K::gelu, s8, s8, s8, prepare_lut_s8, eval_lut_s8),
    row("relu_s8_ref", K::relu, s8, s8, s8, prepare_lut_s8, eval_lut_s8),
    row("rsqrt_s8_ref", K::rsqrt, s8, s8, s8, prepare_lut_s8, eval_lut_s8),
    row("logistic_s16_ref", K::logistic, s16, s16, s16, prepare_sigmoid_s16, eval_sigmoid_s16),
    row("tanh_s16_ref", K::tanh, s16, s16, s16, prepare_sigmoid_s16, eval_sigmoid_s16),
    row("gelu_s16_ref", K::gelu, s16, s16, s16, prepare_lut_s16, eval_lut_s16),
    row("rsqrt_s16_ref", K::rsqrt, s16, s16, s16, prepare_lut_s16, eval_lut_s16),
    row("relu_s16_ref", K::relu, s16, s16, s16, prepare_relu_s16, eval_relu_s16),
    opt("softmax_s8_opt", K::softmax, s8, s8, s8, prepare_softmax_s8_opt, eval_softmax_s8_opt),
    opt("softmax_s16_opt", K::softmax, s16, s16, s16, prepare_softmax_s16, eval_softmax_s16_opt),
    avx512("softmax_s16_avx512", K::softmax, s16, softmax_s16_avx512_applies, prepare_softmax_s16, eval_softmax_s16_avx512),
    avx512("logistic_s8_avx512vbmi", K::logistic, s8, lut_s8_avx512vbmi_applies, prepare_lut_s8, eval_lut_s8_avx512vbmi),
    avx512("tanh_s8_avx512vbmi", K::tanh, s8, lut_s8_avx512vbmi_applies, prepare_lut_s8, eval_lut_s8_avx512vbmi),
    avx512("gelu_s8_avx512vbmi", K::gelu, s8, lut_s8_avx512vbmi_applies, prepare_lut_s8, eval_lut_s8_avx512vbmi),
    avx512("relu_s8_avx512vbmi", K::relu, s8, lut_s8_avx512vbmi_applies, prepare_lut_s8, eval_lut_s8_avx512vbmi),
    avx512("rsqrt_s8_avx512vbmi", K::rsqrt, s8, lut_s8_avx512vbmi_applies, prepare_lut_s8, eval_lut_s8_avx512vbmi),
    avx512("gelu_s16_avx512", K::gelu, s16, lut_s16_avx512_applies, prepare_lut_s16, eval_lut_s16_avx512),
    avx512("rsqrt_s16_avx512", K::rsqrt, s16, lut_s16_avx512_applies, prepare_lut_s16, eval_lut_s16_avx512),
};

}  // namespace

std::span<const KernelEntry> activation_int_kernels() { return entries; }

}  // namespace nilm::runtime
