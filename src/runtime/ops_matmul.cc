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
  auto s = std::make_unique<MatMulState>();
  s->p = matmul_params_of(ctx);
  const auto& p = s->p;
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
    {"batch_matmul_f32_avx512", model::OpKind::batch_matmul, f32, f32, f32, 3,
     cpu_avx2 | cpu_fma | cpu_avx512f, MicroSet::avx512, nullptr, prepare_matmul, eval_matmul_opt},
    {"batch_matmul_f32_neon", model::OpKind::batch_matmul, f32, f32, f32, 2, cpu_neon,
     MicroSet::neon, nullptr, prepare_matmul, eval_matmul_opt},
};

}  // namespace

std::span<const KernelEntry> matmul_kernels() { return entries; }

}  // namespace nilm::runtime
