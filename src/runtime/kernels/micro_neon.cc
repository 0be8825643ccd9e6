// NEON (AArch64 Advanced SIMD) micro-kernels for float32. NEON is part of every AArch64 CPU,
// so this translation unit needs no extra compiler flags; on other targets it only says that
// there is no NEON set (neon_micro_kernels() returns nullptr).
//
// The same shapes as the AVX2 set, sized for AArch64's 32 vector registers of 4 floats: a 6x16
// GEMM tile (24 accumulators), row dot products 4 outputs x 16 floats per step, and exp-based
// unary ops and softmax written with intrinsics (the portable set relies on the compiler's
// auto-vectorizer; here vrndnq/vdivq/vmaxvq do directly what the portable code emulates).
#include "runtime/kernels/micro.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "runtime/kernels/vector_math.h"

namespace nilm::runtime::kernels {
namespace {

// ---- GEMM: MR rows x one 16-column panel, acc = bias, then acc = fma(a(r, k), b(k, :), acc)
// in k order; the same per-element arithmetic whatever MR the row falls in.

template <int MR>
void gemm_tile(const GemmArgs& g, int row, int panel) {
  const int col0 = panel * kPanel;
  const int cols = g.n - col0 < kPanel ? g.n - col0 : kPanel;
  alignas(16) float bias[kPanel] = {};
  if (g.bias) std::memcpy(bias, g.bias + col0, std::size_t(cols) * sizeof(float));
  float32x4_t acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = vld1q_f32(bias + 4 * j);
  const float* bp = g.b_packed + std::size_t(panel) * g.k * kPanel;
  const float* a = g.a + row * g.a_row;
  const std::ptrdiff_t ar = g.a_row, ac = g.a_col;
  for (int kk = 0; kk < g.k; ++kk, bp += kPanel) {
    const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8),
                      b3 = vld1q_f32(bp + 12);
    const float* ak = a + kk * ac;
    // Fully unrolled (MR is a constant): clang keeps all 24 accumulators in registers.
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const float32x4_t av = vld1q_dup_f32(ak + r * ar);
      acc[r][0] = vfmaq_f32(acc[r][0], av, b0);
      acc[r][1] = vfmaq_f32(acc[r][1], av, b1);
      acc[r][2] = vfmaq_f32(acc[r][2], av, b2);
      acc[r][3] = vfmaq_f32(acc[r][3], av, b3);
    }
  }
  const float32x4_t lo = vdupq_n_f32(g.clamp.lo), hi = vdupq_n_f32(g.clamp.hi);
  for (int r = 0; r < MR; ++r) {
    float* c = g.c + (row + r) * g.ldc + col0;
    alignas(16) float tmp[kPanel];
    float* dst = cols == kPanel ? c : tmp;
    for (int j = 0; j < 4; ++j) vst1q_f32(dst + 4 * j, vminq_f32(vmaxq_f32(acc[r][j], lo), hi));
    if (cols != kPanel) std::memcpy(c, tmp, std::size_t(cols) * sizeof(float));
  }
}

void gemm_neon(const GemmArgs& g, int panel_begin, int panel_end) {
  for (int p = panel_begin; p < panel_end; ++p) {
    int i = 0;
    for (; i + 6 <= g.m; i += 6) gemm_tile<6>(g, i, p);
    switch (g.m - i) {
      case 5: gemm_tile<5>(g, i, p); break;
      case 4: gemm_tile<4>(g, i, p); break;
      case 3: gemm_tile<3>(g, i, p); break;
      case 2: gemm_tile<2>(g, i, p); break;
      case 1: gemm_tile<1>(g, i, p); break;
      default: break;
    }
  }
}

// ---- FULLY_CONNECTED row dot products against [out, depth] weights. Each output: 4 vector
// accumulators over the 16-float blocks, summed as (a0 + a1) + (a2 + a3) then across lanes,
// the depth % 16 tail in scalar, bias, clamp. The 4-output block and the single-output
// remainder do exactly this per output, so thread splits never change a result.

inline float finish_dot(const float* x, const float* wr, int full, int depth, float32x4_t a0,
                        float32x4_t a1, float32x4_t a2, float32x4_t a3, const float* bias, int o,
                        Clamp cl) {
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (int d = full; d < depth; ++d) s = __builtin_fmaf(x[d], wr[d], s);
  if (bias) s += bias[o];
  s = s < cl.lo ? cl.lo : s;
  return s > cl.hi ? cl.hi : s;
}

void fc_dot_block4(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                   int o) {
  const float* w0 = w + std::size_t(o) * p.depth;
  const float* w1 = w0 + p.depth;
  const float* w2 = w1 + p.depth;
  const float* w3 = w2 + p.depth;
  const float32x4_t z = vdupq_n_f32(0.f);
  float32x4_t a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
  float32x4_t a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
  const int full = p.depth / 16 * 16;
  for (int d = 0; d < full; d += 16) {
    const float32x4_t x0 = vld1q_f32(x + d), x1 = vld1q_f32(x + d + 4), x2 = vld1q_f32(x + d + 8),
                      x3 = vld1q_f32(x + d + 12);
    a00 = vfmaq_f32(a00, x0, vld1q_f32(w0 + d));
    a01 = vfmaq_f32(a01, x1, vld1q_f32(w0 + d + 4));
    a02 = vfmaq_f32(a02, x2, vld1q_f32(w0 + d + 8));
    a03 = vfmaq_f32(a03, x3, vld1q_f32(w0 + d + 12));
    a10 = vfmaq_f32(a10, x0, vld1q_f32(w1 + d));
    a11 = vfmaq_f32(a11, x1, vld1q_f32(w1 + d + 4));
    a12 = vfmaq_f32(a12, x2, vld1q_f32(w1 + d + 8));
    a13 = vfmaq_f32(a13, x3, vld1q_f32(w1 + d + 12));
    a20 = vfmaq_f32(a20, x0, vld1q_f32(w2 + d));
    a21 = vfmaq_f32(a21, x1, vld1q_f32(w2 + d + 4));
    a22 = vfmaq_f32(a22, x2, vld1q_f32(w2 + d + 8));
    a23 = vfmaq_f32(a23, x3, vld1q_f32(w2 + d + 12));
    a30 = vfmaq_f32(a30, x0, vld1q_f32(w3 + d));
    a31 = vfmaq_f32(a31, x1, vld1q_f32(w3 + d + 4));
    a32 = vfmaq_f32(a32, x2, vld1q_f32(w3 + d + 8));
    a33 = vfmaq_f32(a33, x3, vld1q_f32(w3 + d + 12));
  }
  const Clamp cl = clamp_of(p.act);
  y[o] = finish_dot(x, w0, full, p.depth, a00, a01, a02, a03, bias, o, cl);
  y[o + 1] = finish_dot(x, w1, full, p.depth, a10, a11, a12, a13, bias, o + 1, cl);
  y[o + 2] = finish_dot(x, w2, full, p.depth, a20, a21, a22, a23, bias, o + 2, cl);
  y[o + 3] = finish_dot(x, w3, full, p.depth, a30, a31, a32, a33, bias, o + 3, cl);
}

void fc_dot_block1(const FcParams& p, const float* x, const float* w, const float* bias, float* y,
                   int o) {
  const float* w0 = w + std::size_t(o) * p.depth;
  const float32x4_t z = vdupq_n_f32(0.f);
  float32x4_t a0 = z, a1 = z, a2 = z, a3 = z;
  const int full = p.depth / 16 * 16;
  for (int d = 0; d < full; d += 16) {
    a0 = vfmaq_f32(a0, vld1q_f32(x + d), vld1q_f32(w0 + d));
    a1 = vfmaq_f32(a1, vld1q_f32(x + d + 4), vld1q_f32(w0 + d + 4));
    a2 = vfmaq_f32(a2, vld1q_f32(x + d + 8), vld1q_f32(w0 + d + 8));
    a3 = vfmaq_f32(a3, vld1q_f32(x + d + 12), vld1q_f32(w0 + d + 12));
  }
  y[o] = finish_dot(x, w0, full, p.depth, a0, a1, a2, a3, bias, o, clamp_of(p.act));
}

void fc_dot_neon(const FcParams& p, const float* in, const float* w, const float* bias, float* out,
                 int o_begin, int o_end) {
  // Rows innermost: a block of 4 weight rows is read from memory once and reused from cache by
  // every input row (batched windows).
  int o = o_begin;
  for (; o + 4 <= o_end; o += 4)
    for (int r = 0; r < p.rows; ++r)
      fc_dot_block4(p, in + std::size_t(r) * p.depth, w, bias, out + std::size_t(r) * p.outputs, o);
  for (; o < o_end; ++o)
    for (int r = 0; r < p.rows; ++r)
      fc_dot_block1(p, in + std::size_t(r) * p.depth, w, bias, out + std::size_t(r) * p.outputs, o);
}

// ---- exp and the functions built on it, 4 lanes at a time. exp: x clamped to [-87, 88],
// n = round(x / ln2) (FRINTN), r = x - n ln2 in two FMA steps (ln2 hi + lo), degree-7 Taylor
// polynomial on |r| <= ln2/2 (relative error < 1e-7), times 2^n built in the exponent bits.

inline float32x4_t exp4(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.0f));
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693145751953125f));
  r = vfmsq_f32(r, n, vdupq_n_f32(1.42860682030941723e-6f));
  float32x4_t p = vdupq_n_f32(1.0f / 5040.0f);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 720.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

// tanh x = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no overflow, no cancellation blow-up.
inline float32x4_t tanh4(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  const float32x4_t e = exp4(vmulq_n_f32(vabsq_f32(x), -2.0f));
  const float32x4_t t = vdivq_f32(vsubq_f32(one, e), vaddq_f32(one, e));
  const uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
  return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(t), sign));
}

inline float32x4_t logistic4(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  return vdivq_f32(one, vaddq_f32(one, exp4(vnegq_f32(x))));
}

inline float32x4_t gelu_tanh4(float32x4_t x) {
  const float32x4_t x3 = vmulq_f32(vmulq_f32(x, x), x);
  const float32x4_t inner = vmulq_n_f32(vfmaq_n_f32(x, x3, 0.044715f), 0.7978845608028654f);
  return vmulq_f32(vmulq_n_f32(x, 0.5f), vaddq_f32(vdupq_n_f32(1.0f), tanh4(inner)));
}

// Applies f to n floats, 4 at a time; the last n % 4 go through the same vector code via a
// padded copy, so an element's value does not depend on where a thread's range starts.
template <class F>
void map4(std::size_t n, const float* in, float* out, F f) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(out + i, f(vld1q_f32(in + i)));
  if (i < n) {
    alignas(16) float tmp[4] = {};
    std::memcpy(tmp, in + i, (n - i) * sizeof(float));
    vst1q_f32(tmp, f(vld1q_f32(tmp)));
    std::memcpy(out + i, tmp, (n - i) * sizeof(float));
  }
}

void unary_neon(UnaryOp op, std::size_t n, const float* in, float* out) {
  switch (op) {
    case UnaryOp::tanh: return map4(n, in, out, tanh4);
    case UnaryOp::logistic: return map4(n, in, out, logistic4);
    case UnaryOp::exp: return map4(n, in, out, exp4);
    case UnaryOp::gelu_tanh: return map4(n, in, out, gelu_tanh4);
    default: break;  // relu, sqrt, abs, ...: one instruction each, the vectorizer's loops do
  }
  if (!unary_vectorized(op, n, in, out))
    for (std::size_t i = 0; i < n; ++i) out[i] = unary_scalar(op, in[i]);
}

// ---- SOFTMAX rows: max (vector then across lanes), exp(beta (x - max)) stored, sum in 4 lanes
// plus the padded tail, one reciprocal multiply.
void softmax_neon(const SoftmaxParams& p, const float* in, float* out, int r0, int r1) {
  const std::size_t cols = std::size_t(p.cols);
  for (int r = r0; r < r1; ++r) {
    const float* x = in + std::size_t(r) * cols;
    float* y = out + std::size_t(r) * cols;
    std::size_t c = 0;
    float mx = x[0];
    if (cols >= 4) {
      float32x4_t m4 = vld1q_f32(x);
      for (c = 4; c + 4 <= cols; c += 4) m4 = vmaxq_f32(m4, vld1q_f32(x + c));
      mx = vmaxvq_f32(m4);
    }
    for (; c < cols; ++c) mx = x[c] > mx ? x[c] : mx;
    const float32x4_t mx4 = vdupq_n_f32(mx);
    float32x4_t sum4 = vdupq_n_f32(0.f);
    for (c = 0; c + 4 <= cols; c += 4) {
      const float32x4_t e = exp4(vmulq_n_f32(vsubq_f32(vld1q_f32(x + c), mx4), p.beta));
      vst1q_f32(y + c, e);
      sum4 = vaddq_f32(sum4, e);
    }
    if (c < cols) {
      alignas(16) float tmp[4];
      for (int j = 0; j < 4; ++j) tmp[j] = c + j < cols ? x[c + j] : mx;
      float32x4_t e = exp4(vmulq_n_f32(vsubq_f32(vld1q_f32(tmp), mx4), p.beta));
      vst1q_f32(tmp, e);
      std::memcpy(y + c, tmp, (cols - c) * sizeof(float));
      for (std::size_t j = cols - c; j < 4; ++j) tmp[j] = 0.f;  // padding lanes add nothing
      sum4 = vaddq_f32(sum4, vld1q_f32(tmp));
    }
    const float32x4_t inv = vdupq_n_f32(1.0f / vaddvq_f32(sum4));
    for (c = 0; c + 4 <= cols; c += 4) vst1q_f32(y + c, vmulq_f32(vld1q_f32(y + c), inv));
    for (; c < cols; ++c) y[c] *= vgetq_lane_f32(inv, 0);
  }
}

}  // namespace

const MicroKernels* neon_micro_kernels() {
  static const MicroKernels k{"neon", gemm_neon, fc_dot_neon, unary_neon, softmax_neon};
  return &k;
}

}  // namespace nilm::runtime::kernels

#else  // not AArch64

namespace nilm::runtime::kernels {
const MicroKernels* neon_micro_kernels() { return nullptr; }
}  // namespace nilm::runtime::kernels

#endif
