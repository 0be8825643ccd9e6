// MAX_POOL_2D and AVERAGE_POOL_2D on int8 / int16: the output keeps the input's scale and zero
// point (TFLite requires it), so the kernels work on the integers directly.
#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime/op_util_int.h"

namespace nilm::runtime {
namespace {

using ET = model::ElementType;

struct PoolIntState : OpState {
  kernels::PoolParams p;
  std::int32_t act_min = 0, act_max = 0;
};

std::unique_ptr<OpState> prepare_pool_int(const PrepareContext& ctx) {
  auto s = std::make_unique<PoolIntState>();
  s->p = pool_params_of(ctx);
  const model::Tensor& x = *ctx.inputs[0];
  const model::Tensor& y = *ctx.outputs[0];
  const float scale = tensor_scale(ctx, y, "output");
  const std::int32_t zero = tensor_zero_point(ctx, y, "output");
  if (tensor_scale(ctx, x, "input") != scale || tensor_zero_point(ctx, x, "input") != zero)
    fail_op(ctx, "output '" + y.name + "' must keep the input's scale and zero point");
  kernels::activation_range(s->p.act, scale, zero, type_min(y.type), type_max(y.type), s->act_min, s->act_max);
  return s;
}

template <class T, bool kMax>
void eval_pool_int_ref(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolIntState>(state);
  const T* in = static_cast<const T*>(ctx.inputs[0]);
  T* out = static_cast<T*>(ctx.outputs[0]);
  if constexpr (kMax) kernels::max_pool_int_ref(s.p, s.act_min, s.act_max, in, out);
  else kernels::average_pool_int_ref(s.p, s.act_min, s.act_max, in, out);
}

// Optimized: output positions across threads, the channel loop innermost (contiguous in NHWC,
// so it vectorizes); the same integer arithmetic as the reference.
std::unique_ptr<OpState> prepare_pool_int_opt(const PrepareContext& ctx) {
  auto s = prepare_pool_int(ctx);
  s->scratch_per_thread = std::size_t(static_cast<PoolIntState&>(*s).p.channels) * sizeof(std::int32_t);
  return s;
}

// Max pooling in the element type itself, compare-and-select on T (it vectorizes at T's width;
// widening to int32 first did not and made the int8 pool 5x slower than the float one). Output
// positions [begin, end) walked in order (no division per position), the window clipped once
// per position (no bounds test per element), restrict pointers (no aliasing checks in the
// channel loops), and the clamp only when the activation narrows the type's range.
template <class T>
void max_pool_positions(const kernels::PoolParams& p, T lo, T hi, const T* in, T* out, int begin, int end) {
  const bool clamp = lo > std::numeric_limits<T>::lowest() || hi < std::numeric_limits<T>::max();
  const std::size_t c = std::size_t(p.channels);
  int ox = begin % p.out_w, oy = begin / p.out_w % p.out_h, n = begin / (p.out_w * p.out_h);
  for (int pos = begin; pos < end; ++pos) {
    T* __restrict y = out + std::size_t(pos) * c;
    if (const int x0 = ox * p.stride_w - p.pad_left; max_pool_window_inside_1d(p, x0)) {
      max_of_vectors(in + (std::size_t(n) * p.in_w + x0) * c, p.k_w, c, y);
      if (clamp)
        for (std::size_t q = 0; q < c; ++q) y[q] = y[q] < lo ? lo : (y[q] > hi ? hi : y[q]);
      if (++ox == p.out_w) ox = 0, ++n;
      continue;
    }
    const int iy0 = std::max(0, oy * p.stride_h - p.pad_top), iy1 = std::min(p.in_h, oy * p.stride_h - p.pad_top + p.k_h);
    const int ix0 = std::max(0, ox * p.stride_w - p.pad_left), ix1 = std::min(p.in_w, ox * p.stride_w - p.pad_left + p.k_w);
    if (iy0 >= iy1 || ix0 >= ix1) {
      std::fill(y, y + c, std::numeric_limits<T>::lowest());
    } else {
      const T* image = in + std::size_t(n) * p.in_h * p.in_w * c;
      std::memcpy(y, image + (std::size_t(iy0) * p.in_w + ix0) * c, c * sizeof(T));
      for (int iy = iy0; iy < iy1; ++iy)
        for (int ix = iy == iy0 ? ix0 + 1 : ix0; ix < ix1; ++ix) {
          const T* __restrict x = image + (std::size_t(iy) * p.in_w + ix) * c;
          for (std::size_t q = 0; q < c; ++q) y[q] = x[q] > y[q] ? x[q] : y[q];
        }
    }
    if (clamp)
      for (std::size_t q = 0; q < c; ++q) y[q] = y[q] < lo ? lo : (y[q] > hi ? hi : y[q]);
    if (++ox == p.out_w) {
      ox = 0;
      if (++oy == p.out_h) oy = 0, ++n;
    }
  }
}

template <class T, bool kMax>
void eval_pool_int_opt(const OpState& state, const EvalContext& ctx) {
  const auto& s = state_as<PoolIntState>(state);
  const auto& p = s.p;
  const T* in = static_cast<const T*>(ctx.inputs[0]);
  T* out = static_cast<T*>(ctx.outputs[0]);
  const int positions = p.batch * p.out_h * p.out_w;
  // a pool reading under 64 KB takes about a microsecond: one task, no thread hand-off
  const std::size_t bytes = std::size_t(p.batch) * p.in_h * p.in_w * p.channels * sizeof(T);
  const int chunk = kMax && bytes < (std::size_t{64} << 10) ? positions : chunk_size(positions, 4 * ctx.pool.size(), 8);
  ctx.pool.run((positions + chunk - 1) / chunk, [&](int task, int thread) {
    std::int32_t* acc = ctx.thread_scratch<std::int32_t>(s, thread);
    const int e = std::min(positions, (task + 1) * chunk);
    if constexpr (kMax) {
      max_pool_positions(p, T(s.act_min), T(s.act_max), in, out, task * chunk, e);
      return;
    }
    for (int pos = task * chunk; pos < e; ++pos) {
      const int n = pos / (p.out_h * p.out_w), oy = pos / p.out_w % p.out_h, ox = pos % p.out_w;
      std::fill(acc, acc + p.channels, 0);
      std::int32_t count = 0;
      for (int ky = 0; ky < p.k_h; ++ky) {
        const int iy = oy * p.stride_h - p.pad_top + ky;
        if (iy < 0 || iy >= p.in_h) continue;
        for (int kx = 0; kx < p.k_w; ++kx) {
          const int ix = ox * p.stride_w - p.pad_left + kx;
          if (ix < 0 || ix >= p.in_w) continue;
          const T* x = in + ((std::size_t(n) * p.in_h + iy) * p.in_w + ix) * p.channels;
          for (int c = 0; c < p.channels; ++c) acc[c] += x[c];
          ++count;
        }
      }
      T* y = out + std::size_t(pos) * p.channels;
      for (int c = 0; c < p.channels; ++c) {
        std::int32_t v = acc[c];
        if (count > 0) v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
        y[c] = static_cast<T>(std::clamp(v, s.act_min, s.act_max));
      }
    }
  });
}

constexpr auto MP = model::OpKind::max_pool2d;
constexpr auto AP = model::OpKind::average_pool2d;

const KernelEntry entries[] = {
    {"max_pool2d_s8_ref", MP, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int8_t, true>},
    {"max_pool2d_s16_ref", MP, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int16_t, true>},
    {"average_pool2d_s8_ref", AP, ET::i8, ET::i8, ET::i8, 0, cpu_none, MicroSet::none, nullptr, prepare_pool_int,
     eval_pool_int_ref<std::int8_t, false>},
    {"average_pool2d_s16_ref", AP, ET::i16, ET::i16, ET::i16, 0, cpu_none, MicroSet::none, nullptr,
     prepare_pool_int, eval_pool_int_ref<std::int16_t, false>},
    {"max_pool2d_s8_opt", MP, ET::i8, ET::i8, ET::i8, 1, cpu_none, MicroSet::none, nullptr, prepare_pool_int_opt,
     eval_pool_int_opt<std::int8_t, true>},
    {"max_pool2d_s16_opt", MP, ET::i16, ET::i16, ET::i16, 1, cpu_none, MicroSet::none, nullptr, prepare_pool_int_opt,
     eval_pool_int_opt<std::int16_t, true>},
    {"average_pool2d_s8_opt", AP, ET::i8, ET::i8, ET::i8, 1, cpu_none, MicroSet::none, nullptr, prepare_pool_int_opt,
     eval_pool_int_opt<std::int8_t, false>},
    {"average_pool2d_s16_opt", AP, ET::i16, ET::i16, ET::i16, 1, cpu_none, MicroSet::none, nullptr,
     prepare_pool_int_opt, eval_pool_int_opt<std::int16_t, false>},
};

}  // namespace

std::span<const KernelEntry> pool_int_kernels() { return entries; }

}  // namespace nilm::runtime
