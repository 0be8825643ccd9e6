// Integer (int8 / int16) rows for ADD, SUB, MUL, SQUARED_DIFFERENCE (int8 only, as TFLite;
// numpy broadcasting, fused activations) and MEAN: the reference kernels of
// kernels/quantized_reference.h and the optimized row loops of kernels/quantized_rows.h (the
// same integers). Prepare derives what TFLite's Prepare derives and refuses what it refuses.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kernels/quantized_reference.h"
#include "runtime/kernels/quantized_rows.h"
#include "runtime/ops_int_checks.h"

namespace nilm::runtime {
namespace {

using K = model::OpKind;
using model::ElementType;
constexpr ElementType s8 = ElementType::i8;
constexpr ElementType s16 = ElementType::i16;
constexpr ElementType i32 = ElementType::i32;

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
  const TensorGrid qa = grid_of(ctx, a, "input"), qb = grid_of(ctx, b, "input"), qy = grid_of(ctx, y, "output");
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
  kernels::activation_range(kernel_activation(act), qy.scale, qy.zero_point, type_min(y.type), type_max(y.type),
                            p.act_min, p.act_max);
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
  const TensorGrid qx = grid_of(ctx, x, "input"), qy = grid_of(ctx, *ctx.outputs[0], "output");
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
};

}  // namespace

std::span<const KernelEntry> elementwise_int_kernels() { return entries; }

}  // namespace nilm::runtime
