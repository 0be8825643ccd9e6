// CONV_2D and DEPTHWISE_CONV_2D. The optimized conv is a GEMM: output positions x patch
// (kh * kw * in_c) times the weights packed once at load time into column panels. A 1-D
// convolution (H = 1) reads its interior patches straight from the input (they are contiguous
// in NHWC); only positions whose window hangs over the padding are gathered into scratch.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using kernels::ConvParams;


using ConvState = ParamsState<ConvParams>;

std::unique_ptr<OpState> prepare_conv_ref(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Conv2DAttrs>();
  auto s = std::make_unique<ConvState>();
  s->p = conv_params(ctx, a.padding, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.activation, false);
  s->post = a.activation;
  return s;
}

void eval_conv_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvState>(state);
  kernels::conv2d_f32_ref(s.p, ctx.in(0), ctx.in(1), ctx.in(2), ctx.out(0));
  const auto& p = s.p;
  apply_post(s.post, ctx.out(0), std::size_t(p.batch) * p.out_h * p.out_w * p.out_c, ctx, nullptr);
}

// ---- optimized: packed-panel GEMM ----

constexpr int kRowBlock = 24;  // output positions per task (a multiple of the 6- and 4-row tiles)

struct ConvGemmState : ConvState {
  kernels::AlignedFloats packed;  // weights as [patch x out_c] panels
  int patch = 0;              // kh * kw * in_c
  int row_blocks = 0;
  bool one_d = false;         // H = 1, dilation 1: interior patches are contiguous
};

std::unique_ptr<OpState> prepare_conv_gemm(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Conv2DAttrs>();
  auto s = std::make_unique<ConvGemmState>();
  s->p = conv_params(ctx, a.padding, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.activation, false);
  s->post = a.activation;
  s->micro = ctx.micro;
  const auto& p = s->p;
  s->patch = p.k_h * p.k_w * p.in_c;
  // OHWI weights are [out_c x patch] row-major: element (k, n) at n * patch + k.
  s->packed.resize(kernels::packed_panels_size(s->patch, p.out_c));
  kernels::pack_panels(ctx.inputs[1]->data.as<float>(), s->patch, p.out_c, s->patch, 1, s->packed.data());
  s->prepared_bytes = s->packed.size() * sizeof(float);
  s->one_d = p.in_h == 1 && p.k_h == 1 && p.out_h == 1 && p.dilation_w == 1;
  const int rows_per_image = p.out_h * p.out_w;
  s->row_blocks = p.batch * ((rows_per_image + kRowBlock - 1) / kRowBlock);
  s->scratch_per_thread = std::size_t(kRowBlock) * s->patch * sizeof(float);
  return s;
}

// Gathers the patch of output position (n, oy, ox) into dst (zeros where it overhangs).
void gather_patch(const ConvParams& p, const float* in, int n, int oy, int ox, float* dst) {
  for (int ky = 0; ky < p.k_h; ++ky) {
    const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
    for (int kx = 0; kx < p.k_w; ++kx, dst += p.in_c) {
      const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
      if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
        std::memset(dst, 0, sizeof(float) * std::size_t(p.in_c));
      } else {
        std::memcpy(dst, in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.in_c,
                    sizeof(float) * std::size_t(p.in_c));
      }
    }
  }
}

void eval_conv_gemm(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvGemmState>(state);
  const auto& p = s.p;
  const float* in = ctx.in(0);
  float* out = ctx.out(0);
  const int rows_per_image = p.out_h * p.out_w;
  const int blocks_per_image = (rows_per_image + kRowBlock - 1) / kRowBlock;
  const int panels = (p.out_c + kernels::kPanel - 1) / kernels::kPanel;
  // Enough tasks to keep every thread busy; the split never changes what an element computes.
  int groups = std::min(panels, std::max(1, (4 * ctx.pool.size() + s.row_blocks - 1) / s.row_blocks));
  const int per_group = (panels + groups - 1) / groups;
  groups = (panels + per_group - 1) / per_group;
  ctx.pool.run(s.row_blocks * groups, [&](int task, int thread) {
    const int block = task / groups, group = task % groups;
    const int n = block / blocks_per_image;
    const int r0 = (block % blocks_per_image) * kRowBlock;
    const int r1 = std::min(r0 + kRowBlock, rows_per_image);
    const int pb = group * per_group, pe = std::min(pb + per_group, panels);
    kernels::GemmArgs g;
    g.n = p.out_c;
    g.k = s.patch;
    g.b_packed = s.packed.data();
    g.bias = ctx.in(2);
    g.clamp = kernels::clamp_of(p.act);
    g.ldc = p.out_c;
    float* scratch = ctx.thread_scratch<float>(s, thread);
    auto run_gathered = [&](int a, int b) {  // rows [a, b) through scratch
      if (a >= b) return;
      for (int r = a; r < b; ++r)
        gather_patch(p, in, n, r / p.out_w, r % p.out_w, scratch + std::size_t(r - a) * s.patch);
      g.m = b - a;
      g.a = scratch;
      g.a_row = s.patch;
      g.c = out + (std::size_t(n) * rows_per_image + a) * p.out_c;
      s.micro->gemm(g, pb, pe);
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
      s.micro->gemm(g, pb, pe);
    }
    run_gathered(hi, r1);
  });
  apply_post(s.post, out, std::size_t(p.batch) * rows_per_image * p.out_c, ctx, s.micro);
}

// ---- depthwise (reference only for now: neither NILM model uses it) ----

std::unique_ptr<OpState> prepare_depthwise_ref(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::DepthwiseConv2DAttrs>();
  auto s = std::make_unique<ConvState>();
  s->p = conv_params(ctx, a.padding, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.activation, true);
  s->post = a.activation;
  return s;
}

void eval_depthwise_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<ConvState>(state);
  kernels::depthwise_conv2d_f32_ref(s.p, ctx.in(0), ctx.in(1), ctx.in(2), ctx.out(0));
  const auto& p = s.p;
  apply_post(s.post, ctx.out(0), std::size_t(p.batch) * p.out_h * p.out_w * p.out_c, ctx, nullptr);
}

bool weights_constant(const PrepareContext& ctx) { return ctx.inputs[1]->is_constant(); }

const KernelEntry entries[] = {
    {"conv2d_f32_ref", model::OpKind::conv2d, f32, f32, f32, 0, cpu_none, MicroSet::none, nullptr,
     prepare_conv_ref, eval_conv_ref},
    {"conv2d_f32_opt", model::OpKind::conv2d, f32, f32, f32, 1, cpu_none, MicroSet::portable,
     weights_constant, prepare_conv_gemm, eval_conv_gemm},
    {"conv2d_f32_avx2", model::OpKind::conv2d, f32, f32, f32, 2, cpu_avx2 | cpu_fma, MicroSet::avx2,
     weights_constant, prepare_conv_gemm, eval_conv_gemm},
    {"conv2d_f32_avx512", model::OpKind::conv2d, f32, f32, f32, 3, cpu_avx2 | cpu_fma | cpu_avx512f,
     MicroSet::avx512, weights_constant, prepare_conv_gemm, eval_conv_gemm},
    {"conv2d_f32_neon", model::OpKind::conv2d, f32, f32, f32, 2, cpu_neon, MicroSet::neon,
     weights_constant, prepare_conv_gemm, eval_conv_gemm},
    {"depthwise_conv2d_f32_ref", model::OpKind::depthwise_conv2d, f32, f32, f32, 0, cpu_none,
     MicroSet::none, nullptr, prepare_depthwise_ref, eval_depthwise_ref},
};

}  // namespace

std::span<const KernelEntry> conv_kernels() { return entries; }

}  // namespace nilm::runtime
