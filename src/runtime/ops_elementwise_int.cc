// Integer (int8 / int16) reference rows for the element-wise and transformer ops: ADD, SUB,
// MUL, SQUARED_DIFFERENCE (int8 only, as TFLite), broadcasting; MEAN, SOFTMAX, LOGISTIC, TANH,
// GELU, RELU, RSQRT.
// Prepare derives what TFLite's Prepare derives (multipliers, tables) and refuses what TFLite
// refuses (wrong fixed output scales, per-channel activations), naming the op; eval runs the
// kernels of kernels/quantized_reference.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kernels/quantized_reference.h"
#include "runtime/kernels/quantized_rows.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using K = model::OpKind;
using model::ElementType;
constexpr ElementType s8 = ElementType::i8;
constexpr ElementType s16 = ElementType::i16;
constexpr ElementType i32 = ElementType::i32;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

struct TensorQuant {
  float scale = 1.f;
  std::int32_t zero_point = 0;
};

// The per-tensor scale and zero point of a quantized activation, or a clear error.
TensorQuant quant_of(const PrepareContext& ctx, const model::Tensor& t) {
  if (!t.quantization || t.quantization->scales.empty())
    fail_op(ctx, "tensor '" + t.name + "' has no quantization parameters");
  if (t.quantization->per_channel())
    fail_op(ctx, "tensor '" + t.name + "' is quantized per channel; this op needs one scale");
  const float scale = t.quantization->scales[0];
  if (!(scale > 0.f) || !std::isfinite(scale))
    fail_op(ctx, "tensor '" + t.name + "' has scale " + num(scale) + " (must be positive)");
  const std::int64_t zp = t.quantization->zero_points.empty() ? 0 : t.quantization->zero_points[0];
  const bool is16 = t.type == s16;
  if (zp < (is16 ? -32768 : -128) || zp > (is16 ? 32767 : 127))
    fail_op(ctx, "tensor '" + t.name + "' has zero point " + std::to_string(zp) + " outside its type");
  return {scale, static_cast<std::int32_t>(zp)};
}

void require_symmetric(const PrepareContext& ctx, const model::Tensor& t, const TensorQuant& q) {
  if (q.zero_point != 0)
    fail_op(ctx, "int16 tensor '" + t.name + "' must have zero point 0 (TFLite's int16 kernels are symmetric)");
}

// TFLite's fixed output grids, checked as its Prepare checks them (SOFTMAX: scale within 0.1%
// and zero point; int16 LOGISTIC: exactly 1/32768; int16 TANH: 2^-15 within CheckedLog2's 1e-3
// in log2; zero point 0).
void require_output_grid(const PrepareContext& ctx, const TensorQuant& q, double scale, std::optional<std::int32_t> zp,
                         double tolerance) {
  if (std::abs(double(q.scale) - scale) > tolerance * scale || (zp && q.zero_point != *zp))
    fail_op(ctx, "output must have scale " + num(scale) + (zp ? " and zero point " + std::to_string(*zp) : "") +
                     " (TFLite's fixed output quantization), got " + num(q.scale) + " and " +
                     std::to_string(q.zero_point));
}

// ---- ADD / SUB / MUL / SQUARED_DIFFERENCE ----

struct BinaryState : ParamsState<kernels::QuantizedBinaryParams> {
  kernels::CollapsedBinary collapsed;  // for the optimized row loops
  std::vector<std::int8_t> table;      // int8 optimized: every (a, b) result
};

kernels::BinaryOp binary_op_of(K k) {
  switch (k) {
    case K::sub: return kernels::BinaryOp::sub;
    case K::mul: return kernels::BinaryOp::mul;
    case K::squared_difference: return kernels::BinaryOp::squared_difference;
    default: return kernels::BinaryOp::add;
  }
}

std::unique_ptr<OpState> prepare_binary(const PrepareContext& ctx) {
  const model::Tensor& a = *ctx.inputs[0];
  const model::Tensor& b = *ctx.inputs[1];
  const model::Tensor& y = *ctx.outputs[0];
  if (a.shape.size() > std::size_t(kernels::kMaxRank) || b.shape.size() > std::size_t(kernels::kMaxRank))
    fail_op(ctx, "rank above 6 is not supported");
  const TensorQuant qa = quant_of(ctx, a), qb = quant_of(ctx, b), qy = quant_of(ctx, y);
  const bool is16 = y.type == s16;
  if (is16) {
    require_symmetric(ctx, a, qa);
    require_symmetric(ctx, b, qb);
    require_symmetric(ctx, y, qy);
  }
  model::Activation act = model::Activation::none;
  if (auto* attrs = std::get_if<model::BinaryAttrs>(&ctx.op.attrs)) act = attrs->activation;
  if (act == model::Activation::tanh) fail_op(ctx, "a fused tanh is not supported");

  auto s = std::make_unique<BinaryState>();
  auto& p = s->p;
  const kernels::BinaryOp op = binary_op_of(ctx.op.kind);
  std::vector<std::int64_t> sa(a.shape.begin(), a.shape.end()), sb(b.shape.begin(), b.shape.end());
  p.geometry = kernels::make_binary_params(op, sa.data(), int(sa.size()), sb.data(), int(sb.size()),
                                           kernels::Activation::none);
  p.input1_offset = -qa.zero_point;
  p.input2_offset = -qb.zero_point;
  p.output_offset = qy.zero_point;
  if (op == kernels::BinaryOp::mul) {
    // TFLite computes s1 * s2 / s_out in float, then widens it.
    p.output = kernels::quantize_multiplier(double(qa.scale * qb.scale / qy.scale));
  } else {
    // Both inputs rescaled to twice the larger input scale, with left_shift bits of headroom.
    p.left_shift = op == kernels::BinaryOp::squared_difference ? 7 : (is16 ? 15 : 20);
    const double twice_max = 2.0 * double(std::max(qa.scale, qb.scale));
    p.input1 = kernels::quantize_multiplier(double(qa.scale) / twice_max);
    p.input2 = kernels::quantize_multiplier(double(qb.scale) / twice_max);
    const double out_real = op == kernels::BinaryOp::squared_difference
                                ? twice_max * twice_max / (double(std::int64_t{1} << (2 * p.left_shift)) * double(qy.scale))
                                : twice_max / (double(std::int64_t{1} << p.left_shift) * double(qy.scale));
    p.output = kernels::quantize_multiplier(out_real);
    if (p.output.shift > 0)
      fail_op(ctx, "the output scale is too small for the inputs' scales (TFLite needs a multiplier below 1)");
  }
  s->collapsed = kernels::collapse_binary(p.geometry);
  kernels::quantized_activation_range(kernel_activation(act), qy.scale, qy.zero_point, is16 ? -32768 : -128,
                                      is16 ? 32767 : 127, &p.act_min, &p.act_max);
  int la = 0, lb = 0, ly = 0;
  if (is16 && (op == kernels::BinaryOp::add || op == kernels::BinaryOp::sub) && kernels::checked_log2(qa.scale, &la) &&
      kernels::checked_log2(qb.scale, &lb) && kernels::checked_log2(qy.scale, &ly)) {
    p.pot_int16 = true;
    p.pot_shift1 = la - ly;
    p.pot_shift2 = lb - ly;
    if ((p.pot_shift1 != 0 && p.pot_shift2 != 0) || p.pot_shift1 > 0 || p.pot_shift2 > 0)
      fail_op(ctx, "all scales are powers of two, so TFLite takes its int16 power-of-two path, which needs one "
                   "input on the output's scale and the other on a finer one");
  }
  return s;
}

void eval_binary_s8(const OpState& state, const EvalContext& ctx) {
  kernels::binary_s8_ref(state_as<BinaryState>(state).p, static_cast<const std::int8_t*>(ctx.inputs[0]),
                         static_cast<const std::int8_t*>(ctx.inputs[1]), static_cast<std::int8_t*>(ctx.outputs[0]));
}
void eval_binary_s16(const OpState& state, const EvalContext& ctx) {
  kernels::binary_s16_ref(state_as<BinaryState>(state).p, static_cast<const std::int16_t*>(ctx.inputs[0]),
                          static_cast<const std::int16_t*>(ctx.inputs[1]),
                          static_cast<std::int16_t*>(ctx.outputs[0]));
}

std::unique_ptr<OpState> prepare_binary_s8_opt(const PrepareContext& ctx) {
  auto s = prepare_binary(ctx);
  auto& b = static_cast<BinaryState&>(*s);
  b.table = kernels::make_binary_s8_table(b.p);
  b.prepared_bytes = b.table.size();
  return s;
}

// Rows across threads, tasks of at least ~16k elements (below that a wake-up costs more).
template <class T>
void eval_binary_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<BinaryState>(state);
  const auto& c = s.collapsed;
  const std::int64_t total = c.rows * c.inner;
  const int parts = int(std::min<std::int64_t>(ctx.pool.size(), std::max<std::int64_t>(1, total / 16384)));
  const std::int64_t chunk = (c.rows + parts - 1) / parts;
  const T* a = static_cast<const T*>(ctx.inputs[0]);
  const T* b = static_cast<const T*>(ctx.inputs[1]);
  T* y = static_cast<T*>(ctx.outputs[0]);
  ctx.pool.run(int((c.rows + chunk - 1) / chunk), [&](int task, int) {
    const std::int64_t r0 = task * chunk, r1 = std::min(c.rows, (task + 1) * chunk);
    if constexpr (sizeof(T) == 1) kernels::binary_s8_rows(s.table.data(), c, a, b, y, r0, r1);
    else kernels::binary_s16_rows(s.p, c, a, b, y, r0, r1);
  });
}

// ---- MEAN ----

struct MeanState : ParamsState<kernels::QuantizedMeanParams> {
  bool contiguous = false;  // the reduced axes are one block (and not empty): the optimized rows
  kernels::ContiguousMean block;
};

std::unique_ptr<OpState> prepare_mean(const PrepareContext& ctx) {
  const model::Tensor& x = *ctx.inputs[0];
  const int rank = int(x.shape.size());
  if (rank > kernels::kMaxRank) fail_op(ctx, "rank above 6 is not supported");
  const model::Tensor* axes = ctx.inputs[1];
  if (!axes || !axes->is_constant() || axes->type != i32) fail_op(ctx, "the axes must be a constant int32 tensor");
  const TensorQuant qx = quant_of(ctx, x), qy = quant_of(ctx, *ctx.outputs[0]);
  if (x.type == s16) {
    require_symmetric(ctx, x, qx);
    require_symmetric(ctx, *ctx.outputs[0], qy);
  }
  auto s = std::make_unique<MeanState>();
  s->p.geometry.shape = padded_dims(x.shape);
  s->p.geometry.mean = true;
  const int lead = kernels::kMaxRank - rank;
  const auto* v = axes->data.as<std::int32_t>();
  for (std::int64_t i = 0; i < axes->elements(); ++i) {
    int axis = v[i] < 0 ? v[i] + rank : v[i];
    if (axis < 0 || axis >= rank) fail_op(ctx, "axis " + std::to_string(v[i]) + " out of range");
    s->p.geometry.reduce[std::size_t(lead + axis)] = true;
  }
  s->p.input_zero_point = qx.zero_point;
  s->p.output_zero_point = qy.zero_point;
  s->p.multiplier = kernels::quantize_multiplier(double(qx.scale) / double(qy.scale));
  // outer x reduced x inner when the reduced axes (ignoring size-1 ones) are adjacent
  const auto& g = s->p.geometry;
  int first = -1, last = -1;
  for (int d = 0; d < kernels::kMaxRank; ++d)
    if (g.reduce[std::size_t(d)] && g.shape[std::size_t(d)] != 1) {
      if (first < 0) first = d;
      last = d;
    }
  s->contiguous = first >= 0;
  for (int d = std::max(first, 0); d <= last; ++d)
    if (!g.reduce[std::size_t(d)] && g.shape[std::size_t(d)] != 1) s->contiguous = false;
  for (int d = 0; d < kernels::kMaxRank; ++d) {
    const auto n = g.shape[std::size_t(d)];
    if (first >= 0 && d >= first && d <= last) s->block.reduced *= n;
    else if (first >= 0 && d > last) s->block.inner *= n;
    else s->block.outer *= n;
  }
  if (s->block.reduced == 0) s->contiguous = false;
  return s;
}

bool mean_is_contiguous(const PrepareContext& ctx) {
  return static_cast<const MeanState&>(*prepare_mean(ctx)).contiguous;
}

template <class T>
void eval_mean_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MeanState>(state);
  const std::int64_t outputs = s.block.outer * s.block.inner;
  const int parts = int(std::min<std::int64_t>(ctx.pool.size(), std::max<std::int64_t>(1, outputs * s.block.reduced / 16384)));
  const std::int64_t chunk = (outputs + parts - 1) / parts;
  const T* in = static_cast<const T*>(ctx.inputs[0]);
  T* out = static_cast<T*>(ctx.outputs[0]);
  ctx.pool.run(int((outputs + chunk - 1) / chunk), [&](int task, int) {
    const std::int64_t o0 = task * chunk, o1 = std::min(outputs, (task + 1) * chunk);
    if constexpr (sizeof(T) == 1) kernels::mean_s8_rows(s.p, s.block, in, out, o0, o1);
    else kernels::mean_s16_rows(s.p, s.block, in, out, o0, o1);
  });
}

void eval_mean_s8(const OpState& state, const EvalContext& ctx) {
  kernels::mean_s8_ref(state_as<MeanState>(state).p, static_cast<const std::int8_t*>(ctx.inputs[0]),
                       static_cast<std::int8_t*>(ctx.outputs[0]));
}
void eval_mean_s16(const OpState& state, const EvalContext& ctx) {
  kernels::mean_s16_ref(state_as<MeanState>(state).p, static_cast<const std::int16_t*>(ctx.inputs[0]),
                        static_cast<std::int16_t*>(ctx.outputs[0]));
}

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
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
  require_output_grid(ctx, qy, 1.0 / 256, -128, 0.001);
  int rows = 0, cols = 0;
  softmax_rows_cols(ctx, &rows, &cols);
  auto s = std::make_unique<SoftmaxS8State>();
  s->p = kernels::make_softmax_s8_params(rows, cols, ctx.op.attr<model::SoftmaxAttrs>().beta, qx.scale);
  return s;
}

std::unique_ptr<OpState> prepare_softmax_s16(const PrepareContext& ctx) {
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
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
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
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

// ---- int16 GELU / RSQRT (interpolated tables), RELU ----

struct LutS16State : OpState {
  kernels::LutS16 lut{};
  std::size_t n = 0;
};

std::unique_ptr<OpState> prepare_lut_s16(const PrepareContext& ctx) {
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
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

struct ReluS16State : OpState {
  kernels::ReluParams p;
  std::size_t n = 0;
};

std::unique_ptr<OpState> prepare_relu_s16(const PrepareContext& ctx) {
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
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
  const TensorQuant qx = quant_of(ctx, *ctx.inputs[0]), qy = quant_of(ctx, *ctx.outputs[0]);
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
constexpr auto binary_s8_opt = eval_binary_opt<std::int8_t>;
constexpr auto binary_s16_opt = eval_binary_opt<std::int16_t>;

const KernelEntry entries[] = {
    row("add_s8_ref", K::add, s8, s8, s8, prepare_binary, eval_binary_s8),
    row("add_s16_ref", K::add, s16, s16, s16, prepare_binary, eval_binary_s16),
    row("sub_s8_ref", K::sub, s8, s8, s8, prepare_binary, eval_binary_s8),
    row("sub_s16_ref", K::sub, s16, s16, s16, prepare_binary, eval_binary_s16),
    row("mul_s8_ref", K::mul, s8, s8, s8, prepare_binary, eval_binary_s8),
    row("mul_s16_ref", K::mul, s16, s16, s16, prepare_binary, eval_binary_s16),
    row("squared_difference_s8_ref", K::squared_difference, s8, s8, s8, prepare_binary, eval_binary_s8),
    row("mean_s8_ref", K::mean, s8, i32, s8, prepare_mean, eval_mean_s8),
    row("mean_s16_ref", K::mean, s16, i32, s16, prepare_mean, eval_mean_s16),
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
    opt("add_s8_opt", K::add, s8, s8, s8, prepare_binary_s8_opt, binary_s8_opt),
    opt("add_s16_opt", K::add, s16, s16, s16, prepare_binary, binary_s16_opt),
    opt("sub_s8_opt", K::sub, s8, s8, s8, prepare_binary_s8_opt, binary_s8_opt),
    opt("sub_s16_opt", K::sub, s16, s16, s16, prepare_binary, binary_s16_opt),
    opt("mul_s8_opt", K::mul, s8, s8, s8, prepare_binary_s8_opt, binary_s8_opt),
    opt("mul_s16_opt", K::mul, s16, s16, s16, prepare_binary, binary_s16_opt),
    opt("squared_difference_s8_opt", K::squared_difference, s8, s8, s8, prepare_binary_s8_opt, binary_s8_opt),
    {"mean_s8_opt", K::mean, s8, i32, s8, 1, cpu_none, MicroSet::none, mean_is_contiguous, prepare_mean,
     eval_mean_opt<std::int8_t>},
    {"mean_s16_opt", K::mean, s16, i32, s16, 1, cpu_none, MicroSet::none, mean_is_contiguous, prepare_mean,
     eval_mean_opt<std::int16_t>},
    opt("softmax_s8_opt", K::softmax, s8, s8, s8, prepare_softmax_s8_opt, eval_softmax_s8_opt),
    opt("softmax_s16_opt", K::softmax, s16, s16, s16, prepare_softmax_s16, eval_softmax_s16_opt),
};

}  // namespace

std::span<const KernelEntry> elementwise_int_kernels() { return entries; }

}  // namespace nilm::runtime
