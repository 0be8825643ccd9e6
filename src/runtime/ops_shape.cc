// Data movement and reductions: RESHAPE (usually free: the planner makes its output share the
// input's bytes), TRANSPOSE, CONCATENATION, MEAN; the int8 / int16 data movement rows too.
#include <algorithm>
#include <array>
#include <cstring>

#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using K = model::OpKind;

std::vector<int> int32_constant(const PrepareContext& ctx, int input, const char* what) {
  const model::Tensor* t = ctx.inputs.size() > std::size_t(input) ? ctx.inputs[std::size_t(input)] : nullptr;
  if (!t || !t->is_constant() || t->type != model::ElementType::i32)
    fail_op(ctx, std::string(what) + " must be a constant int32 tensor");
  const auto* v = t->data.as<std::int32_t>();
  return std::vector<int>(v, v + t->elements());
}

int normalise_axis(const PrepareContext& ctx, int axis, int rank) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) fail_op(ctx, "axis out of range");
  return axis;
}

// ---- reshape ----

struct CopyState : OpState {
  std::size_t bytes = 0;
};

std::unique_ptr<OpState> prepare_reshape(const PrepareContext& ctx) {
  auto s = std::make_unique<CopyState>();
  s->bytes = ctx.inputs[0]->byte_size();
  return s;
}

void eval_reshape(const OpState& state, const EvalContext& ctx) {
  // Nothing to do when the planner aliased the output onto the input.
  if (ctx.inputs[0] != ctx.outputs[0])
    std::memcpy(ctx.outputs[0], ctx.inputs[0], state_as<CopyState>(state).bytes);
}

// ---- transpose ----

using TransposeState = ParamsState<kernels::TransposeParams>;

std::unique_ptr<OpState> prepare_transpose(const PrepareContext& ctx) {
  const auto& shape = ctx.inputs[0]->shape;
  const int rank = int(shape.size());
  if (rank > kernels::kMaxRank) fail_op(ctx, "rank above 6 is not supported");
  const std::vector<int> perm = int32_constant(ctx, 1, "the permutation");
  if (int(perm.size()) != rank) fail_op(ctx, "permutation length differs from the rank");
  auto s = std::make_unique<TransposeState>();
  s->p.in_shape = padded_dims(shape);
  const int lead = kernels::kMaxRank - rank;
  for (int d = 0; d < lead; ++d) s->p.perm[std::size_t(d)] = d;
  for (int d = 0; d < rank; ++d)
    s->p.perm[std::size_t(lead + d)] = lead + normalise_axis(ctx, perm[std::size_t(d)], rank);
  return s;
}

void eval_transpose(const OpState& state, const EvalContext& ctx) {
  kernels::transpose_f32_ref(state_as<TransposeState>(state).p, ctx.in(0), ctx.out(0));
}

// The attention head split/merge ([1, L, H, D] <-> [1, H, L, D]) keeps the last axis: whole rows
// of D floats move, so copy rows (split across threads) instead of single elements.
bool transpose_keeps_last_axis(const PrepareContext& ctx) {
  const auto s = prepare_transpose(ctx);
  return state_as<TransposeState>(*s).p.perm[kernels::kMaxRank - 1] == kernels::kMaxRank - 1;
}

void eval_transpose_rows(const OpState& state, const EvalContext& ctx) {
  const auto& p = state_as<TransposeState>(state).p;
  constexpr int R = kernels::kMaxRank - 1;  // axes above the kept last one
  const std::int64_t row = p.in_shape[R];
  kernels::Dims in_stride{};
  std::int64_t s = 1;
  for (int d = R; d >= 0; --d) {
    in_stride[std::size_t(d)] = s;
    s *= p.in_shape[std::size_t(d)];
  }
  std::int64_t rows = 1;
  kernels::Dims out_shape{};
  for (int d = 0; d < R; ++d) rows *= (out_shape[std::size_t(d)] = p.in_shape[std::size_t(p.perm[std::size_t(d)])]);
  const float* in = ctx.in(0);
  float* out = ctx.out(0);
  const int tasks = int(std::min<std::int64_t>(rows, 4 * ctx.pool.size()));
  const std::int64_t chunk = (rows + tasks - 1) / tasks;
  ctx.pool.run(tasks, [&](int task, int) {
    for (std::int64_t r = task * chunk; r < std::min(rows, (task + 1) * chunk); ++r) {
      std::int64_t src = 0, rest = r;
      for (int d = R - 1; d >= 0; --d) {
        src += (rest % out_shape[std::size_t(d)]) * in_stride[std::size_t(p.perm[std::size_t(d)])];
        rest /= out_shape[std::size_t(d)];
      }
      std::memcpy(out + r * row, in + src, std::size_t(row) * sizeof(float));
    }
  });
}

// ---- concatenation ----

struct ConcatState : ParamsState<kernels::ConcatParams> {
  int inputs = 0;
};

std::unique_ptr<OpState> prepare_concat(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::ConcatenationAttrs>();
  const auto& out = ctx.outputs[0]->shape;
  const int axis = normalise_axis(ctx, a.axis, int(out.size()));
  auto s = std::make_unique<ConcatState>();
  s->inputs = int(ctx.inputs.size());
  s->p.outer = 1;
  for (int d = 0; d < axis; ++d) s->p.outer *= out[std::size_t(d)];
  for (const model::Tensor* t : ctx.inputs) {
    std::int64_t chunk = 1;
    for (std::size_t d = std::size_t(axis); d < t->shape.size(); ++d) chunk *= t->shape[d];
    s->p.chunk.push_back(chunk);
  }
  s->post = a.activation;
  return s;
}

void eval_concat(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConcatState>(state);
  kernels::concatenation_f32_ref(s.p, reinterpret_cast<const float* const*>(ctx.inputs), ctx.out(0));
  std::int64_t total = 0;
  for (auto c : s.p.chunk) total += c;
  if (s.post != model::Activation::none && s.post != model::Activation::tanh) {
    const auto cl = kernels::clamp_of(kernel_activation(s.post));
    float* y = ctx.out(0);
    for (std::int64_t i = 0; i < total * s.p.outer; ++i) y[i] = std::min(std::max(y[i], cl.lo), cl.hi);
  }
  apply_post(s.post, ctx.out(0), std::size_t(total * s.p.outer), ctx, nullptr);
}

// ---- mean ----

struct MeanState : ParamsState<kernels::ReduceParams> {
  // Optimized form when the reduced axes are one contiguous block: outer x reduced x inner.
  bool contiguous = false;
  std::int64_t outer = 1, reduced = 1, inner = 1;
};

std::unique_ptr<OpState> prepare_mean(const PrepareContext& ctx) {
  const auto& shape = ctx.inputs[0]->shape;
  const int rank = int(shape.size());
  if (rank > kernels::kMaxRank) fail_op(ctx, "rank above 6 is not supported");
  auto s = std::make_unique<MeanState>();
  s->p.shape = padded_dims(shape);
  s->p.mean = true;
  const int lead = kernels::kMaxRank - rank;
  for (int axis : int32_constant(ctx, 1, "the axes"))
    s->p.reduce[std::size_t(lead + normalise_axis(ctx, axis, rank))] = true;
  int first = -1, last = -1;
  for (int d = 0; d < kernels::kMaxRank; ++d)
    if (s->p.reduce[std::size_t(d)] && s->p.shape[std::size_t(d)] != 1) {
      if (first < 0) first = d;
      last = d;
    }
  s->contiguous = true;
  for (int d = std::max(first, 0); d <= last; ++d)
    if (!s->p.reduce[std::size_t(d)] && s->p.shape[std::size_t(d)] != 1) s->contiguous = false;
  for (int d = 0; d < kernels::kMaxRank; ++d) {
    const auto n = s->p.shape[std::size_t(d)];
    if (first >= 0 && d >= first && d <= last) s->reduced *= n;
    else if (first >= 0 && d > last) s->inner *= n;
    else s->outer *= n;
  }
  s->micro = ctx.micro;
  return s;
}

void eval_mean_ref(const OpState& state, const EvalContext& ctx) {
  kernels::reduce_f32_ref(state_as<MeanState>(state).p, ctx.in(0), ctx.out(0));
}

bool mean_contiguous(const PrepareContext& ctx) {
  return static_cast<const MeanState&>(*prepare_mean(ctx)).contiguous;
}

// Sums rows in order into the output (vectorized over `inner`), then scales.
void eval_mean_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MeanState>(state);
  const float inv = 1.0f / float(std::max<std::int64_t>(s.reduced, 1));
  const float* in = ctx.in(0);
  float* out = ctx.out(0);
  const int outer = int(s.outer);
  const int chunk = chunk_size(outer, 4 * ctx.pool.size(), 1);
  ctx.pool.run((outer + chunk - 1) / chunk, [&](int task, int) {
    for (int o = task * chunk; o < std::min(outer, (task + 1) * chunk); ++o) {
      const float* x = in + std::size_t(o) * s.reduced * s.inner;
      float* y = out + std::size_t(o) * s.inner;
      if (s.inner == 1) {
        float acc[8] = {};
        std::int64_t r = 0;
        for (; r + 8 <= s.reduced; r += 8)
          for (int l = 0; l < 8; ++l) acc[l] += x[r + l];
        float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for (; r < s.reduced; ++r) sum += x[r];
        y[0] = sum * inv;
        continue;
      }
      std::fill(y, y + s.inner, 0.f);
      for (std::int64_t r = 0; r < s.reduced; ++r)
        for (std::int64_t i = 0; i < s.inner; ++i) y[i] += x[r * s.inner + i];
      for (std::int64_t i = 0; i < s.inner; ++i) y[i] *= inv;
    }
  });
}

// ---- int8 / int16 data movement (same scale and zero point in and out, as TFLite requires) ----

template <class T>
void eval_transpose_typed(const OpState& state, const EvalContext& ctx) {
  const auto& p = state_as<TransposeState>(state).p;
  kernels::Dims in_stride{}, os{}, st{};
  std::int64_t s = 1;
  for (int d = kernels::kMaxRank - 1; d >= 0; --d) {
    in_stride[std::size_t(d)] = s;
    s *= p.in_shape[std::size_t(d)];
  }
  for (std::size_t d = 0; d < std::size_t(kernels::kMaxRank); ++d) {
    os[d] = p.in_shape[std::size_t(p.perm[d])];
    st[d] = in_stride[std::size_t(p.perm[d])];
  }
  const T* in = static_cast<const T*>(ctx.inputs[0]);
  T* out = static_cast<T*>(ctx.outputs[0]);
  std::size_t o = 0;
  std::array<std::int64_t, kernels::kMaxRank> i{};
  for (i[0] = 0; i[0] < os[0]; ++i[0])
    for (i[1] = 0; i[1] < os[1]; ++i[1])
      for (i[2] = 0; i[2] < os[2]; ++i[2])
        for (i[3] = 0; i[3] < os[3]; ++i[3])
          for (i[4] = 0; i[4] < os[4]; ++i[4])
            for (i[5] = 0; i[5] < os[5]; ++i[5]) {
              std::int64_t src = 0;
              for (std::size_t d = 0; d < std::size_t(kernels::kMaxRank); ++d) src += i[d] * st[d];
              out[o++] = in[src];
            }
}

// TFLite's int8 / int16 CONCATENATION never rescales: every input must be on the output's grid.
std::unique_ptr<OpState> prepare_concat_int(const PrepareContext& ctx) {
  const auto& yq = ctx.outputs[0]->quantization;
  for (const model::Tensor* t : ctx.inputs) {
    if (t->type != ctx.outputs[0]->type) fail_op(ctx, "inputs of different types");
    if (!t->quantization || !yq || t->quantization->scales != yq->scales ||
        t->quantization->zero_points != yq->zero_points)
      fail_op(ctx, "input '" + t->name + "' is not quantized exactly like the output (TFLite requires it)");
  }
  if (ctx.op.attr<model::ConcatenationAttrs>().activation != model::Activation::none)
    fail_op(ctx, "a fused activation on an integer concatenation is not supported");
  return prepare_concat(ctx);
}

template <class T>
void eval_concat_typed(const OpState& state, const EvalContext& ctx) {
  const auto& p = state_as<ConcatState>(state).p;
  T* out = static_cast<T*>(ctx.outputs[0]);
  for (std::int64_t o = 0; o < p.outer; ++o)
    for (std::size_t k = 0; k < p.chunk.size(); ++k) {
      const std::int64_t c = p.chunk[k];
      std::memcpy(out, static_cast<const T*>(ctx.inputs[k]) + o * c, std::size_t(c) * sizeof(T));
      out += c;
    }
}

constexpr model::ElementType s8 = model::ElementType::i8, s16 = model::ElementType::i16,
                             i32 = model::ElementType::i32;

const KernelEntry entries[] = {
    {"reshape_f32", K::reshape, f32, model::ElementType::i32, f32, 0, cpu_none, MicroSet::none,
     nullptr, prepare_reshape, eval_reshape},
    {"reshape_f32_noshape", K::reshape, f32, f32, f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_reshape, eval_reshape},
    {"transpose_f32_ref", K::transpose, f32, model::ElementType::i32, f32, 0, cpu_none,
     MicroSet::none, nullptr, prepare_transpose, eval_transpose},
    {"transpose_f32_rows", K::transpose, f32, model::ElementType::i32, f32, 1, cpu_none,
     MicroSet::portable, transpose_keeps_last_axis, prepare_transpose, eval_transpose_rows},
    {"concatenation_f32_ref", K::concatenation, f32, f32, f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_concat, eval_concat},
    {"mean_f32_ref", K::mean, f32, model::ElementType::i32, f32, 0, cpu_none, MicroSet::none,
     nullptr, prepare_mean, eval_mean_ref},
    {"mean_f32_opt", K::mean, f32, model::ElementType::i32, f32, 1, cpu_none, MicroSet::portable,
     mean_contiguous, prepare_mean, eval_mean_opt},
    {"reshape_s8", K::reshape, s8, i32, s8, 0, cpu_none, MicroSet::none, nullptr, prepare_reshape, eval_reshape},
    {"reshape_s8_noshape", K::reshape, s8, s8, s8, 0, cpu_none, MicroSet::none, nullptr, prepare_reshape,
     eval_reshape},
    {"reshape_s16", K::reshape, s16, i32, s16, 0, cpu_none, MicroSet::none, nullptr, prepare_reshape, eval_reshape},
    {"reshape_s16_noshape", K::reshape, s16, s16, s16, 0, cpu_none, MicroSet::none, nullptr, prepare_reshape,
     eval_reshape},
    {"transpose_s8_ref", K::transpose, s8, i32, s8, 0, cpu_none, MicroSet::none, nullptr, prepare_transpose,
     eval_transpose_typed<std::int8_t>},
    {"transpose_s16_ref", K::transpose, s16, i32, s16, 0, cpu_none, MicroSet::none, nullptr, prepare_transpose,
     eval_transpose_typed<std::int16_t>},
    {"concatenation_s8_ref", K::concatenation, s8, s8, s8, 0, cpu_none, MicroSet::none, nullptr,
     prepare_concat_int, eval_concat_typed<std::int8_t>},
    {"concatenation_s16_ref", K::concatenation, s16, s16, s16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_concat_int, eval_concat_typed<std::int16_t>},
};

}  // namespace

std::span<const KernelEntry> shape_kernels() { return entries; }

}  // namespace nilm::runtime
