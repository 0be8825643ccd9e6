// MAX_POOL_2D and AVERAGE_POOL_2D. The optimized variant splits output positions across
// threads and runs the channel loop innermost (contiguous in NHWC, so it vectorizes).
#include <algorithm>

#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"

namespace nilm::runtime {
namespace {

using kernels::PoolParams;
using PoolState = ParamsState<PoolParams>;

std::unique_ptr<OpState> prepare_pool(const PrepareContext& ctx) {
  const auto& a = ctx.op.attr<model::Pool2DAttrs>();
  auto s = std::make_unique<PoolState>();
  s->p = pool_params_of(ctx);
  s->post = a.activation;
  s->micro = ctx.micro;
  return s;
}

std::size_t out_elements(const PoolParams& p) {
  return std::size_t(p.batch) * p.out_h * p.out_w * p.channels;
}

void eval_max_pool_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolState>(state);
  kernels::max_pool_f32_ref(s.p, ctx.in(0), ctx.out(0));
  apply_post(s.post, ctx.out(0), out_elements(s.p), ctx, nullptr);
}

void eval_average_pool_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolState>(state);
  kernels::average_pool_f32_ref(s.p, ctx.in(0), ctx.out(0));
  apply_post(s.post, ctx.out(0), out_elements(s.p), ctx, nullptr);
}

template <bool kMax>
void eval_pool_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolState>(state);
  const auto& p = s.p;
  const float* in = ctx.in(0);
  float* out = ctx.out(0);
  const int positions = p.batch * p.out_h * p.out_w;
  const int chunk = chunk_size(positions, 4 * ctx.pool.size(), 8);
  const kernels::Clamp cl = kernels::clamp_of(p.act);
  ctx.pool.run((positions + chunk - 1) / chunk, [&](int task, int) {
    const int e = std::min(positions, (task + 1) * chunk);
    // positions walked in order: no division per position
    int ox = task * chunk % p.out_w, oy = task * chunk / p.out_w % p.out_h, n = task * chunk / (p.out_w * p.out_h);
    for (int pos = task * chunk; pos < e; ++pos, ++ox) {
      if (ox == p.out_w) {
        ox = 0;
        if (++oy == p.out_h) oy = 0, ++n;
      }
      float* y = out + std::size_t(pos) * p.channels;
      if (const int x0 = ox * p.stride_w - p.pad_left; kMax && max_pool_window_inside_1d(p, x0)) {
        max_of_vectors(in + (std::size_t(n) * p.in_w + x0) * p.channels, p.k_w, std::size_t(p.channels), y);
        for (int c = 0; c < p.channels; ++c) y[c] = std::min(std::max(y[c], cl.lo), cl.hi);
        continue;
      }
      int count = 0;
      for (int ky = 0; ky < p.k_h; ++ky) {
        const int iy = oy * p.stride_h - p.pad_top + ky;
        if (iy < 0 || iy >= p.in_h) continue;
        for (int kx = 0; kx < p.k_w; ++kx) {
          const int ix = ox * p.stride_w - p.pad_left + kx;
          if (ix < 0 || ix >= p.in_w) continue;
          const float* x = in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.channels;
          if (count == 0) std::copy(x, x + p.channels, y);
          else if (kMax)
            for (int c = 0; c < p.channels; ++c) y[c] = x[c] > y[c] ? x[c] : y[c];
          else
            for (int c = 0; c < p.channels; ++c) y[c] += x[c];
          ++count;
        }
      }
      const float scale = kMax || count == 0 ? 1.f : 1.f / float(count);
      if (count == 0) std::fill(y, y + p.channels, 0.f);
      for (int c = 0; c < p.channels; ++c) y[c] = std::min(std::max(y[c] * scale, cl.lo), cl.hi);
    }
  });
  apply_post(s.post, out, out_elements(p), ctx, s.micro);
}

const KernelEntry entries[] = {
    {"max_pool2d_f32_ref", model::OpKind::max_pool2d, f32, f32, f32, 0, cpu_none, MicroSet::none,
     nullptr, prepare_pool, eval_max_pool_ref},
    {"max_pool2d_f32_opt", model::OpKind::max_pool2d, f32, f32, f32, 1, cpu_none, MicroSet::portable,
     nullptr, prepare_pool, eval_pool_opt<true>},
    {"average_pool2d_f32_ref", model::OpKind::average_pool2d, f32, f32, f32, 0, cpu_none,
     MicroSet::none, nullptr, prepare_pool, eval_average_pool_ref},
    {"average_pool2d_f32_opt", model::OpKind::average_pool2d, f32, f32, f32, 1, cpu_none,
     MicroSet::portable, nullptr, prepare_pool, eval_pool_opt<false>},
};

}  // namespace

std::span<const KernelEntry> pool_kernels() { return entries; }

}  // namespace nilm::runtime
