// BATCH_MATMUL (attention scores Q K^T and the weighted sum of V). The optimized variant packs
// each batch's right-hand side into column panels in scratch (O(k n) work against O(m k n)),
// then runs the GEMM micro-kernel with the left-hand side read in place (adj_x is a stride).
#include <algorithm>

#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using kernels::BatchMatMulParams;

struct MatMulState : ParamsState<BatchMatMulParams> {
  std::size_t packed_per_batch = 0;  // floats
};

std::unique_ptr<OpState> prepare_matmul(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::BatchMatMulAttrs>();
  const auto& sx = ctx.inputs[0]->shape;
  const auto& sy = ctx.inputs[1]->shape;
  if (sx.size() < 2 || sy.size() < 2) fail_op(ctx, "operands must have rank 2 or more");
  if (sx.size() > 6 || sy.size() > 6) fail_op(ctx, "rank above 6 is not supported");
  auto s = std::make_unique<MatMulState>();
  auto& p = s->p;
  p.adj_x = a.adj_x;
  p.adj_y = a.adj_y;
  const int rx = int(sx.size()), ry = int(sy.size());
  p.m = a.adj_x ? sx[std::size_t(rx - 1)] : sx[std::size_t(rx - 2)];
  p.k = a.adj_x ? sx[std::size_t(rx - 2)] : sx[std::size_t(rx - 1)];
  p.n = a.adj_y ? sy[std::size_t(ry - 2)] : sy[std::size_t(ry - 1)];
  // Batch dims right-aligned into 4 levels; a size-1 operand dim broadcasts (stride 0).
  std::array<std::int64_t, 4> bx{1, 1, 1, 1}, by{1, 1, 1, 1};
  for (int i = 0; i < rx - 2; ++i) bx[std::size_t(4 - (rx - 2) + i)] = sx[std::size_t(i)];
  for (int i = 0; i < ry - 2; ++i) by[std::size_t(4 - (ry - 2) + i)] = sy[std::size_t(i)];
  std::int64_t strx = 1, stry = 1;
  for (int d = 3; d >= 0; --d) {
    const auto i = std::size_t(d);
    if (bx[i] != by[i] && bx[i] != 1 && by[i] != 1) fail_op(ctx, "batch dimensions do not broadcast");
    p.batch[i] = std::max(bx[i], by[i]);
    p.lhs_stride[i] = bx[i] == 1 ? 0 : strx;
    p.rhs_stride[i] = by[i] == 1 ? 0 : stry;
    strx *= bx[i];
    stry *= by[i];
  }
  s->micro = ctx.micro;
  if (ctx.micro) {
    s->packed_per_batch = kernels::packed_panels_size(p.k, p.n);
    s->scratch_shared = std::size_t(kernels::batch_count(p)) * s->packed_per_batch * sizeof(float);
  }
  return s;
}

void eval_matmul_ref(const OpState& state, const EvalContext& ctx) {
  kernels::batch_matmul_f32_ref(state_as<MatMulState>(state).p, ctx.in(0), ctx.in(1), ctx.out(0));
}

void eval_matmul_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<MatMulState>(state);
  const auto& p = s.p;
  const int batches = int(kernels::batch_count(p));
  float* packed = reinterpret_cast<float*>(ctx.scratch_shared);
  const std::int64_t mat_x = std::int64_t(p.m) * p.k, mat_y = std::int64_t(p.k) * p.n;
  // Pack every batch's rhs (K x N; adj_y: stored N x K).
  ctx.pool.run(batches, [&](int b, int) {
    std::int64_t ox, oy;
    kernels::batch_offsets(p, b, ox, oy);
    const float* y = ctx.in(1) + oy * mat_y;
    kernels::pack_panels(y, p.k, p.n, p.adj_y ? p.k : 1, p.adj_y ? 1 : p.n,
                         packed + std::size_t(b) * s.packed_per_batch);
  });
  constexpr int kRows = 48;
  const int row_blocks = (p.m + kRows - 1) / kRows;
  const int panels = (p.n + kernels::kPanel - 1) / kernels::kPanel;
  ctx.pool.run(batches * row_blocks, [&](int task, int) {
    const int b = task / row_blocks, rb = task % row_blocks;
    std::int64_t ox, oy;
    kernels::batch_offsets(p, b, ox, oy);
    const float* x = ctx.in(0) + ox * mat_x;
    kernels::GemmArgs g;
    g.m = std::min(kRows, p.m - rb * kRows);
    g.n = p.n;
    g.k = p.k;
    g.a_row = p.adj_x ? 1 : p.k;
    g.a_col = p.adj_x ? p.m : 1;
    g.a = x + std::ptrdiff_t(rb) * kRows * g.a_row;
    g.b_packed = packed + std::size_t(b) * s.packed_per_batch;
    g.clamp = kernels::clamp_of(kernels::Activation::none);
    g.c = ctx.out(0) + (std::size_t(b) * p.m + std::size_t(rb) * kRows) * p.n;
    g.ldc = p.n;
    s.micro->gemm(g, 0, panels);
  });
}

const KernelEntry entries[] = {
    {"batch_matmul_f32_ref", model::OpKind::batch_matmul, f32, f32, f32, 0, cpu_none,
     MicroSet::none, nullptr, prepare_matmul, eval_matmul_ref},
    {"batch_matmul_f32_opt", model::OpKind::batch_matmul, f32, f32, f32, 1, cpu_none,
     MicroSet::portable, nullptr, prepare_matmul, eval_matmul_opt},
    {"batch_matmul_f32_avx2", model::OpKind::batch_matmul, f32, f32, f32, 2, cpu_avx2 | cpu_fma,
     MicroSet::avx2, nullptr, prepare_matmul, eval_matmul_opt},
    {"batch_matmul_f32_neon", model::OpKind::batch_matmul, f32, f32, f32, 2, cpu_neon,
     MicroSet::neon, nullptr, prepare_matmul, eval_matmul_opt},
};

}  // namespace

std::span<const KernelEntry> matmul_kernels() { return entries; }

}  // namespace nilm::runtime
