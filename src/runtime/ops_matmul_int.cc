// BATCH_MATMUL integer variants (attention scores and weighted values of the transformer):
// int8 x int8 -> int8 with zero points on both operands, int16 x int16 -> int16 (symmetric,
// 64-bit accumulators), as TFLite's reference BatchMatMul.
#include <algorithm>

#include "runtime/kernels/int16_matmul_x86.h"
#include "runtime/kernels/int8_gemm.h"
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

// ---- optimized int8: per run, each batch's right-hand side is packed into 16-column panels
// (O(k n) next to the O(m k n) product) with its column sums; the zero points become a column
// bias and a row bias:
//   sum_t (x + ox)(y + oy) = sum_t x y + oy sum_t x + ox sum_t y + k ox oy
// then the register-tiled VNNI GEMM over the rhs packed as w + 128 bytes (bit-identical to the
// reference; the requantization is TFLite's fixed-point one). adj_x lhs is transposed into
// scratch. AVX-512 VNNI only: the AVX2 int8 kernels need operands in [-127, 127], and an
// activation may hold -128. ----

constexpr int kMatRowBlock = 32;

struct MatMulOptState : MatMulIntState {
  kernels::QGemmS8Fn fn = nullptr;
  kernels::ExpandedMultipliers expanded;
  std::size_t packed_bytes = 0, per_batch = 0;  // scratch layout per batch
  int n_padded = 0;
};

std::size_t up64(std::size_t v) { return (v + 63) / 64 * 64; }

std::unique_ptr<OpState> prepare_matmul_opt(const PrepareContext& ctx, kernels::QGemmS8Fn fn) {
  auto base = prepare_matmul_int(ctx);
  auto s = std::make_unique<MatMulOptState>();
  static_cast<MatMulIntState&>(*s) = std::move(static_cast<MatMulIntState&>(*base));
  s->fn = fn;
  const auto& p = s->p;
  s->expanded = kernels::ExpandedMultipliers(s->rq.multipliers, p.n);
  s->n_padded = (p.n + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8;
  s->packed_bytes = up64(kernels::packed_panels_s8_bytes(p.n, p.k));
  // packed rhs | column sums | column bias | row bias | lhs transposed (adj_x)
  s->per_batch = s->packed_bytes + 2 * up64(std::size_t(s->n_padded) * 4) + up64(std::size_t(p.m) * 4) +
                 (p.adj_x ? up64(std::size_t(p.m) * p.k) : 0);
  s->scratch_shared = std::size_t(kernels::batch_count(p)) * s->per_batch;
  return s;
}

void eval_matmul_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MatMulOptState>(state);
  const auto& p = s.p;
  const auto* lhs = static_cast<const std::int8_t*>(ctx.inputs[0]);
  const auto* rhs = static_cast<const std::int8_t*>(ctx.inputs[1]);
  auto* out = static_cast<std::int8_t*>(ctx.outputs[0]);
  const int batches = int(kernels::batch_count(p));
  const std::int64_t mat_x = std::int64_t(p.m) * p.k, mat_y = std::int64_t(p.k) * p.n;
  const std::int32_t ox = s.rq.input_offset, oy = s.rq.weights_offset;
  struct Parts {
    std::int8_t* packed;
    std::int32_t *col_sums, *col_bias, *row_bias;
    std::int8_t* lhs_t;
  };
  auto parts = [&](int b) {
    std::byte* base = ctx.scratch_shared + std::size_t(b) * s.per_batch;
    Parts q;
    q.packed = reinterpret_cast<std::int8_t*>(base);
    base += s.packed_bytes;
    q.col_sums = reinterpret_cast<std::int32_t*>(base);
    base += up64(std::size_t(s.n_padded) * 4);
    q.col_bias = reinterpret_cast<std::int32_t*>(base);
    base += up64(std::size_t(s.n_padded) * 4);
    q.row_bias = reinterpret_cast<std::int32_t*>(base);
    base += up64(std::size_t(p.m) * 4);
    q.lhs_t = reinterpret_cast<std::int8_t*>(base);
    return q;
  };
  ctx.pool.run(batches, [&](int b, int) {
    std::int64_t olx, oly;
    kernels::batch_offsets(p, b, olx, oly);
    const std::int8_t* x = lhs + olx * mat_x;
    const std::int8_t* y = rhs + oly * mat_y;
    const Parts q = parts(b);
    // rhs element (t, j): [k, n] at t * n + j, adj_y [n, k] at j * k + t
    const std::ptrdiff_t sn = p.adj_y ? p.k : 1, sk = p.adj_y ? 1 : p.n;
    kernels::pack_panels_s8_flipped_into(y, p.n, p.k, sn, sk, q.packed);  // for the tiled kernel
    // Column and row sums with contiguous inner loops (they vectorize: per run, O(k (m + n)))
    // (__restrict: an int32 store may otherwise alias the int8 operand, which stops vectorizing)
    std::int32_t* __restrict col_sums = q.col_sums;
    std::fill(col_sums, col_sums + s.n_padded, 0);
    if (p.adj_y) {
      for (int j = 0; j < p.n; ++j) {
        std::int32_t sum = 0;
        for (int t = 0; t < p.k; ++t) sum += y[std::size_t(j) * p.k + t];
        col_sums[j] = sum;
      }
    } else {
      for (int t = 0; t < p.k; ++t)
        for (int j = 0; j < p.n; ++j) col_sums[j] += y[std::size_t(t) * p.n + j];
    }
    for (int j = 0; j < s.n_padded; ++j) q.col_bias[j] = ox * q.col_sums[j] + p.k * ox * oy;
    for (int i = 0; i < p.m; ++i) {
      const std::int8_t* row = x + std::size_t(i) * p.k;
      if (p.adj_x) {
        for (int t = 0; t < p.k; ++t) q.lhs_t[std::size_t(i) * p.k + t] = x[std::size_t(t) * p.m + i];
        row = q.lhs_t + std::size_t(i) * p.k;
      }
      std::int32_t sum = 0;
      for (int t = 0; t < p.k; ++t) sum += row[t];
      q.row_bias[i] = oy * sum;
    }
  });
  const int row_blocks = (p.m + kMatRowBlock - 1) / kMatRowBlock;
  ctx.pool.run(batches * row_blocks, [&](int task, int) {
    const int b = task / row_blocks, rb = task % row_blocks;
    std::int64_t olx, oly;
    kernels::batch_offsets(p, b, olx, oly);
    const Parts q = parts(b);
    kernels::QGemmS8Args g;
    const int r0 = rb * kMatRowBlock;
    g.m = std::min(kMatRowBlock, p.m - r0);
    g.n = p.n;
    g.k = p.k;
    g.a = (p.adj_x ? q.lhs_t : lhs + olx * mat_x) + std::ptrdiff_t(r0) * p.k;
    g.a_row = p.k;
    g.b_flipped = q.packed;
    g.bias = q.col_bias;
    g.row_bias = q.row_bias + r0;
    g.b_sums = q.col_sums;
    g.mult = s.rq.multipliers.data();
    g.mult_count = 1;
    s.expanded.attach(g);
    g.out_offset = s.rq.output_offset;
    g.act_min = s.rq.act_min;
    g.act_max = s.rq.act_max;
    g.c = out + (std::size_t(b) * p.m + std::size_t(r0)) * p.n;
    g.ldc = p.n;
    s.fn(g, 0, p.n);
  });
}

template <kernels::QGemmS8Fn (*Get)()>
std::unique_ptr<OpState> prepare_matmul_variant(const PrepareContext& ctx) { return prepare_matmul_opt(ctx, Get()); }
template <kernels::QGemmS8Fn (*Get)()>
bool matmul_applies(const PrepareContext&) { return Get() != nullptr; }

// ---- optimized int16 (kernels/int16_matmul_x86.h): per run, each batch's right-hand side is
// packed into hi/lo byte planes of 16-column panels, an adj_x lhs transposed into scratch; then
// row blocks of every batch run across threads. Bit-identical to batch_matmul_s16_ref. ----

constexpr int kS16RowBlock = 16;

struct MatMulS16OptState : MatMulIntState {
  kernels::MatMulS16Fn fn = nullptr;
  std::size_t packed_bytes = 0, per_batch = 0;  // scratch layout per batch: packed rhs | lhs transposed
};

bool matmul_s16_opt_applies(const PrepareContext& ctx) {
  if (!kernels::matmul_s16_avx512vnni()) return false;
  const auto base = prepare_matmul_int(ctx);
  const auto& rq = state_as<MatMulIntState>(*base).rq;
  // The kernel assumes TFLite's int16 grid (zero points 0) and its int64 requantization range.
  return rq.input_offset == 0 && rq.weights_offset == 0 && rq.multipliers[0].shift <= 7;
}

std::unique_ptr<OpState> prepare_matmul_s16_opt(const PrepareContext& ctx) {
  auto base = prepare_matmul_int(ctx);
  auto s = std::make_unique<MatMulS16OptState>();
  static_cast<MatMulIntState&>(*s) = std::move(static_cast<MatMulIntState&>(*base));
  s->fn = kernels::matmul_s16_avx512vnni();
  const auto& p = s->p;
  s->packed_bytes = up64(kernels::packed_s16_rhs_bytes(p.n, p.k));
  s->per_batch = s->packed_bytes + (p.adj_x ? up64(std::size_t(p.m) * std::size_t(p.k) * sizeof(std::int16_t)) : 0);
  s->scratch_shared = std::size_t(kernels::batch_count(p)) * s->per_batch;
  return s;
}

void eval_matmul_s16_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MatMulS16OptState>(state);
  const auto& p = s.p;
  const auto* lhs = static_cast<const std::int16_t*>(ctx.inputs[0]);
  const auto* rhs = static_cast<const std::int16_t*>(ctx.inputs[1]);
  auto* out = static_cast<std::int16_t*>(ctx.outputs[0]);
  const int batches = int(kernels::batch_count(p));
  const std::int64_t mat_x = std::int64_t(p.m) * p.k, mat_y = std::int64_t(p.k) * p.n;
  auto packed = [&](int b) { return reinterpret_cast<std::int16_t*>(ctx.scratch_shared + std::size_t(b) * s.per_batch); };
  auto lhs_t = [&](int b) { return packed(b) + s.packed_bytes / sizeof(std::int16_t); };
  ctx.pool.run(batches, [&](int b, int) {
    std::int64_t olx, oly;
    kernels::batch_offsets(p, b, olx, oly);
    // rhs element (t, j): [k, n] at t * n + j, adj_y [n, k] at j * k + t
    const std::ptrdiff_t sn = p.adj_y ? p.k : 1, sk = p.adj_y ? 1 : p.n;
    kernels::pack_s16_rhs(rhs + oly * mat_y, p.n, p.k, sn, sk, packed(b));
    if (p.adj_x) {
      const std::int16_t* x = lhs + olx * mat_x;
      std::int16_t* xt = lhs_t(b);
      for (int i = 0; i < p.m; ++i)
        for (int t = 0; t < p.k; ++t) xt[std::size_t(i) * p.k + t] = x[std::size_t(t) * p.m + i];
    }
  });
  const int row_blocks = (p.m + kS16RowBlock - 1) / kS16RowBlock;
  ctx.pool.run(batches * row_blocks, [&](int task, int) {
    const int b = task / row_blocks, r0 = (task % row_blocks) * kS16RowBlock;
    std::int64_t olx, oly;
    kernels::batch_offsets(p, b, olx, oly);
    kernels::MatMulS16Args g;
    g.m = std::min(kS16RowBlock, p.m - r0);
    g.n = p.n;
    g.k = p.k;
    g.a = (p.adj_x ? lhs_t(b) : lhs + olx * mat_x) + std::ptrdiff_t(r0) * p.k;
    g.a_row = p.k;
    g.b_packed = packed(b);
    g.mult = s.rq.multipliers[0];
    g.out_offset = s.rq.output_offset;
    g.act_min = s.rq.act_min;
    g.act_max = s.rq.act_max;
    g.c = out + (std::size_t(b) * p.m + std::size_t(r0)) * p.n;
    g.ldc = p.n;
    s.fn(g);
  });
}

constexpr auto M = model::OpKind::batch_matmul;
constexpr CpuFeatures vnni = cpu_avx512f | cpu_avx512vnni;

const KernelEntry entries[] = {
    {"batch_matmul_s8_ref", M, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_matmul_int,
     eval_matmul_s8_ref},
    {"batch_matmul_s8_avx512vnni", M, ET::i8, ET::i8, ET::i8, 3, vnni, MicroSet::none,
     matmul_applies<kernels::qgemm_s8_tiled_avx512vnni>, prepare_matmul_variant<kernels::qgemm_s8_tiled_avx512vnni>,
     eval_matmul_opt},
    {"batch_matmul_s16_ref", M, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_matmul_int, eval_matmul_s16_ref},
    {"batch_matmul_s16_avx512vnni", M, ET::i16, ET::i16, ET::i16, 3, vnni, MicroSet::none, matmul_s16_opt_applies,
     prepare_matmul_s16_opt, eval_matmul_s16_opt},
};

}  // namespace

std::span<const KernelEntry> matmul_int_kernels() { return entries; }

}  // namespace nilm::runtime
