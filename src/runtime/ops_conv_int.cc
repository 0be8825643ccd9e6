// CONV_2D integer variants: int8 (w8_a8), int16 activations x int8 weights (w8_a16) and hybrid
// (w8: float input quantized per image, int8 per-channel weights, float output). The reference
// rows compute exactly TFLite's reference kernels (kernels/int_reference.h).
#include <algorithm>
#include <cstring>

#include "runtime/kernels/int8_conv.h"
#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int8_gemm_dotprod.h"
#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct ConvIntState : OpState {
  kernels::ConvParams p;
  kernels::Requantization rq;
  std::vector<float> weight_scales;  // hybrid
};

std::unique_ptr<OpState> prepare_conv_int(const PrepareContext& ctx) {
  auto s = std::make_unique<ConvIntState>();
  s->p = conv_params_of(ctx);
  s->rq = conv_requantization(ctx, s->p.out_c, ctx.op.attr<model::Conv2DAttrs>().activation);
  if (ctx.inputs[0]->type == ET::i8) s->rq.float_scales = float_requantization_scales(ctx, s->p.out_c);
  return s;
}

const void* bias_of(const EvalContext& ctx) { return ctx.inputs[2]; }

void eval_conv_s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  kernels::conv2d_s8_ref(s.p, s.rq, static_cast<const std::int8_t*>(ctx.inputs[0]),
                         static_cast<const std::int8_t*>(ctx.inputs[1]),
                         static_cast<const std::int32_t*>(bias_of(ctx)), static_cast<std::int8_t*>(ctx.outputs[0]));
}

void eval_conv_s16s8_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  kernels::conv2d_s16s8_ref(s.p, s.rq, static_cast<const std::int16_t*>(ctx.inputs[0]),
                            static_cast<const std::int8_t*>(ctx.inputs[1]),
                            static_cast<const std::int64_t*>(bias_of(ctx)), static_cast<std::int16_t*>(ctx.outputs[0]));
}

std::unique_ptr<OpState> prepare_conv_hybrid(const PrepareContext& ctx) {
  auto s = std::make_unique<ConvIntState>();
  s->p = conv_params_of(ctx);
  s->weight_scales = weight_scales(ctx, s->p.out_c);
  const auto& p = s->p;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(p.batch), std::size_t(p.in_h) * p.in_w * p.in_c);
  return s;
}

void eval_conv_hybrid_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvIntState>(state);
  const auto& p = s.p;
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(p.batch),
                                               std::size_t(p.in_h) * p.in_w * p.in_c);
  kernels::conv2d_f32s8_hybrid_ref(p, s.weight_scales.data(), int(s.weight_scales.size()), ctx.in(0),
                                   static_cast<const std::int8_t*>(ctx.inputs[1]), ctx.in(2), ctx.out(0), scratch);
}

// ---- optimized: positions x patch times the OHWI weights ([out_c][patch], used in place)
// through the integer GEMM. A 1-D convolution reads its interior patches straight from the
// input; edge patches are gathered into per-thread scratch with the input zero point where the
// window overhangs (the value that contributes nothing). Bit-identical to the reference. ----

constexpr int kRowBlock = 32;  // output positions per task

template <class Args, class Fn>
struct ConvGemmState : OpState {
  kernels::ConvParams p;
  kernels::Requantization rq;
  Args args;
  std::vector<std::remove_const_t<std::remove_pointer_t<decltype(Args{}.bias)>>> bias;
  std::vector<std::int32_t> sums;
  kernels::ExpandedMultipliers expanded;
  std::vector<float> f_scales;      // int8: float requantization scales, padded to whole panels
  std::vector<std::int8_t> packed;  // packed-panel variants only
  std::vector<std::int16_t> packed16;
  Fn fn = nullptr;
  int patch = 0;
  bool one_d = false;
};
using ConvS8State = ConvGemmState<kernels::QGemmS8Args, kernels::QGemmS8Fn>;
using ConvS16State = ConvGemmState<kernels::QGemmS16Args, kernels::QGemmS16Fn>;

template <class State, class Bias, class In>
std::unique_ptr<OpState> prepare_conv_gemm(const PrepareContext& ctx, decltype(State{}.fn) fn, bool pack = false) {
  auto s = std::make_unique<State>();
  s->p = conv_params_of(ctx);
  const auto& p = s->p;
  s->rq = conv_requantization(ctx, p.out_c, ctx.op.attr<model::Conv2DAttrs>().activation);
  s->fn = fn;
  s->patch = p.k_h * p.k_w * p.in_c;
  s->one_d = p.in_h == 1 && p.k_h == 1 && p.out_h == 1 && p.dilation_w == 1;
  const std::int8_t* w = ctx.inputs[1]->data.template as<std::int8_t>();
  const model::Tensor* b = ctx.inputs.size() > 2 ? ctx.inputs[2] : nullptr;
  kernels::fold_input_offset(w, p.out_c, s->patch, b ? b->data.template as<Bias>() : static_cast<const Bias*>(nullptr),
                             s->rq.input_offset, s->bias, s->sums);
  auto& g = s->args;
  g.n = p.out_c;
  g.k = s->patch;
  g.b = w;
  g.bias = s->bias.data();
  g.b_sums = s->sums.data();
  g.mult = s->rq.multipliers.data();
  g.mult_count = int(s->rq.multipliers.size());
  s->expanded = kernels::ExpandedMultipliers(s->rq.multipliers, g.n);
  s->expanded.attach(g);
  if constexpr (sizeof(In) == 1) {
    // int8: XNNPACK's float32 requantization (as the reference), scales padded to whole panels
    s->rq.float_scales = float_requantization_scales(ctx, p.out_c);
    s->f_scales = kernels::padded_float_scales(s->rq.float_scales, g.n);
    g.f_scale = s->f_scales.data();
  }
  g.out_offset = s->rq.output_offset;
  g.act_min = s->rq.act_min;
  g.act_max = s->rq.act_max;
  g.ldc = p.out_c;
  if (pack && sizeof(In) == 1) {
    s->packed = kernels::pack_panels_s8(w, p.out_c, s->patch);
    g.b_packed = s->packed.data();
  }
  if constexpr (sizeof(In) == 2) {
    if (pack) {
      s->packed16 = kernels::pack_panels_s16(w, p.out_c, s->patch);
      g.b_packed16 = s->packed16.data();
    }
  }
  s->scratch_per_thread = std::size_t(kRowBlock) * std::size_t(s->patch) * sizeof(In);
  s->prepared_bytes = s->bias.size() * sizeof(s->bias[0]) + s->sums.size() * 4 + s->packed.size() + s->packed16.size() * 2;
  return s;
}

// Patch of output position (n, oy, ox) into dst; overhanging elements get `pad`.
template <class In>
void gather_patch_int(const kernels::ConvParams& p, const In* in, int n, int oy, int ox, In pad, In* dst) {
  for (int ky = 0; ky < p.k_h; ++ky) {
    const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
    for (int kx = 0; kx < p.k_w; ++kx, dst += p.in_c) {
      const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
      if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) std::fill(dst, dst + p.in_c, pad);
      else std::memcpy(dst, in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c, sizeof(In) * std::size_t(p.in_c));
    }
  }
}

template <class State, class In, class Out>
void eval_conv_gemm(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<State>(state);
  const auto& p = s.p;
  const In* in = static_cast<const In*>(ctx.inputs[0]);
  Out* out = static_cast<Out*>(ctx.outputs[0]);
  const In pad = static_cast<In>(-s.rq.input_offset);  // the input zero point
  const int rows_per_image = p.out_h * p.out_w;
  const int blocks_per_image = (rows_per_image + kRowBlock - 1) / kRowBlock;
  ctx.pool.run(p.batch * blocks_per_image, [&](int task, int thread) {
    const int n = task / blocks_per_image;
    const int r0 = (task % blocks_per_image) * kRowBlock;
    const int r1 = std::min(r0 + kRowBlock, rows_per_image);
    auto g = s.args;
    In* scratch = ctx.thread_scratch<In>(s, thread);
    auto run_gathered = [&](int a, int b) {
      if (a >= b) return;
      for (int r = a; r < b; ++r)
        gather_patch_int(p, in, n, r / p.out_w, r % p.out_w, pad, scratch + std::size_t(r - a) * s.patch);
      g.m = b - a;
      g.a = scratch;
      g.a_row = s.patch;
      g.c = out + (std::size_t(n) * rows_per_image + a) * p.out_c;
      s.fn(g, 0, p.out_c);
    };
    if (!s.one_d) {
      run_gathered(r0, r1);
      return;
    }
    const auto [lo, hi] = conv1d_interior_rows(p, r0, r1);
    run_gathered(r0, lo);
    if (lo < hi) {
      g.m = hi - lo;
      g.a = in + (std::size_t(n) * p.in_w + std::size_t(lo * p.stride_w - p.pad_left)) * p.in_c;
      g.a_row = std::ptrdiff_t(p.stride_w) * p.in_c;
      g.c = out + (std::size_t(n) * rows_per_image + lo) * p.out_c;
      s.fn(g, 0, p.out_c);
    }
    run_gathered(hi, r1);
  });
}

template <kernels::QGemmS8Fn (*Get)()>
std::unique_ptr<OpState> prepare_conv_s8(const PrepareContext& ctx) {
  return prepare_conv_gemm<ConvS8State, std::int32_t, std::int8_t>(ctx, Get());
}
template <kernels::QGemmS8Fn (*Get)()>
std::unique_ptr<OpState> prepare_conv_s8_packed(const PrepareContext& ctx) {
  return prepare_conv_gemm<ConvS8State, std::int32_t, std::int8_t>(ctx, Get(), true);
}
template <kernels::QGemmS16Fn (*Get)()>
std::unique_ptr<OpState> prepare_conv_s16(const PrepareContext& ctx) {
  return prepare_conv_gemm<ConvS16State, std::int64_t, std::int16_t>(ctx, Get());
}
template <kernels::QGemmS16Fn (*Get)()>
std::unique_ptr<OpState> prepare_conv_s16_packed(const PrepareContext& ctx) {
  return prepare_conv_gemm<ConvS16State, std::int64_t, std::int16_t>(ctx, Get(), true);
}

// ---- AVX-512 VNNI int8: 1-D convolutions through the direct row kernel (kernels/int8_conv.h),
// tasks = images x blocks of output positions x 64-output column groups (so two threads share
// even the short, wide last layers); any other convolution through the packed-panel GEMM. ----

// The direct 1-D kernel's geometry and output clamp, the same in its int8 and int16x8 forms.
template <class Conv1d>
void set_conv1d_shape(Conv1d& c, const kernels::ConvParams& p, const kernels::Requantization& rq) {
  c.in_w = p.in_w;
  c.in_c = p.in_c;
  c.out_w = p.out_w;
  c.out_c = p.out_c;
  c.k_w = p.k_w;
  c.stride = p.stride_w;
  c.pad_left = p.pad_left;
  c.pad = static_cast<decltype(c.pad)>(-rq.input_offset);
  c.out_offset = rq.output_offset;
  c.act_min = rq.act_min;
  c.act_max = rq.act_max;
}

struct ConvS8VnniState : ConvS8State {
  kernels::Conv1dS8 c1;
  kernels::Conv1dS8Fn conv1d = nullptr;
  std::vector<std::int32_t> unsigned_bias;  // folded bias - 128 * sum(w), padded to 16
};

constexpr int kConv1dColumns = 64;  // outputs per task (the kernel's widest tile)

// The direct 1-D kernels' tasks per image: equal row blocks of at most kConv1dRowBlock positions
// x 64-output columns, as many as a multiple of the thread count (two threads: 300 positions as
// 8 blocks of 38, not 6 of 48 and one of 12).
struct Conv1dTasks {
  int blocks = 1, block_rows = 1, columns = 1;
  Conv1dTasks(const kernels::ConvParams& p, int threads) {
    // under 256 K multiply-adds (about a microsecond) a thread hand-off costs more than it saves
    if (double(p.out_w) * p.out_c * p.k_w * p.in_c < 256 * 1024) threads = 1;
    columns = (p.out_c + kConv1dColumns - 1) / kConv1dColumns;
    blocks = (p.out_w + kernels::kConv1dRowBlock - 1) / kernels::kConv1dRowBlock;
    while (threads > 1 && blocks < p.out_w && (blocks * columns) % threads != 0) ++blocks;
    block_rows = (p.out_w + blocks - 1) / blocks;
    blocks = (p.out_w + block_rows - 1) / block_rows;
  }
  int per_image() const { return blocks * columns; }
  // rows [r0, r1) x outputs [j0, j1) of task t (within its image)
  void range(const kernels::ConvParams& p, int t, int& r0, int& r1, int& j0, int& j1) const {
    r0 = t / columns * block_rows;
    r1 = std::min(p.out_w, r0 + block_rows);
    j0 = t % columns * kConv1dColumns;
    j1 = std::min(p.out_c, j0 + kConv1dColumns);
  }
};

std::unique_ptr<OpState> prepare_conv_s8_vnni(const PrepareContext& ctx) {
  auto base = prepare_conv_gemm<ConvS8VnniState, std::int32_t, std::int8_t>(ctx, kernels::qgemm_s8_packed_avx512vnni(), true);
  auto& s = static_cast<ConvS8VnniState&>(*base);
  const auto& p = s.p;
  s.conv1d = s.one_d && s.patch <= kernels::kConv1dMaxDepth ? kernels::conv1d_s8_avx512vnni() : nullptr;
  if (!s.conv1d) return base;
  const int padded = (p.out_c + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8;
  s.unsigned_bias.assign(std::size_t(padded), 0);
  for (int j = 0; j < p.out_c; ++j)  // wrapping int32 arithmetic, as the fold
    s.unsigned_bias[std::size_t(j)] = std::int32_t(std::uint32_t(s.bias[std::size_t(j)]) - 128u * std::uint32_t(s.sums[std::size_t(j)]));
  auto& c = s.c1;
  set_conv1d_shape(c, p, s.rq);
  c.packed = s.packed.data();
  c.bias = s.unsigned_bias.data();
  c.scale = s.f_scales.data();
  s.scratch_per_thread = kernels::conv1d_s8_scratch_bytes(c, kernels::kConv1dRowBlock);
  s.prepared_bytes += s.unsigned_bias.size() * 4;
  return base;
}

// Every image's row blocks x output columns (Conv1dTasks) through the direct kernel s.conv1d.
template <class T, class State>
void run_conv1d(const State& s, const EvalContext& ctx) {
  const auto& p = s.p;
  const auto* in = static_cast<const T*>(ctx.inputs[0]);
  auto* out = static_cast<T*>(ctx.outputs[0]);
  const Conv1dTasks tasks(p, ctx.pool.size());
  ctx.pool.run(p.batch * tasks.per_image(), [&](int task, int thread) {
    const int n = task / tasks.per_image();
    int r0, r1, j0, j1;
    tasks.range(p, task % tasks.per_image(), r0, r1, j0, j1);
    s.conv1d(s.c1, in + std::size_t(n) * p.in_w * p.in_c, out + std::size_t(n) * p.out_w * p.out_c, r0, r1, j0, j1,
             ctx.thread_scratch<std::uint8_t>(s, thread));
  });
}

void eval_conv_s8_vnni(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvS8VnniState>(state);
  if (!s.conv1d) return eval_conv_gemm<ConvS8VnniState, std::int8_t, std::int8_t>(state, ctx);
  run_conv1d<std::int8_t>(s, ctx);
}

// ---- int16x8 with AVX-512 VNNI: 1-D convolutions through the direct kernel's vpdpwssd form (same
// tasks as the int8 one); other convolutions, or CPUs without VNNI, the packed-panel GEMM. ----

struct ConvS16VnniState : ConvS16State {
  kernels::Conv1dS16 c1;
  kernels::Conv1dS16Fn conv1d = nullptr;
  std::vector<std::int64_t> padded_bias;  // the folded bias, padded to 16
  std::vector<std::int32_t> bias32;       // the same as int32, where the accumulators fit int32
};

std::unique_ptr<OpState> prepare_conv_s16_avx512(const PrepareContext& ctx) {
  auto base = prepare_conv_gemm<ConvS16VnniState, std::int64_t, std::int16_t>(ctx, kernels::qgemm_s16_packed_avx512(), true);
  auto& s = static_cast<ConvS16VnniState&>(*base);
  const auto& p = s.p;
  s.conv1d = s.one_d ? kernels::conv1d_s16_avx512vnni() : nullptr;
  if (!s.conv1d) return base;
  s.padded_bias = s.bias;
  s.padded_bias.resize(std::size_t((p.out_c + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8), 0);
  auto& c = s.c1;
  set_conv1d_shape(c, p, s.rq);
  c.packed = s.packed16.data();
  c.bias = s.padded_bias.data();
  if (kernels::conv1d_s16_fits_int32(ctx.inputs[1]->data.as<std::int8_t>(), p.out_c, s.patch, s.bias.data())) {
    s.bias32.assign(s.padded_bias.begin(), s.padded_bias.end());
    c.bias32 = s.bias32.data();
  }
  c.q_mult = s.expanded.mult.data();
  c.q_left = s.expanded.left.data();
  c.q_right = s.expanded.right.data();
  s.scratch_per_thread = kernels::conv1d_s16_scratch_bytes(c, kernels::kConv1dRowBlock);
  s.prepared_bytes += s.padded_bias.size() * 8 + s.bias32.size() * 4;
  return base;
}

void eval_conv_s16_avx512(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvS16VnniState>(state);
  if (!s.conv1d) return eval_conv_gemm<ConvS16VnniState, std::int16_t, std::int16_t>(state, ctx);
  run_conv1d<std::int16_t>(s, ctx);
}

// ---- optimized hybrid: each image quantized as the reference does (into shared scratch), then
// the packed-panel integer GEMM with the float epilogue of kernels::HybridS8Args. Overhanging
// window elements are gathered as the image's offset, which contributes nothing, exactly as the
// reference skips them. ----

struct ConvHybridOptState : OpState {
  kernels::ConvParams p;
  std::vector<float> weight_scales;  // as in the file (1 or out_c)
  std::vector<float> scales;         // expanded, padded to whole panels
  std::vector<std::int32_t> sums;
  std::vector<std::int8_t> packed;
  kernels::HybridS8Args args;
  kernels::HybridS8Fn fn = nullptr;
  int patch = 0;
  bool one_d = false;
  std::size_t image = 0;
  kernels::Conv1dHybridFn conv1d = nullptr;  // the direct 1-D kernel, where it applies
  kernels::Conv1dHybrid c1;
  kernels::RowQuantizers quantizers;  // vectorized image quantization, or nullptrs (reference)
};

std::unique_ptr<OpState> prepare_conv_hybrid_opt(const PrepareContext& ctx, kernels::HybridS8Fn fn, bool pack,
                                                 kernels::Conv1dHybridFn conv1d = nullptr,
                                                 kernels::RowQuantizers quantizers = {}) {
  auto s = std::make_unique<ConvHybridOptState>();
  s->quantizers = quantizers;
  s->p = conv_params_of(ctx);
  const auto& p = s->p;
  s->weight_scales = weight_scales(ctx, p.out_c);
  s->fn = fn;
  s->patch = p.k_h * p.k_w * p.in_c;
  s->one_d = p.in_h == 1 && p.k_h == 1 && p.out_h == 1 && p.dilation_w == 1;
  s->image = std::size_t(p.in_h) * p.in_w * p.in_c;
  const std::int8_t* w = ctx.inputs[1]->data.as<std::int8_t>();
  std::vector<std::int32_t> unused;
  kernels::fold_input_offset<std::int32_t, std::int32_t>(w, p.out_c, s->patch, nullptr, 0, unused, s->sums);
  const int padded = (p.out_c + kernels::kPanelS8 - 1) / kernels::kPanelS8 * kernels::kPanelS8;
  for (int j = 0; j < padded; ++j)
    s->scales.push_back(s->weight_scales[s->weight_scales.size() == 1 ? 0 : std::size_t(std::min(j, p.out_c - 1))]);
  s->sums.resize(std::size_t(padded), 0);
  if (pack) s->packed = kernels::pack_panels_s8(w, p.out_c, s->patch);
  auto& g = s->args;
  g.n = p.out_c;
  g.k = s->patch;
  g.b = w;
  g.b_packed = s->packed.empty() ? nullptr : s->packed.data();
  g.b_sums = s->sums.data();
  g.w_scales = s->scales.data();
  g.scale_first = s->weight_scales.size() == 1;  // per tensor: (image scale * weight scale) first
  const kernels::Clamp cl = kernels::clamp_of(p.act);
  g.lo = cl.lo;
  g.hi = cl.hi;
  g.ldc = p.out_c;
  s->scratch_shared = kernels::hybrid_scratch_bytes(std::size_t(p.batch), s->image);
  s->scratch_per_thread = std::size_t(kRowBlock) * std::size_t(s->patch);
  s->prepared_bytes = s->packed.size() + s->sums.size() * 4 + s->scales.size() * 4;
  if (conv1d && s->one_d && pack && s->patch <= kernels::kConv1dMaxDepth) {
    s->conv1d = conv1d;
    auto& h = s->c1;
    h.rows.in_w = p.in_w;
    h.rows.in_c = p.in_c;
    h.rows.out_w = p.out_w;
    h.rows.out_c = p.out_c;
    h.rows.k_w = p.k_w;
    h.rows.stride = p.stride_w;
    h.rows.pad_left = p.pad_left;
    h.rows.packed = s->packed.data();
    h.sums = s->sums.data();
    h.w_scales = s->scales.data();
    h.scale_first = g.scale_first;
    h.lo = g.lo;
    h.hi = g.hi;
    s->scratch_per_thread = kernels::conv1d_s8_scratch_bytes(h.rows, kernels::kConv1dRowBlock);
  }
  return s;
}

void eval_conv_hybrid_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvHybridOptState>(state);
  const auto& p = s.p;
  const auto scratch = kernels::hybrid_scratch(ctx.scratch_shared, std::size_t(p.batch), s.image);
  const bool per_channel = s.weight_scales.size() > 1;
  for (int n = 0; n < p.batch; ++n) {  // the reference's per-image quantization
    std::int8_t* q = scratch.quantized + std::size_t(n) * s.image;
    const float* x = ctx.in(0) + std::size_t(n) * s.image;
    scratch.offsets[n] = 0;
    // per tensor: the bare symmetric scale; the epilogue's scale_first computes
    // float(acc) * (scale * w_scale), the reference's float(acc) * image scale exactly
    // (the scalar quantizers cost more than the 1-D conv itself on these images: use the
    // bit-identical AVX-512 forms where prepared)
    if (per_channel)
      scratch.scales[n] = s.quantizers.asymmetric ? s.quantizers.asymmetric(x, s.image, q, scratch.offsets[n])
                                                  : kernels::asymmetric_quantize_floats(x, s.image, q, scratch.offsets[n]);
    else
      scratch.scales[n] = s.quantizers.symmetric ? s.quantizers.symmetric(x, s.image, q)
                                                 : kernels::symmetric_quantize_floats(x, s.image, q);
  }
  float* out = ctx.out(0);
  if (s.conv1d) {
    const Conv1dTasks tasks(p, ctx.pool.size());
    ctx.pool.run(p.batch * tasks.per_image(), [&](int task, int thread) {
      const int n = task / tasks.per_image();
      int r0, r1, j0, j1;
      tasks.range(p, task % tasks.per_image(), r0, r1, j0, j1);
      kernels::Conv1dHybrid h = s.c1;
      h.input_offset = scratch.offsets[n];
      h.input_scale = scratch.scales[n];
      h.bias = ctx.in(2);
      h.rows.pad = static_cast<std::int8_t>(scratch.offsets[n]);
      s.conv1d(h, scratch.quantized + std::size_t(n) * s.image, out + std::size_t(n) * p.out_w * p.out_c, r0, r1, j0,
               j1, ctx.thread_scratch<std::uint8_t>(s, thread));
    });
    return;
  }
  const int rows_per_image = p.out_h * p.out_w;
  const int blocks_per_image = (rows_per_image + kRowBlock - 1) / kRowBlock;
  ctx.pool.run(p.batch * blocks_per_image, [&](int task, int thread) {
    const int n = task / blocks_per_image;
    const int r0 = (task % blocks_per_image) * kRowBlock;
    const int r1 = std::min(r0 + kRowBlock, rows_per_image);
    const std::int8_t* in = scratch.quantized;
    auto g = s.args;
    g.input_offset = scratch.offsets[n];
    g.input_scale = scratch.scales[n];
    g.bias = ctx.in(2);
    const auto pad = static_cast<std::int8_t>(scratch.offsets[n]);
    std::int8_t* tmp = ctx.thread_scratch<std::int8_t>(s, thread);
    auto run_gathered = [&](int a, int b) {
      if (a >= b) return;
      for (int r = a; r < b; ++r)
        gather_patch_int(p, in, n, r / p.out_w, r % p.out_w, pad, tmp + std::size_t(r - a) * s.patch);
      g.m = b - a;
      g.a = tmp;
      g.a_row = s.patch;
      g.c = out + (std::size_t(n) * rows_per_image + a) * p.out_c;
      s.fn(g, 0, p.out_c);
    };
    if (!s.one_d) {
      run_gathered(r0, r1);
      return;
    }
    const auto [lo, hi] = conv1d_interior_rows(p, r0, r1);
    run_gathered(r0, lo);
    if (lo < hi) {
      g.m = hi - lo;
      g.a = in + (std::size_t(n) * p.in_w + std::size_t(lo * p.stride_w - p.pad_left)) * p.in_c;
      g.a_row = std::ptrdiff_t(p.stride_w) * p.in_c;
      g.c = out + (std::size_t(n) * rows_per_image + lo) * p.out_c;
      s.fn(g, 0, p.out_c);
    }
    run_gathered(hi, r1);
  });
}

template <kernels::HybridS8Fn (*Get)(), bool kPack, bool kDirect = false>
std::unique_ptr<OpState> prepare_conv_hybrid_variant(const PrepareContext& ctx) {
  return prepare_conv_hybrid_opt(ctx, Get(), kPack, kDirect ? kernels::conv1d_hybrid_avx512vnni() : nullptr,
                                 kDirect ? kernels::row_quantizers_avx512() : kernels::RowQuantizers{});
}

constexpr auto C = model::OpKind::conv2d;
constexpr CpuFeatures vnni = cpu_avx512f | cpu_avx512vnni;
constexpr CpuFeatures dotprod = cpu_neon | cpu_dotprod;  // AArch64 SDOT

const KernelEntry entries[] = {
    {"conv2d_s8_ref", C, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, bias_i32, prepare_conv_int,
     eval_conv_s8_ref},
    {"conv2d_s16s8_ref", C, ET::i16, ET::i8, ET::i16, 0, cpu_none, MicroSet::none, bias_i64, prepare_conv_int,
     eval_conv_s16s8_ref},
    {"conv2d_f32s8_hybrid_ref", C, ET::f32, ET::i8, ET::f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_conv_hybrid, eval_conv_hybrid_ref},
    {"conv2d_f32s8_hybrid_opt", C, ET::f32, ET::i8, ET::f32, 1, cpu_none, MicroSet::none,
     hybrid_applies<portable_hybrid>, prepare_conv_hybrid_variant<portable_hybrid, false>, eval_conv_hybrid_opt},
    {"conv2d_f32s8_hybrid_avx2", C, ET::f32, ET::i8, ET::f32, 2, cpu_avx2, MicroSet::none,
     hybrid_applies_avx2<kernels::hybrid_s8_packed_avx2>, prepare_conv_hybrid_variant<kernels::hybrid_s8_packed_avx2, true>,
     eval_conv_hybrid_opt},
    {"conv2d_f32s8_hybrid_avx512vnni", C, ET::f32, ET::i8, ET::f32, 3, vnni, MicroSet::none,
     hybrid_applies<kernels::hybrid_s8_packed_avx512vnni>,
     prepare_conv_hybrid_variant<kernels::hybrid_s8_packed_avx512vnni, true, true>,
     eval_conv_hybrid_opt},
    {"conv2d_f32s8_hybrid_neon_dotprod", C, ET::f32, ET::i8, ET::f32, 2, dotprod, MicroSet::none,
     hybrid_applies<kernels::hybrid_s8_packed_neon_dotprod>,
     prepare_conv_hybrid_variant<kernels::hybrid_s8_packed_neon_dotprod, true>, eval_conv_hybrid_opt},
    {"conv2d_s8_opt", C, ET::i8, ET::i8, ET::i8, 1, cpu_none, MicroSet::none, gemm_applies_i32<portable_s8>,
     prepare_conv_s8<portable_s8>, eval_conv_gemm<ConvS8State, std::int8_t, std::int8_t>},
    {"conv2d_s8_avx2", C, ET::i8, ET::i8, ET::i8, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i32_avx2<kernels::qgemm_s8_packed_avx2>, prepare_conv_s8_packed<kernels::qgemm_s8_packed_avx2>,
     eval_conv_gemm<ConvS8State, std::int8_t, std::int8_t>},
    {"conv2d_s8_avx512vnni", C, ET::i8, ET::i8, ET::i8, 3, vnni, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_packed_avx512vnni>, prepare_conv_s8_vnni, eval_conv_s8_vnni},
    {"conv2d_s8_neon_dotprod", C, ET::i8, ET::i8, ET::i8, 2, dotprod, MicroSet::none,
     gemm_applies_i32<kernels::qgemm_s8_packed_neon_dotprod>,
     prepare_conv_s8_packed<kernels::qgemm_s8_packed_neon_dotprod>, eval_conv_gemm<ConvS8State, std::int8_t, std::int8_t>},
    {"conv2d_s16s8_opt", C, ET::i16, ET::i8, ET::i16, 1, cpu_none, MicroSet::none, gemm_applies_i64<portable_s16>,
     prepare_conv_s16<portable_s16>, eval_conv_gemm<ConvS16State, std::int16_t, std::int16_t>},
    {"conv2d_s16s8_avx2", C, ET::i16, ET::i8, ET::i16, 2, cpu_avx2, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_packed_avx2>, prepare_conv_s16_packed<kernels::qgemm_s16_packed_avx2>,
     eval_conv_gemm<ConvS16State, std::int16_t, std::int16_t>},
    {"conv2d_s16s8_avx512", C, ET::i16, ET::i8, ET::i16, 3, cpu_avx512f, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_packed_avx512>, prepare_conv_s16_avx512, eval_conv_s16_avx512},
    {"conv2d_s16s8_neon", C, ET::i16, ET::i8, ET::i16, 2, cpu_neon, MicroSet::none,
     gemm_applies_i64<kernels::qgemm_s16_neon>, prepare_conv_s16<kernels::qgemm_s16_neon>,
     eval_conv_gemm<ConvS16State, std::int16_t, std::int16_t>},
};

}  // namespace

std::span<const KernelEntry> conv_int_kernels() { return entries; }

}  // namespace nilm::runtime
