// Micro-kernels of the optimized tier: the few inner loops where the time goes (a register-
// blocked GEMM over packed weight panels, row dot products against TFLite's [out, in] weights,
// the transcendental unary ops, softmax rows). One set is portable C++ the compiler vectorizes
// for whatever the baseline ISA is (SSE2, NEON); another is written with AVX2 + FMA intrinsics
// in its own translation unit and is only called when the CPU has them. The op layer
// (runtime/ops_*.cc) splits work into ranges across threads and calls one set.
//
// Every micro-kernel computes each output element with the same sequence of operations no
// matter which range or tile it falls in, so results do not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/kernels/params.h"

namespace nilm::runtime::kernels {

constexpr int kPanel = 16;  // output columns per packed weight panel

// Packs B (logically K x N, element (k, n) at b[n * n_stride + k * k_stride]) into panels of
// kPanel columns: packed[(n / kPanel) * K * kPanel + k * kPanel + n % kPanel], zero-padded.
void pack_panels(const float* b, int k, int n, std::ptrdiff_t n_stride, std::ptrdiff_t k_stride,
                 float* packed);
// Float storage starting on a 64-byte boundary (a packed panel row is one cache line).
class AlignedFloats {
 public:
  void resize(std::size_t n) {
    storage_.assign(n + 16, 0.0f);
    const auto misalign = reinterpret_cast<std::uintptr_t>(storage_.data()) % 64;
    offset_ = misalign ? (64 - misalign) / sizeof(float) : 0;
    size_ = n;
  }
  float* data() { return storage_.data() + offset_; }
  const float* data() const { return storage_.data() + offset_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::vector<float> storage_;
  std::size_t offset_ = 0, size_ = 0;
};

inline std::size_t packed_panels_size(int k, int n) {
  return std::size_t((n + kPanel - 1) / kPanel) * std::size_t(k) * kPanel;
}

// C[i, j] = clamp(bias[j] + sum_k A[i, k] * B[k, j]) for all rows i < m and the columns of
// panels [panel_begin, panel_end). A(i, k) = a[i * a_row + k * a_col] (so a transposed A costs
// nothing); B is packed (pack_panels); bias may be null.
struct GemmArgs {
  int m = 0, n = 0, k = 0;
  const float* a = nullptr;
  std::ptrdiff_t a_row = 0, a_col = 1;
  const float* b_packed = nullptr;
  const float* bias = nullptr;
  Clamp clamp{};
  float* c = nullptr;
  std::ptrdiff_t ldc = 0;
};

struct MicroKernels {
  const char* suffix;  // "opt" (portable), "avx2", "avx512" or "neon"
  void (*gemm)(const GemmArgs& g, int panel_begin, int panel_end);
  // FULLY_CONNECTED against unpacked [out, depth] weights, outputs [o_begin, o_end), all rows.
  void (*fc_dot)(const FcParams& p, const float* in, const float* w, const float* bias,
                 float* out, int o_begin, int o_end);
  // Elementwise; only the ops listed in unary_is_fast() are vectorized, others fall back.
  void (*unary)(UnaryOp op, std::size_t n, const float* in, float* out);
  void (*softmax)(const SoftmaxParams& p, const float* in, float* out, int row_begin, int row_end);
};

// One row of a broadcasting binary op: y[i] = clamp(op(a[i * sa], b[i * sb])), i < n (strides
// 0 / 1 are the vector paths). The same arithmetic as binary_scalar, element by element.
using BinaryRowFn = void (*)(std::int64_t n, const float* a, std::int64_t sa, const float* b,
                             std::int64_t sb, float* y, Clamp cl);
// AVX-512 rows for add, sub, mul, div and squared difference; nullptr for other ops and where
// this build has no AVX-512 translation unit.
BinaryRowFn avx512_binary_row(BinaryOp op);

const MicroKernels& portable_micro_kernels();
// nullptr when this build has no AVX2 translation unit (not x86-64).
const MicroKernels* avx2_micro_kernels();
// nullptr when this build has no AVX-512 translation unit (micro_avx512.cc; not x86-64).
const MicroKernels* avx512_micro_kernels();
// nullptr when this build is not for AArch64 (micro_neon.cc).
const MicroKernels* neon_micro_kernels();

}  // namespace nilm::runtime::kernels
