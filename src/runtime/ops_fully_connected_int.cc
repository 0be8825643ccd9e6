// FULLY_CONNECTED integer variants: int8 (w8_a8), int16 activations x int8 weights (w8_a16) and
// hybrid (w8: each float input row quantized per run, symmetric or asymmetric as the op's
// asymmetric_quantize_inputs says, int8 weights per channel or per tensor, float output).
#include <algorithm>
#include <type_traits>

#include "runtime/kernels/fc_sparse.h"
#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int8_gemm_dotprod.h"
#include "runtime/op_util_int.h"
#include "runtime/packed_buffer.h"

namespace nilm::runtime {
namespace {

// pack_panels_s8_flipped of the [n, k] weights (the tiled VNNI kernel's layout)
void pack_flipped(PackedBuffer<std::int8_t>& b, const std::int8_t* w, int n, int k) {
  b.pack(kernels::packed_panels_s8_bytes(n, k), [&](std::int8_t* dst) { kernels::pack_panels_s8_flipped_into(w, n, k, k, 1, dst); });
}

// A batch-1 layer's sparse-input weights (kernels/fc_sparse.h): blocks, and the weight sums the
// op already folded (fold_input_offset), padded to whole panels.
struct SparseWeightsCopy {
  PackedBuffer<std::int8_t> blocks;
  std::vector<std::int32_t> sums;
  kernels::SparseWeights view;
  void pack(const std::int8_t* w, int n, int k, const std::vector<std::int32_t>& row_sums, int block) {
    blocks.pack(kernels::packed_blocks_s8_bytes(n, k), [&](std::int8_t* dst) { kernels::pack_blocks_s8_into(w, n, k, block, dst); });
    sums = row_sums;
    sums.resize(std::size_t((n + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8), 0);
    view = {n, k, blocks.data(), sums.data(), block};
  }
  std::size_t bytes() const { return blocks.bytes() + sums.size() * 4; }
};

// Whether a layer takes the sparse-input row: one row, a depth the int32 plane sums allow.
bool sparse_applies(const kernels::FcParams& p) { return p.rows == 1 && p.depth <= kernels::kSparseMaxDepth; }

// Outputs [0, n) in blocks of `block` across the pool's threads.
template <class Fn>
void run_sparse_blocks(const EvalContext& ctx, int n, int block, Fn&& fn) {
  ctx.pool.run((n + block - 1) / block, [&](int task, int) { fn(task * block, std::min(n, (task + 1) * block)); });
}

using ET = model::ElementType;

struct FcIntState : OpState {
  kernels::FcParams p;
  kernels::Requantization rq;
  std::vector<float> weight_scales;  // hybrid
  bool asymmetric = false;           // hybrid
};

std::unique_ptr<OpState> prepare_fc_int(const PrepareContext& ctx) {
  auto s = std::make_unique<FcIntState>();
  s->p = fc_params_of(ctx);
  s->rq = conv_requantization(ctx, s->p.outputs, ctx.op.attr<model::FullyConnectedAttrs>().activation);
  if (ctx.inputs[0]->type == ET::i8) s->rq.float_scales = float_requantization_scales(ctx, s->p.outputs);
  if (ctx.inputs[0]->type == ET::i16) s->rq.double_scales = double_requantization_scales(ctx, s->p.outputs);
  return s;
}

void eval_fc_s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  kernels::fully_connected_s8_ref(s.p, s.rq, static_cast<const std::int8_t*>(ctx.inputs[0]),
                                  static_cast<const std::int8_t*>(ctx.inputs[1]),
                                  static_cast<const std::int32_t*>(ctx.inputs[2]),
                                  static_cast<std::int8_t*>(ctx.outputs[0]));
}

void eval_fc_s16s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  kernels::fully_connected_s16s8_ref(s.p, s.rq, static_cast<const std::int16_t*>(ctx.inputs[0]),
                                     static_cast<const std::int8_t*>(ctx.inputs[1]),
                                     static_cast<const std::int64_t*>(ctx.inputs[2]),
                                     static_cast<std::int16_t*>(ctx.outputs[0]));
}

std::unique_ptr<OpState> prepare_fc_hybrid(const PrepareContext& ctx) {
  auto s = std::make_unique<FcIntState>();
  s->p = fc_params_of(ctx);
  s->weight_scales = weight_scales(ctx, s->p.outputs);
  s->asymmetric = ctx.op.attr<model::FullyConnectedAttrs>().asymmetric_quantize_inputs;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(s->p.rows), std::size_t(s->p.depth));
  return s;
}

void eval_fc_hybrid_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcIntState>(state);
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(s.p.rows), std::size_t(s.p.depth));
  kernels::fully_connected_f32s8_hybrid_ref(s.p, s.weight_scales.data(), int(s.weight_scales.size()), s.asymmetric,
                                            ctx.in(0), static_cast<const std::int8_t*>(ctx.inputs[1]), ctx.in(2),
                                            ctx.out(0), scratch);
}

// ---- optimized: the integer GEMM over the file's [out, in] weights (no copy), outputs split
// across threads in multiples of 4; bit-identical to the reference ----

template <class Args, class Fn>
struct FcGemmState : OpState {
  Args args;  // everything but the activation / output pointers
  std::vector<std::remove_const_t<std::remove_pointer_t<decltype(Args{}.bias)>>> bias;
  std::vector<std::int32_t> sums;
  kernels::Requantization rq;
  kernels::ExpandedMultipliers expanded;
  std::vector<float> f_scales;       // int8: float requantization scales, padded to whole panels
  std::vector<double> d_scales;      // int16x8: double requantization scales, padded likewise
  Fn fn = nullptr;
  Fn packed_fn = nullptr;            // many rows of a small layer (the transformer's tokens)
  std::vector<std::int8_t> packed;   // its weight panels (int8 path)
  std::vector<std::int16_t> packed16;  // (int16x8 path)
  PackedBuffer<std::int8_t> flipped;   // pack_panels_s8_flipped (the tiled VNNI kernel)
  // One row (kernels/fc_sparse.h): the groups of inputs at the zero point are skipped.
  SparseWeightsCopy sparse_w;
  std::vector<std::remove_const_t<std::remove_pointer_t<decltype(Args{}.bias)>>> raw_bias;  // padded to 16
  kernels::SparseS8 sparse8;
  kernels::SparseS16 sparse16;
  kernels::SparseS8Fn sparse8_fn = nullptr;
  kernels::SparseS16Fn sparse16_fn = nullptr;
  kernels::SparseInputS8Fn input8 = nullptr;
  kernels::SparseInputS16Fn input16 = nullptr;
};

// Packing copies the weights: worth it for many rows of a layer that fits in cache, not for
// the batch-1 CNN's 10 MB layer streamed once per run.
constexpr int kPackedMinRows = 8;
constexpr std::size_t kMaxPackedBytes = std::size_t(8) << 20;
// The tiled VNNI kernel reads the weights about once per 32 rows instead of once per row, so
// it pays off for big layers too (the CNN's 10 MB dense layer rebatched to 64 windows: ~12 ms
// in dot rows, ~2 ms tiled); the packed copy costs its size in prepared memory.
constexpr std::size_t kMaxTiledBytes = std::size_t(64) << 20;
constexpr int kPackedRowBlock = 32;
// Even one row: the batch-1 CNN's 10 MB int8 layer streams the packed panels faster than its
// [out][in] rows (CNN w8_a8 0.119 -> 0.108 ms, w8_a16 0.181 -> 0.172 ms at 1 thread, 4
// alternating runs) for a packed copy of its weights in prepared memory (+10.6 MB).
constexpr int kTiledMinRows = 1;

// The packed and tiled kernels' tasks: blocks of kPackedRowBlock rows x groups of whole output
// panels, about four tasks per thread; fn(first row, rows, first output, end output).
template <class Fn>
void run_row_blocks_x_panels(const EvalContext& ctx, int m, int n, Fn&& fn) {
  const int row_blocks = (m + kPackedRowBlock - 1) / kPackedRowBlock;
  const int panels = (n + kernels::kPanelS8 - 1) / kernels::kPanelS8;
  const int groups = std::min(panels, std::max(1, (4 * ctx.pool.size() + row_blocks - 1) / row_blocks));
  const int per_group = (panels + groups - 1) / groups;
  ctx.pool.run(row_blocks * groups, [&](int task, int) {
    const int rb = task / groups, gi = task % groups;
    const int j0 = gi * per_group * kernels::kPanelS8;
    const int j1 = std::min(n, (gi + 1) * per_group * kernels::kPanelS8);
    if (j0 < j1) fn(rb * kPackedRowBlock, std::min(kPackedRowBlock, m - rb * kPackedRowBlock), j0, j1);
  });
}

using FcS8State = FcGemmState<kernels::QGemmS8Args, kernels::QGemmS8Fn>;
using FcS16State = FcGemmState<kernels::QGemmS16Args, kernels::QGemmS16Fn>;

// The sparse-input row (kernels/fc_sparse.h) instead of the tiled one for one row. Returns
// whether it was set up (AVX-512 VNNI, and for int8 the float requantization scales).
template <class State>
bool prepare_sparse_row(State& s, const PrepareContext& ctx, const kernels::FcParams& p) {
  if (!sparse_applies(p)) return false;
  using Bias = typename decltype(s.raw_bias)::value_type;
  const std::int8_t* w = ctx.inputs[1]->data.as<std::int8_t>();
  const int padded = (p.outputs + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8;
  const auto set_up = [&] {
    s.sparse_w.pack(w, p.outputs, p.depth, s.sums,
                    std::is_same_v<State, FcS8State> ? kernels::kSparseBlock : kernels::kSparseBlockS16);
    s.raw_bias.assign(std::size_t(padded), 0);  // the file's bias: the kernel applies the input offset
    const model::Tensor* b = ctx.inputs.size() > 2 ? ctx.inputs[2] : nullptr;
    if (b) std::copy(b->data.as<Bias>(), b->data.as<Bias>() + p.outputs, s.raw_bias.begin());
    s.scratch_shared = kernels::sparse_input_bytes(p.depth);
  };
  if constexpr (std::is_same_v<State, FcS8State>) {
    s.sparse8_fn = kernels::sparse_s8_avx512vnni();
    s.input8 = kernels::sparse_input_s8_avx512();
    if (!s.sparse8_fn || !s.input8 || !s.args.f_scale) return false;
    set_up();
    s.sparse8 = {s.sparse_w.view, -s.rq.input_offset, s.raw_bias.data(), s.args.f_scale, s.args.out_offset, s.args.act_min,
                 s.args.act_max};
  } else {
    s.sparse16_fn = kernels::sparse_s16_avx512vnni();
    s.input16 = kernels::sparse_input_s16_avx512();
    if (!s.sparse16_fn || !s.input16 || !s.args.d_scale || s.rq.input_offset != 0) return false;
    set_up();
    s.sparse16 = {s.sparse_w.view, s.raw_bias.data(), s.args.d_scale, s.args.out_offset, s.args.act_min, s.args.act_max};
  }
  return true;
}

template <class State, class Bias>
std::unique_ptr<OpState> prepare_fc_gemm(const PrepareContext& ctx, decltype(State{}.fn) fn,
                                         decltype(State{}.fn) packed_fn, decltype(State{}.fn) tiled_fn = nullptr,
                                         bool sparse = false) {
  auto s = std::make_unique<State>();
  const kernels::FcParams p = fc_params_of(ctx);
  s->rq = conv_requantization(ctx, p.outputs, ctx.op.attr<model::FullyConnectedAttrs>().activation);
  s->fn = fn;
  const std::int8_t* w = ctx.inputs[1]->data.template as<std::int8_t>();
  const model::Tensor* b = ctx.inputs.size() > 2 ? ctx.inputs[2] : nullptr;
  kernels::fold_input_offset(w, p.outputs, p.depth, b ? b->data.template as<Bias>() : static_cast<const Bias*>(nullptr),
                             s->rq.input_offset, s->bias, s->sums);
  auto& g = s->args;
  g.m = p.rows;
  g.n = p.outputs;
  g.k = p.depth;
  g.a_row = p.depth;
  g.b = w;
  g.bias = s->bias.data();
  g.b_sums = s->sums.data();
  g.mult = s->rq.multipliers.data();
  g.mult_count = int(s->rq.multipliers.size());
  s->expanded = kernels::ExpandedMultipliers(s->rq.multipliers, g.n);
  s->expanded.attach(g);
  if constexpr (std::is_same_v<State, FcS8State>) {
    // int8: XNNPACK's float32 requantization (as the reference), scales padded to whole panels
    s->rq.float_scales = float_requantization_scales(ctx, p.outputs);
    s->f_scales = kernels::padded_float_scales(s->rq.float_scales, g.n);
    g.f_scale = s->f_scales.data();
  } else {
    // int16x8: TFLite's double requantization (as the reference)
    s->rq.double_scales = double_requantization_scales(ctx, p.outputs);
    s->d_scales = kernels::padded_double_scales(s->rq.double_scales, g.n);
    g.d_scale = s->d_scales.data();
  }
  g.out_offset = s->rq.output_offset;
  g.act_min = s->rq.act_min;
  g.act_max = s->rq.act_max;
  g.ldc = p.outputs;
  const std::size_t weight_bytes = std::size_t(p.outputs) * std::size_t(p.depth);
  const bool many_rows = p.rows >= kPackedMinRows && weight_bytes <= kMaxPackedBytes;
  // int16x8 on the int8 tiles: two int8 planes per activation, exact up to this depth
  const bool tiled_depth_ok = std::is_same_v<State, FcS8State> || p.depth <= kernels::kTiledS16MaxDepth;
  const bool sparse_row = sparse && prepare_sparse_row(*s, ctx, p);  // one row: its own weight blocks
  if (sparse_row) {
    // nothing more to pack
  } else if (tiled_fn && tiled_depth_ok && p.rows >= kTiledMinRows && weight_bytes <= kMaxTiledBytes) {
    // the register-tiled kernel, over the weights packed as w + 128 bytes
    s->packed_fn = tiled_fn;
    pack_flipped(s->flipped, w, p.outputs, p.depth);
    g.b_flipped = s->flipped.data();
  } else if (packed_fn && many_rows) {
    s->packed_fn = packed_fn;
    if constexpr (std::is_same_v<State, FcS8State>) {
      s->packed = kernels::pack_panels_s8(w, p.outputs, p.depth);
      g.b_packed = s->packed.data();
    } else {
      s->packed16 = kernels::pack_panels_s16(w, p.outputs, p.depth);
      g.b_packed16 = s->packed16.data();
    }
  }
  s->prepared_bytes = s->bias.size() * sizeof(s->bias[0]) + s->sums.size() * 4 + s->packed.size() + 2 * s->packed16.size() +
                      s->flipped.bytes();
  s->prepared_bytes += s->sparse_w.bytes() + s->raw_bias.size() * sizeof(s->raw_bias[0]);
  return s;
}

template <class State, class In, class Out>
void eval_fc_gemm(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<State>(state);
  auto g = s.args;
  g.a = static_cast<const In*>(ctx.inputs[0]);
  g.c = static_cast<Out*>(ctx.outputs[0]);
  auto* scratch = reinterpret_cast<std::uint8_t*>(ctx.scratch_shared);
  if constexpr (std::is_same_v<State, FcS8State>) {
    if (s.sparse8_fn) {  // the input's nonzero groups once, then blocks of outputs across threads
      const kernels::SparseInput in = s.input8(g.a, g.k, s.sparse8.zp, scratch);
      return run_sparse_blocks(ctx, g.n, kernels::kSparseBlock, [&](int j0, int j1) { s.sparse8_fn(s.sparse8, in, g.c, j0, j1); });
    }
  } else {
    if (s.sparse16_fn) {
      const kernels::SparseInput in = s.input16(g.a, g.k, scratch);
      return run_sparse_blocks(ctx, g.n, kernels::kSparseBlockS16, [&](int j0, int j1) { s.sparse16_fn(s.sparse16, in, g.c, j0, j1); });
    }
  }
  if (s.packed_fn) {  // row blocks x output panels
    run_row_blocks_x_panels(ctx, g.m, g.n, [&](int r0, int rows, int j0, int j1) {
      auto t = g;
      t.m = rows;
      t.a = g.a + std::ptrdiff_t(r0) * g.a_row;
      t.c = g.c + std::ptrdiff_t(r0) * g.ldc;
      s.packed_fn(t, j0, j1);
    });
    return;
  }
  const int chunk = chunk_size(g.n, 2 * ctx.pool.size(), 16);
  ctx.pool.run((g.n + chunk - 1) / chunk, [&](int task, int) { s.fn(g, task * chunk, std::min(g.n, (task + 1) * chunk)); });
}

kernels::QGemmS8Fn no_packed_s8() { return nullptr; }
kernels::QGemmS16Fn no_packed_s16() { return nullptr; }

template <kernels::QGemmS8Fn (*Get)(), kernels::QGemmS8Fn (*GetPacked)() = no_packed_s8,
          kernels::QGemmS8Fn (*GetTiled)() = no_packed_s8, bool kSparse = false>
std::unique_ptr<OpState> prepare_fc_s8(const PrepareContext& ctx) {
  return prepare_fc_gemm<FcS8State, std::int32_t>(ctx, Get(), GetPacked(), GetTiled(), kSparse);
}
template <kernels::QGemmS16Fn (*Get)(), kernels::QGemmS16Fn (*GetPacked)() = no_packed_s16,
          kernels::QGemmS16Fn (*GetTiled)() = no_packed_s16, bool kSparse = false>
std::unique_ptr<OpState> prepare_fc_s16(const PrepareContext& ctx) {
  return prepare_fc_gemm<FcS16State, std::int64_t>(ctx, Get(), GetPacked(), GetTiled(), kSparse);
}

// ---- optimized hybrid: each row quantized as the reference does, then the integer dot rows
// and the float epilogue of kernels::HybridS8Args (identical values) ----

struct FcHybridOptState : FcIntState {
  kernels::HybridS8Args args;
  std::vector<std::int32_t> sums;
  std::vector<float> scales;  // expanded to `outputs`
  kernels::HybridS8Fn fn = nullptr;
  // Every row quantized first, then one tiled GEMM over all of them (per-row offsets and
  // scales), the weights packed once here. Even one row: the batch-1 CNN's 10 MB layer streams
  // the packed panels (prefetched, huge pages) at 85 us where the dot rows over the file's
  // [out][in] weights took 103 us (CNN w8 0.13 -> 0.112 ms at 1 thread, as w8_a8).
  kernels::HybridS8Fn tiled = nullptr;
  PackedBuffer<std::int8_t> flipped;
  kernels::RowQuantizers quantizers;  // vectorized row quantization, or nullptrs (reference)
  // One row: the sparse-input row (kernels/fc_sparse.h) on the quantized row, its scratch
  // after the row's quantization scratch.
  SparseWeightsCopy sparse_w;
  kernels::SparseHybrid sparse;
  kernels::SparseHybridFn sparse_fn = nullptr;
  kernels::SparseInputS8Fn input8 = nullptr;
  std::size_t sparse_scratch_at = 0;
};

std::unique_ptr<OpState> prepare_fc_hybrid_opt(const PrepareContext& ctx, kernels::HybridS8Fn fn,
                                               kernels::HybridS8Fn tiled = nullptr, kernels::RowQuantizers quantizers = {},
                                               bool sparse = false) {
  auto s = std::make_unique<FcHybridOptState>();
  s->p = fc_params_of(ctx);
  const auto& p = s->p;
  s->weight_scales = weight_scales(ctx, p.outputs);
  s->asymmetric = ctx.op.attr<model::FullyConnectedAttrs>().asymmetric_quantize_inputs;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(p.rows), std::size_t(p.depth));
  s->fn = fn;
  const std::int8_t* w = ctx.inputs[1]->data.as<std::int8_t>();
  std::vector<std::int32_t> unused;
  kernels::fold_input_offset<std::int32_t, std::int32_t>(w, p.outputs, p.depth, nullptr, 0, unused, s->sums);
  for (int j = 0; j < p.outputs; ++j) s->scales.push_back(s->weight_scales[s->weight_scales.size() == 1 ? 0 : std::size_t(j)]);
  auto& g = s->args;
  g.m = 1;
  g.n = p.outputs;
  g.k = p.depth;
  g.b = w;
  g.b_sums = s->sums.data();
  g.w_scales = s->scales.data();
  g.scale_first = true;
  const kernels::Clamp cl = kernels::clamp_of(p.act);
  g.lo = cl.lo;
  g.hi = cl.hi;
  g.ldc = p.outputs;
  s->quantizers = quantizers;
  if (sparse && sparse_applies(p) && (s->sparse_fn = kernels::sparse_hybrid_avx512vnni()) &&
      (s->input8 = kernels::sparse_input_s8_avx512())) {
    s->sparse_w.pack(w, p.outputs, p.depth, s->sums, kernels::kSparseBlock);
    s->sparse = {s->sparse_w.view, s->scales.data(), nullptr, g.scale_first, g.lo, g.hi, 0, 1.f};
    s->sparse_scratch_at = (s->scratch_shared + 63) / 64 * 64;
    s->scratch_shared = s->sparse_scratch_at + kernels::sparse_input_bytes(p.depth);
    s->prepared_bytes = s->sparse_w.bytes();
  } else if (tiled && p.rows >= kTiledMinRows && std::size_t(p.outputs) * std::size_t(p.depth) <= kMaxTiledBytes) {
    s->tiled = tiled;
    pack_flipped(s->flipped, w, p.outputs, p.depth);
    g.b_flipped = s->flipped.data();
    s->prepared_bytes = s->flipped.bytes();
  }
  return s;
}

// Row r of the input quantized as the reference does (the vectorized form where there is one).
void quantize_hybrid_row(const FcHybridOptState& s, const float* in, const kernels::HybridScratch& scratch, int r) {
  const int depth = s.p.depth;
  const float* x = in + std::size_t(r) * depth;
  std::int8_t* q = scratch.quantized + std::size_t(r) * depth;
  scratch.offsets[r] = 0;
  if (s.asymmetric)
    scratch.scales[r] = s.quantizers.asymmetric ? s.quantizers.asymmetric(x, std::size_t(depth), q, scratch.offsets[r])
                                                : kernels::asymmetric_quantize_floats(x, std::size_t(depth), q, scratch.offsets[r]);
  else
    scratch.scales[r] = s.quantizers.symmetric ? s.quantizers.symmetric(x, std::size_t(depth), q)
                                               : kernels::symmetric_quantize_floats(x, std::size_t(depth), q);
}

void eval_fc_hybrid_tiled(const FcHybridOptState& s, const EvalContext& ctx, const kernels::HybridScratch& scratch) {
  const auto& p = s.p;
  const float* in = ctx.in(0);
  const int row_blocks = (p.rows + kPackedRowBlock - 1) / kPackedRowBlock;
  ctx.pool.run(row_blocks, [&](int rb, int) {
    for (int r = rb * kPackedRowBlock; r < std::min(p.rows, (rb + 1) * kPackedRowBlock); ++r) quantize_hybrid_row(s, in, scratch, r);
  });
  auto g = s.args;
  g.m = p.rows;
  g.a = scratch.quantized;
  g.a_row = p.depth;
  g.row_offsets = scratch.offsets;
  g.row_scales = scratch.scales;
  g.bias = ctx.in(2);
  g.c = ctx.out(0);
  run_row_blocks_x_panels(ctx, g.m, g.n, [&](int r0, int rows, int j0, int j1) {
    auto t = g;
    t.m = rows;
    t.a = g.a + std::ptrdiff_t(r0) * g.a_row;
    t.c = g.c + std::ptrdiff_t(r0) * g.ldc;
    t.row_offsets = g.row_offsets + r0;
    t.row_scales = g.row_scales + r0;
    s.tiled(t, j0, j1);
  });
}

void eval_fc_hybrid_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<FcHybridOptState>(state);
  const auto& p = s.p;
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(p.rows), std::size_t(p.depth));
  if (s.sparse_fn) {  // one row: quantized as the reference does, then its nonzero groups only
    quantize_hybrid_row(s, ctx.in(0), scratch, 0);
    kernels::SparseHybrid h = s.sparse;
    h.offset = scratch.offsets[0];
    h.input_scale = scratch.scales[0];
    h.bias = ctx.in(2);
    const kernels::SparseInput in = s.input8(scratch.quantized, p.depth, h.offset,
                                             reinterpret_cast<std::uint8_t*>(ctx.scratch_shared) + s.sparse_scratch_at);
    return run_sparse_blocks(ctx, p.outputs, kernels::kSparseBlock, [&](int j0, int j1) { s.sparse_fn(h, in, ctx.out(0), j0, j1); });
  }
  if (s.tiled) return eval_fc_hybrid_tiled(s, ctx, scratch);
  const float* in = ctx.in(0);
  for (int r = 0; r < p.rows; ++r) quantize_hybrid_row(s, in, scratch, r);  // few rows: serially
  const int chunk = chunk_size(p.outputs, 2 * ctx.pool.size(), 16);
  ctx.pool.run((p.outputs + chunk - 1) / chunk, [&](int task, int) {
    for (int r = 0; r < p.rows; ++r) {
      auto g = s.args;
      g.a = scratch.quantized + std::size_t(r) * p.depth;
      g.input_offset = scratch.offsets[r];
      g.input_scale = scratch.scales[r];
      g.bias = ctx.in(2);
      g.c = ctx.out(0) + std::size_t(r) * p.outputs;
      s.fn(g, task * chunk, std::min(p.outputs, (task + 1) * chunk));
    }
  });
}

template <kernels::HybridS8Fn (*Get)()>
std::unique_ptr<OpState> prepare_fc_hybrid_variant(const PrepareContext& ctx) {
  return prepare_fc_hybrid_opt(ctx, Get());
}
std::unique_ptr<OpState> prepare_fc_hybrid_vnni(const PrepareContext& ctx) {
  return prepare_fc_hybrid_opt(ctx, kernels::hybrid_s8_avx512vnni(), kernels::hybrid_s8_tiled_avx512vnni(),
                               kernels::row_quantizers_avx512(), true);
}

constexpr auto F = model::OpKind::fully_connected;
constexpr CpuFeatures vnni = cpu_avx512f | cpu_avx512vnni;
constexpr CpuFeatures dotprod = cpu_neon | cpu_dotprod;  // AArch64 SDOT

const KernelEntry entries[] = {
    {"fully_connected_s8_ref", F, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, bias_i32, prepare_fc_int,
     eval_fc_s8_ref},
    {"fully_connected_s16s8_ref", F, ET::i16, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, bias_i64,
     prepare_fc_int, eval_fc_s16s8_ref},
    {"fully_connected_f32s8_hybrid_ref", F, ET::f32, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_fc_hybrid, eval_fc_hybrid_ref},
    {"fully_connected_f32s8_hybrid_opt", F, ET::f32, ET::i8, ET::f32, 1, cpu_none, MicroSet::none,
     hybrid_applies<portable_hybrid>, prepare_fc_hybrid_variant<portable_hybrid>, eval_fc_hybrid_opt},
    {"fully_connected_f32s8_hybrid_avx2", F, ET::f32, ET::i8, ET::f32, 2, cpu_avx2, MicroSet::none,
     hybrid_applies_avx2<kernels::hybrid_s8_avx2>, prepare_fc_hybrid_variant<kernels::hybrid_s8_avx2>, eval_fc_hybrid_opt},
    {"fully_connected_f32s8_hybrid_avx512vnni", F, ET::f32, ET::i8, ET::f32, 3, vnni, MicroSet::none,
     hybrid_applies<kernels::hybrid_s8_avx512vnni>, prepare_fc_hybrid_vnni, eval_fc_hybrid_opt},
    {"fully_connected_f32s8_hybrid_neon_dotprod", F, ET::f32, ET::i8, ET::f32, 2, dotprod, MicroSet::none,
     hybrid_applies<kernels::hybrid_s8_neon_dotprod>, prepare_fc_hybrid_variant<kernels::hybrid_s8_neon_dotprod>,
     eval_fc_hybrid_opt},
    {"fully_connected_s8_opt", F, ET::i8, ET::i8, ET::i8, 1, cpu_none, MicroSet::none,
     gemm_applies_i32<portable_s8>, prepare_fc_s8<portable_s8>, eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s8_avx2", F, ET::i8, ET::i8, ET::i8, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i32_avx2<kernels::qgemm_s8_avx2>, prepare_fc_s8<kernels::qgemm_s8_avx2, kernels::qgemm_s8_packed_avx2>,
     eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s8_avx512vnni", F, ET::i8, ET::i8, ET::i8, 3, vnni, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_avx512vnni>,
     prepare_fc_s8<kernels::qgemm_s8_avx512vnni, kernels::qgemm_s8_packed_avx512vnni, kernels::qgemm_s8_tiled_avx512vnni,
                   true>,
     eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s8_neon_dotprod", F, ET::i8, ET::i8, ET::i8, 2, dotprod, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_neon_dotprod>, prepare_fc_s8<kernels::qgemm_s8_neon_dotprod>,
     eval_fc_gemm<FcS8State, std::int8_t, std::int8_t>},
    {"fully_connected_s16s8_opt", F, ET::i16, ET::i8, ET::i16, 1, cpu_none, MicroSet::none,
     gemm_applies_i64<portable_s16>, prepare_fc_s16<portable_s16>, eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
    {"fully_connected_s16s8_avx2", F, ET::i16, ET::i8, ET::i16, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_avx2>, prepare_fc_s16<kernels::qgemm_s16_avx2, kernels::qgemm_s16_packed_avx2>,
     eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
    {"fully_connected_s16s8_avx512", F, ET::i16, ET::i8, ET::i16, 3, cpu_avx512f, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_avx512>,
     prepare_fc_s16<kernels::qgemm_s16_avx512, kernels::qgemm_s16_packed_avx512, kernels::qgemm_s16_tiled_avx512vnni,
                    true>,
     eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
    {"fully_connected_s16s8_neon", F, ET::i16, ET::i8, ET::i16, 2, cpu_neon, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_neon>, prepare_fc_s16<kernels::qgemm_s16_neon>,
     eval_fc_gemm<FcS16State, std::int16_t, std::int16_t>},
};

}  // namespace

std::span<const KernelEntry> fully_connected_int_kernels() { return entries; }

}  // namespace nilm::runtime
