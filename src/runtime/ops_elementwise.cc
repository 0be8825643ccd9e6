// Elementwise ops: broadcasting binary arithmetic, unary math, softmax.
// The optimized binary variant first merges adjacent axes that broadcast the same way (a
// [1,299,256] - [1,299,1] subtraction becomes 299 rows of "vector minus scalar"), then runs a
// contiguous inner loop specialised for same-shape / scalar-left / scalar-right operands.
#include <algorithm>

#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using kernels::BinaryOp;
using kernels::BinaryParams;
using kernels::kMaxRank;

BinaryOp binary_op_of(model::OpKind k) {
  switch (k) {
    case model::OpKind::add: return BinaryOp::add;
    case model::OpKind::sub: return BinaryOp::sub;
    case model::OpKind::mul: return BinaryOp::mul;
    case model::OpKind::div: return BinaryOp::div;
    case model::OpKind::squared_difference: return BinaryOp::squared_difference;
    case model::OpKind::pow: return BinaryOp::pow;
    default: return BinaryOp::add;
  }
}

struct BinaryState : ParamsState<BinaryParams> {
  // Collapsed form for the optimized loop: rows over the outer axes, one inner axis.
  int rank = 0;  // collapsed outer axes used (<= kMaxRank - 1)
  kernels::Dims outer{}, a_outer{}, b_outer{};
  std::int64_t inner = 1, a_inner = 1, b_inner = 1, rows = 1;
  kernels::BinaryRowFn row = nullptr;  // ISA-specific variants: their row kernel
};

std::unique_ptr<OpState> prepare_binary(const PrepareContext& ctx) {
  model::Activation act = model::Activation::none;
  if (auto* a = std::get_if<model::BinaryAttrs>(&ctx.op.attrs)) act = a->activation;
  const auto& sa = ctx.inputs[0]->shape;
  const auto& sb = ctx.inputs[1]->shape;
  if (sa.size() > std::size_t(kMaxRank) || sb.size() > std::size_t(kMaxRank))
    fail_op(ctx, "rank above 6 is not supported");
  std::vector<std::int64_t> a64(sa.begin(), sa.end()), b64(sb.begin(), sb.end());
  auto s = std::make_unique<BinaryState>();
  s->p = kernels::make_binary_params(binary_op_of(ctx.op.kind), a64.data(), int(a64.size()),
                                     b64.data(), int(b64.size()), kernel_activation(act));
  s->post = act;
  s->micro = ctx.micro;
  // Merge axis d into d + 1 when both operands walk them as one contiguous (or both-broadcast)
  // range; drop size-1 axes.
  std::vector<std::int64_t> shape, as, bs;
  for (int d = 0; d < kMaxRank; ++d) {
    if (s->p.shape[d] == 1) continue;
    if (!shape.empty() && as.back() == s->p.a_stride[d] * s->p.shape[d] &&
        bs.back() == s->p.b_stride[d] * s->p.shape[d]) {
      shape.back() *= s->p.shape[d];
      as.back() = s->p.a_stride[d];
      bs.back() = s->p.b_stride[d];
      continue;
    }
    shape.push_back(s->p.shape[d]);
    as.push_back(s->p.a_stride[d]);
    bs.push_back(s->p.b_stride[d]);
  }
  if (shape.empty()) { shape = {1}; as = {0}; bs = {0}; }
  s->inner = shape.back();
  s->a_inner = as.back();
  s->b_inner = bs.back();
  s->rank = int(shape.size()) - 1;
  for (int d = 0; d < s->rank; ++d) {
    s->outer[d] = shape[d];
    s->a_outer[d] = as[d];
    s->b_outer[d] = bs[d];
    s->rows *= shape[d];
  }
  return s;
}

// AVX-512 rows where the op has them (add, sub, mul, div, squared difference).
bool has_avx512_row(const PrepareContext& ctx) {
  return kernels::avx512_binary_row(binary_op_of(ctx.op.kind)) != nullptr;
}
std::unique_ptr<OpState> prepare_binary_avx512(const PrepareContext& ctx) {
  auto s = prepare_binary(ctx);
  static_cast<BinaryState&>(*s).row = kernels::avx512_binary_row(binary_op_of(ctx.op.kind));
  return s;
}

void eval_binary_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<BinaryState>(state);
  kernels::binary_f32_ref(s.p, ctx.in(0), ctx.in(1), ctx.out(0));
  std::size_t n = 1;
  for (auto d : s.p.shape) n *= std::size_t(d);
  apply_post(s.post, ctx.out(0), n, ctx, nullptr);
}

template <BinaryOp kOp>
inline float bin(float a, float b) {
  if constexpr (kOp == BinaryOp::add) return a + b;
  else if constexpr (kOp == BinaryOp::sub) return a - b;
  else if constexpr (kOp == BinaryOp::mul) return a * b;
  else if constexpr (kOp == BinaryOp::div) return a / b;
  else if constexpr (kOp == BinaryOp::squared_difference) return (a - b) * (a - b);
  else return kernels::binary_scalar(kOp, a, b);
}

template <BinaryOp kOp>
void binary_row(std::int64_t n, const float* a, std::int64_t sa, const float* b, std::int64_t sb,
                float* y, kernels::Clamp cl) {
  if (sa == 1 && sb == 1)
    for (std::int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(bin<kOp>(a[i], b[i]), cl.lo), cl.hi);
  else if (sa == 1 && sb == 0)
    for (std::int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(bin<kOp>(a[i], b[0]), cl.lo), cl.hi);
  else if (sa == 0 && sb == 1)
    for (std::int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(bin<kOp>(a[0], b[i]), cl.lo), cl.hi);
  else
    for (std::int64_t i = 0; i < n; ++i)
      y[i] = std::min(std::max(bin<kOp>(a[i * sa], b[i * sb]), cl.lo), cl.hi);
}

// Offsets of output row r's operands in a and b.
inline void row_offsets(const BinaryState& s, std::int64_t r, std::int64_t& oa, std::int64_t& ob) {
  oa = ob = 0;
  for (int d = s.rank - 1; d >= 0; --d) {
    const std::int64_t i = r % s.outer[d];
    r /= s.outer[d];
    oa += i * s.a_outer[d];
    ob += i * s.b_outer[d];
  }
}

template <BinaryOp kOp>
void binary_rows(const BinaryState& s, const float* a, const float* b, float* y, std::int64_t r0,
                 std::int64_t r1) {
  const kernels::Clamp cl = kernels::clamp_of(s.p.act);
  for (std::int64_t r = r0; r < r1; ++r) {
    std::int64_t oa, ob;
    row_offsets(s, r, oa, ob);
    binary_row<kOp>(s.inner, a + oa, s.a_inner, b + ob, s.b_inner, y + r * s.inner, cl);
  }
}

void binary_rows_isa(const BinaryState& s, const float* a, const float* b, float* y, std::int64_t r0,
                     std::int64_t r1) {
  const kernels::Clamp cl = kernels::clamp_of(s.p.act);
  for (std::int64_t r = r0; r < r1; ++r) {
    std::int64_t oa, ob;
    row_offsets(s, r, oa, ob);
    s.row(s.inner, a + oa, s.a_inner, b + ob, s.b_inner, y + r * s.inner, cl);
  }
}

using RowsFn = void (*)(const BinaryState&, const float*, const float*, float*, std::int64_t, std::int64_t);
RowsFn rows_fn(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return binary_rows<BinaryOp::add>;
    case BinaryOp::sub: return binary_rows<BinaryOp::sub>;
    case BinaryOp::mul: return binary_rows<BinaryOp::mul>;
    case BinaryOp::div: return binary_rows<BinaryOp::div>;
    case BinaryOp::squared_difference: return binary_rows<BinaryOp::squared_difference>;
    case BinaryOp::maximum: return binary_rows<BinaryOp::maximum>;
    case BinaryOp::minimum: return binary_rows<BinaryOp::minimum>;
    case BinaryOp::pow: return binary_rows<BinaryOp::pow>;
  }
  return binary_rows<BinaryOp::add>;
}

void eval_binary_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<BinaryState>(state);
  const RowsFn fn = s.row ? binary_rows_isa : rows_fn(s.p.op);
  const std::int64_t total = s.rows * s.inner;
  // Tasks of at least ~16k elements: below that, waking a thread costs more than it saves.
  const int parts = int(std::min<std::int64_t>(ctx.pool.size(), std::max<std::int64_t>(1, total / 16384)));
  const std::int64_t chunk = (s.rows + parts - 1) / parts;
  ctx.pool.run(int((s.rows + chunk - 1) / chunk), [&](int task, int) {
    fn(s, ctx.in(0), ctx.in(1), ctx.out(0), task * chunk, std::min(s.rows, (task + 1) * chunk));
  });
  apply_post(s.post, ctx.out(0), std::size_t(total), ctx, s.micro);
}

// ---- unary ----

struct UnaryState : OpState {
  kernels::UnaryOp op{};
  std::size_t n = 0;
  const kernels::MicroKernels* micro = nullptr;
};

std::unique_ptr<OpState> prepare_unary(const PrepareContext& ctx) {
  auto s = std::make_unique<UnaryState>();
  s->n = std::size_t(ctx.inputs[0]->elements());
  s->micro = ctx.micro;
  switch (ctx.op.kind) {
    case model::OpKind::sqrt: s->op = kernels::UnaryOp::sqrt; break;
    case model::OpKind::rsqrt: s->op = kernels::UnaryOp::rsqrt; break;
    case model::OpKind::tanh: s->op = kernels::UnaryOp::tanh; break;
    case model::OpKind::relu: s->op = kernels::UnaryOp::relu; break;
    case model::OpKind::logistic: s->op = kernels::UnaryOp::logistic; break;
    case model::OpKind::gelu:
      s->op = ctx.op.attr<model::GeluAttrs>().approximate ? kernels::UnaryOp::gelu_tanh
                                                          : kernels::UnaryOp::gelu_erf;
      break;
    default: fail_op(ctx, "not a unary op");
  }
  return s;
}

void eval_unary_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<UnaryState>(state);
  kernels::unary_f32_ref(s.op, s.n, ctx.in(0), ctx.out(0));
}

void eval_unary_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<UnaryState>(state);
  constexpr std::size_t kChunk = 8192;
  const int tasks = int((s.n + kChunk - 1) / kChunk);
  ctx.pool.run(tasks, [&](int task, int) {
    const std::size_t b = std::size_t(task) * kChunk, n = std::min(kChunk, s.n - b);
    s.micro->unary(s.op, n, ctx.in(0) + b, ctx.out(0) + b);
  });
}

// ---- softmax ----

using SoftmaxState = ParamsState<kernels::SoftmaxParams>;

std::unique_ptr<OpState> prepare_softmax(const PrepareContext& ctx) {
  const auto& shape = ctx.inputs[0]->shape;
  auto s = std::make_unique<SoftmaxState>();
  s->p.cols = shape.empty() ? 1 : shape.back();
  s->p.rows = s->p.cols ? int(ctx.inputs[0]->elements() / s->p.cols) : 0;
  s->p.beta = ctx.op.attr<model::SoftmaxAttrs>().beta;
  s->micro = ctx.micro;
  return s;
}

void eval_softmax_ref(const OpState& state, const EvalContext& ctx) {
  kernels::softmax_f32_ref(state_as<SoftmaxState>(state).p, ctx.in(0), ctx.out(0));
}

void eval_softmax_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<SoftmaxState>(state);
  const int chunk = chunk_size(s.p.rows, 4 * ctx.pool.size(), 1);
  ctx.pool.run((s.p.rows + chunk - 1) / chunk, [&](int task, int) {
    s.micro->softmax(s.p, ctx.in(0), ctx.out(0), task * chunk, std::min(s.p.rows, (task + 1) * chunk));
  });
}

constexpr KernelEntry binary(const char* name, model::OpKind kind, int priority) {
  return {name, kind, f32, f32, f32, priority, cpu_none,
          priority ? MicroSet::portable : MicroSet::none, nullptr, prepare_binary,
          priority ? eval_binary_opt : eval_binary_ref};
}
constexpr KernelEntry binary_avx512(const char* name, model::OpKind kind) {
  return {name, kind, f32, f32, f32, 3, cpu_avx2 | cpu_fma | cpu_avx512f, MicroSet::avx512,
          has_avx512_row, prepare_binary_avx512, eval_binary_opt};
}
constexpr KernelEntry unary(const char* name, model::OpKind kind, int priority) {
  return {name, kind, f32, f32, f32, priority, priority == 2 ? cpu_avx2 | cpu_fma : cpu_none,
          priority == 2 ? MicroSet::avx2 : priority == 1 ? MicroSet::portable : MicroSet::none,
          nullptr, prepare_unary, priority ? eval_unary_opt : eval_unary_ref};
}
constexpr KernelEntry unary_avx512(const char* name, model::OpKind kind) {
  return {name, kind, f32, f32, f32, 3, cpu_avx2 | cpu_fma | cpu_avx512f, MicroSet::avx512, nullptr,
          prepare_unary, eval_unary_opt};
}
// AArch64: the same priority as AVX2 (never both on one machine).
constexpr KernelEntry unary_neon(const char* name, model::OpKind kind) {
  return {name, kind, f32, f32, f32, 2, cpu_neon, MicroSet::neon, nullptr, prepare_unary,
          eval_unary_opt};
}
using K = model::OpKind;

const KernelEntry entries[] = {
    binary("add_f32_ref", K::add, 0), binary("add_f32_opt", K::add, 1), binary_avx512("add_f32_avx512", K::add),
    binary("sub_f32_ref", K::sub, 0), binary("sub_f32_opt", K::sub, 1), binary_avx512("sub_f32_avx512", K::sub),
    binary("mul_f32_ref", K::mul, 0), binary("mul_f32_opt", K::mul, 1), binary_avx512("mul_f32_avx512", K::mul),
    binary("div_f32_ref", K::div, 0), binary("div_f32_opt", K::div, 1), binary_avx512("div_f32_avx512", K::div),
    binary("squared_difference_f32_ref", K::squared_difference, 0),
    binary("squared_difference_f32_opt", K::squared_difference, 1),
    binary_avx512("squared_difference_f32_avx512", K::squared_difference),
    binary("pow_f32_ref", K::pow, 0), binary("pow_f32_opt", K::pow, 1),
    unary("sqrt_f32_ref", K::sqrt, 0), unary("sqrt_f32_opt", K::sqrt, 1),
    unary("sqrt_f32_avx2", K::sqrt, 2), unary_neon("sqrt_f32_neon", K::sqrt),
    unary_avx512("sqrt_f32_avx512", K::sqrt),
    unary("rsqrt_f32_ref", K::rsqrt, 0), unary("rsqrt_f32_opt", K::rsqrt, 1),
    unary("rsqrt_f32_avx2", K::rsqrt, 2), unary_neon("rsqrt_f32_neon", K::rsqrt),
    unary_avx512("rsqrt_f32_avx512", K::rsqrt),
    unary("tanh_f32_ref", K::tanh, 0), unary("tanh_f32_opt", K::tanh, 1),
    unary("tanh_f32_avx2", K::tanh, 2), unary_neon("tanh_f32_neon", K::tanh),
    unary_avx512("tanh_f32_avx512", K::tanh),
    unary("relu_f32_ref", K::relu, 0), unary("relu_f32_opt", K::relu, 1),
    unary("relu_f32_avx2", K::relu, 2), unary_neon("relu_f32_neon", K::relu),
    unary_avx512("relu_f32_avx512", K::relu),
    unary("logistic_f32_ref", K::logistic, 0), unary("logistic_f32_opt", K::logistic, 1),
    unary("logistic_f32_avx2", K::logistic, 2), unary_neon("logistic_f32_neon", K::logistic),
    unary_avx512("logistic_f32_avx512", K::logistic),
    unary("gelu_f32_ref", K::gelu, 0), unary("gelu_f32_opt", K::gelu, 1),
    unary("gelu_f32_avx2", K::gelu, 2), unary_neon("gelu_f32_neon", K::gelu),
    unary_avx512("gelu_f32_avx512", K::gelu),
    {"softmax_f32_ref", K::softmax, f32, f32, f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_softmax, eval_softmax_ref},
    {"softmax_f32_opt", K::softmax, f32, f32, f32, 1, cpu_none, MicroSet::portable, nullptr,
     prepare_softmax, eval_softmax_opt},
    {"softmax_f32_avx2", K::softmax, f32, f32, f32, 2, cpu_avx2 | cpu_fma, MicroSet::avx2, nullptr,
     prepare_softmax, eval_softmax_opt},
    {"softmax_f32_avx512", K::softmax, f32, f32, f32, 3, cpu_avx2 | cpu_fma | cpu_avx512f,
     MicroSet::avx512, nullptr, prepare_softmax, eval_softmax_opt},
    {"softmax_f32_neon", K::softmax, f32, f32, f32, 2, cpu_neon, MicroSet::neon, nullptr,
     prepare_softmax, eval_softmax_opt},
};

}  // namespace

std::span<const KernelEntry> elementwise_kernels() { return entries; }

}  // namespace nilm::runtime
