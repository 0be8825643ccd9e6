// FULLY_CONNECTED. Two optimized strategies, chosen at load time from the shapes:
// - few rows (batch-1 seq2point: 1 row; batched windows of a large layer): row dot products
//   straight against the [out, in] weights in the model file (no copy; the 9728x1024 layer is
//   bound by memory bandwidth, so the weights are streamed exactly once, split by output
//   ranges across threads);
// - many rows of a small layer (the transformer's 299 tokens): weights packed once into column
//   panels and a register-blocked GEMM (each weight load feeds 6 rows).
#include <algorithm>

#include "runtime/kernels/fc_sparse.h"
#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"
#include "runtime/packed_buffer.h"

namespace nilm::runtime {
namespace {

using kernels::FcParams;

struct FcState : ParamsState<FcParams> {
  kernels::AlignedFloats packed;  // only in the GEMM strategy
  // One row with AVX-512 (kernels/fc_sparse.h): the weights again, input by input in blocks of
  // 256 outputs, so that the inputs at 0 (after a ReLU: most of the CNN's 9728) cost nothing.
  // A second copy of the layer's weights.
  PackedBuffer<float> blocks;
  kernels::SparseF32 sparse;
  kernels::SparseF32Fn sparse_fn = nullptr;
  kernels::SparseInputF32Fn sparse_input = nullptr;
};

// Packing copies the weights: worth it for many rows of a small layer (the transformer's 1 MB
// FFN), not for a 40 MB layer that a few rows can stream straight from the file.
constexpr int kGemmMinRows = 4;
constexpr std::size_t kMaxPackedBytes = std::size_t(8) << 20;
constexpr int kGemmMinRowsLarge = 64;

std::unique_ptr<OpState> prepare_fc(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::FullyConnectedAttrs>();
  auto s = std::make_unique<FcState>();
  s->p = fc_params_of(ctx);
  const auto& p = s->p;
  s->post = a.activation;
  s->micro = ctx.micro;
  const std::size_t weight_bytes = std::size_t(p.depth) * std::size_t(p.outputs) * sizeof(float);
  const int min_rows = weight_bytes <= kMaxPackedBytes ? kGemmMinRows : kGemmMinRowsLarge;
  if (ctx.micro && p.rows >= min_rows) {
    s->packed.resize(kernels::packed_panels_size(p.depth, p.outputs));
    kernels::pack_panels(ctx.inputs[1]->data.as<float>(), p.depth, p.outputs, p.depth, 1, s->packed.data());
    s->prepared_bytes = s->packed.size() * sizeof(float);
  }
  return s;
}

std::unique_ptr<OpState> prepare_fc_avx512(const PrepareContext& ctx) {
  auto base = prepare_fc(ctx);
  auto& s = static_cast<FcState&>(*base);
  const auto& p = s.p;
  s.sparse_fn = kernels::sparse_f32_avx512();
  s.sparse_input = kernels::sparse_input_f32_avx512();
  if (p.rows != 1 || p.depth > kernels::kSparseMaxDepth || !s.sparse_fn || !s.sparse_input) {
    s.sparse_fn = nullptr;
    return base;
  }
  const float* blocks = s.blocks.pack(kernels::packed_blocks_f32_floats(p.outputs, p.depth), [&](float* dst) {
    kernels::pack_blocks_f32_into(ctx.inputs[1]->data.as<float>(), p.outputs, p.depth, dst);
  });
  const kernels::Clamp cl = kernels::clamp_of(p.act);
  s.sparse = {p.outputs, p.depth, blocks, nullptr, cl.lo, cl.hi};
  s.scratch_shared = std::size_t(p.depth) * sizeof(std::uint16_t);
  s.prepared_bytes += s.blocks.bytes();
  return base;
}

std::size_t out_elements(const FcParams& p) { return std::size_t(p.rows) * p.outputs; }

void eval_fc_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcState>(state);
  kernels::fully_connected_f32_ref(s.p, ctx.in(0), ctx.in(1), ctx.in(2), ctx.out(0));
  apply_post(s.post, ctx.out(0), out_elements(s.p), ctx, nullptr);
}

void eval_fc_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcState>(state);
  const auto& p = s.p;
  // The nonzero inputs once; while at most half the inputs are nonzero, blocks of 256 outputs
  // across threads (with none at 0 the blocks take ~1.4x the rows' time: 919 vs 670 us on the
  // CNN's layer; equal at half).
  int count = 0;
  auto* nonzero = reinterpret_cast<std::uint16_t*>(ctx.scratch_shared);
  if (s.sparse_fn) count = s.sparse_input(ctx.in(0), p.depth, nonzero);
  if (s.sparse_fn && 2 * count <= p.depth) {
    kernels::SparseF32 sp = s.sparse;
    sp.bias = ctx.in(2);
    const int blocks = (p.outputs + kernels::kSparseBlock - 1) / kernels::kSparseBlock;
    ctx.pool.run(blocks, [&](int task, int) {
      s.sparse_fn(sp, ctx.in(0), nonzero, count, ctx.out(0), task * kernels::kSparseBlock,
                  std::min(p.outputs, (task + 1) * kernels::kSparseBlock));
    });
  } else if (s.packed.empty()) {
    // Output ranges in multiples of 4 (the dot kernel's block) across threads.
    const int chunk = chunk_size(p.outputs, 2 * ctx.pool.size(), 16);
    ctx.pool.run((p.outputs + chunk - 1) / chunk, [&](int task, int) {
      s.micro->fc_dot(p, ctx.in(0), ctx.in(1), ctx.in(2), ctx.out(0), task * chunk,
                      std::min(p.outputs, (task + 1) * chunk));
    });
  } else {
    constexpr int kRows = 48;
    const int panels = (p.outputs + kernels::kPanel - 1) / kernels::kPanel;
    const int row_blocks = (p.rows + kRows - 1) / kRows;
    const int groups = std::min(panels, std::max(1, (4 * ctx.pool.size() + row_blocks - 1) / row_blocks));
    const int per_group = (panels + groups - 1) / groups;
    ctx.pool.run(row_blocks * groups, [&](int task, int) {
      const int rb = task / groups, gi = task % groups;
      kernels::GemmArgs g;
      g.m = std::min(kRows, p.rows - rb * kRows);
      g.n = p.outputs;
      g.k = p.depth;
      g.a = ctx.in(0) + std::size_t(rb) * kRows * p.depth;
      g.a_row = p.depth;
      g.b_packed = s.packed.data();
      g.bias = ctx.in(2);
      g.clamp = kernels::clamp_of(p.act);
      g.c = ctx.out(0) + std::size_t(rb) * kRows * p.outputs;
      g.ldc = p.outputs;
      s.micro->gemm(g, gi * per_group, std::min(panels, (gi + 1) * per_group));
    });
  }
  apply_post(s.post, ctx.out(0), out_elements(p), ctx, s.micro);
}

bool weights_constant(const PrepareContext& ctx) { return ctx.inputs[1]->is_constant(); }

const KernelEntry entries[] = {
    {"fully_connected_f32_ref", model::OpKind::fully_connected, f32, f32, f32, 0, cpu_none,
     MicroSet::none, nullptr, prepare_fc, eval_fc_ref},
    {"fully_connected_f32_opt", model::OpKind::fully_connected, f32, f32, f32, 1, cpu_none,
     MicroSet::portable, weights_constant, prepare_fc, eval_fc_opt},
    {"fully_connected_f32_avx2", model::OpKind::fully_connected, f32, f32, f32, 2,
     cpu_avx2 | cpu_fma, MicroSet::avx2, weights_constant, prepare_fc, eval_fc_opt},
    {"fully_connected_f32_avx512", model::OpKind::fully_connected, f32, f32, f32, 3,
     cpu_avx2 | cpu_fma | cpu_avx512f, MicroSet::avx512, weights_constant, prepare_fc_avx512, eval_fc_opt},
    {"fully_connected_f32_neon", model::OpKind::fully_connected, f32, f32, f32, 2, cpu_neon,
     MicroSet::neon, weights_constant, prepare_fc, eval_fc_opt},
};

}  // namespace

std::span<const KernelEntry> fully_connected_kernels() { return entries; }

}  // namespace nilm::runtime
