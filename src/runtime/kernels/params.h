// Plain parameter structs for the float kernels. The kernels themselves know nothing about the
// graph IR: an op adapter (runtime/ops_*.cc) turns a graph node into one of these once, at load
// time, so the kernels stay small, testable on their own and reusable by later tiers (int8 ...).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nilm::runtime::kernels {

// Fused activation applied to a kernel's output (TFLite's fused_activation_function).
enum class Activation : std::uint8_t { none, relu, relu6, relu_n1_to_1 };

inline float activate(Activation a, float v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return v < 0.f ? 0.f : v;
    case Activation::relu6: return v < 0.f ? 0.f : (v > 6.f ? 6.f : v);
    case Activation::relu_n1_to_1: return v < -1.f ? -1.f : (v > 1.f ? 1.f : v);
  }
  return v;
}
// The clamp bounds an activation amounts to (optimized kernels clamp instead of branching).
struct Clamp { float lo, hi; };
Clamp clamp_of(Activation a);

constexpr int kMaxRank = 6;
using Dims = std::array<std::int64_t, kMaxRank>;

// CONV_2D, NHWC input, OHWI weights, optional bias [out_c]. A 1-D convolution is H = 1.
struct ConvParams {
  int batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int k_h = 1, k_w = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;  // 'same': computed by the adapter (TFLite's rule)
  Activation act = Activation::none;
  int depth_multiplier = 1;  // DEPTHWISE_CONV_2D only: out channel = in channel * m + j
};

// MAX_POOL_2D / AVERAGE_POOL_2D, NHWC. Average pooling divides by the number of in-bounds
// elements (TFLite's rule for 'same' padding).
struct PoolParams {
  int batch = 1, in_h = 1, in_w = 1, channels = 1;
  int out_h = 1, out_w = 1;
  int k_h = 1, k_w = 1, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  Activation act = Activation::none;
};

// FULLY_CONNECTED: out[rows x out] = in[rows x depth] * W^T + bias, W is [out x depth]
// (TFLite's layout, used as it is in the file).
struct FcParams {
  int rows = 1, depth = 1, outputs = 1;
  Activation act = Activation::none;
};

// Elementwise binary op with numpy broadcasting, shapes padded to kMaxRank on the left.
// A stride of 0 repeats an operand along that axis.
enum class BinaryOp : std::uint8_t { add, sub, mul, div, squared_difference, maximum, minimum, pow };
struct BinaryParams {
  BinaryOp op = BinaryOp::add;
  Dims shape{};       // output shape
  Dims a_stride{}, b_stride{};
  Activation act = Activation::none;
};
float binary_scalar(BinaryOp op, float a, float b);
// Broadcasting strides for an operand of `operand` shape (right-aligned) into `out` shape.
BinaryParams make_binary_params(BinaryOp op, const std::int64_t* a_shape, int a_rank,
                                const std::int64_t* b_shape, int b_rank, Activation act);

enum class UnaryOp : std::uint8_t {
  relu, relu6, tanh, logistic, sqrt, rsqrt, exp, log, abs, neg, square, gelu_tanh, gelu_erf
};
float unary_scalar(UnaryOp op, float x);

// MEAN / SUM over a set of axes, shape padded to kMaxRank.
struct ReduceParams {
  Dims shape{};
  std::array<bool, kMaxRank> reduce{};
  bool mean = true;  // false: sum
};

// SOFTMAX over the last axis: rows x cols, exp(beta * (x - max)) / sum.
struct SoftmaxParams {
  int rows = 1, cols = 1;
  float beta = 1.f;
};

// BATCH_MATMUL: lhs [..., M, K] (or [..., K, M] with adj_x), rhs [..., K, N] (or [..., N, K]
// with adj_y). Batch dimensions broadcast (numpy), flattened into up to 4 levels.
struct BatchMatMulParams {
  int m = 1, k = 1, n = 1;
  bool adj_x = false, adj_y = false;
  std::array<std::int64_t, 4> batch{1, 1, 1, 1};           // output batch dims
  std::array<std::int64_t, 4> lhs_stride{}, rhs_stride{};  // in matrices; 0 = broadcast
};
std::int64_t batch_count(const BatchMatMulParams& p);
// Offsets (in matrices) of the lhs and rhs matrices for flattened batch index b.
void batch_offsets(const BatchMatMulParams& p, std::int64_t b, std::int64_t& lhs, std::int64_t& rhs);

// TRANSPOSE: input shape and permutation padded to kMaxRank (leading axes of size 1).
struct TransposeParams {
  Dims in_shape{};
  std::array<int, kMaxRank> perm{};
};

// CONCATENATION along one axis: outer x (sum of per-input axis*inner) layout.
struct ConcatParams {
  std::int64_t outer = 1;
  std::vector<std::int64_t> chunk;  // per input: contiguous elements per outer index (axis*inner)
};

}  // namespace nilm::runtime::kernels
