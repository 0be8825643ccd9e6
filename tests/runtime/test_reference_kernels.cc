// Hand-computed cases for the reference tier: the oracle must itself be right.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "model/builder.h"
#include "runtime/kernels/reference.h"
#include "runtime/op_util.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

using namespace kernels;

TEST(ReferenceConv, SamePaddingAtTheEdges) {
  // 1-D: x = 1..5, kernel (1, 2, 3), 'same' pads one zero on each side.
  ConvParams p;
  p.in_w = p.out_w = 5;
  p.k_w = 3;
  p.pad_left = padding_before(model::Padding::same, 5, 5, 3, 1, 1);
  EXPECT_EQ(p.pad_left, 1);
  const float x[] = {1, 2, 3, 4, 5}, w[] = {1, 2, 3};
  float y[5];
  conv2d_f32_ref(p, x, w, nullptr, y);
  const float want[] = {0 * 1 + 1 * 2 + 2 * 3, 1 + 4 + 9, 2 + 6 + 12, 3 + 8 + 15, 4 * 1 + 5 * 2 + 0 * 3};
  for (int i = 0; i < 5; ++i) EXPECT_FLOAT_EQ(y[i], want[i]) << i;
}

TEST(ReferenceConv, ChannelsBiasAndRelu) {
  // 2 positions x 2 input channels -> 2 output channels, k = 1 (a per-position matrix product).
  ConvParams p;
  p.in_w = p.out_w = 2;
  p.in_c = 2;
  p.out_c = 2;
  p.act = Activation::relu;
  const float x[] = {1, 2, 3, 4};         // [pos][in_c]
  const float w[] = {1, 1, -1, 0};        // OHWI: oc0 = c0 + c1, oc1 = -c0
  const float b[] = {0.5f, 2.0f};
  float y[4];
  conv2d_f32_ref(p, x, w, b, y);
  EXPECT_FLOAT_EQ(y[0], 3.5f);
  EXPECT_FLOAT_EQ(y[1], 1.0f);   // -1 + 2
  EXPECT_FLOAT_EQ(y[2], 7.5f);
  EXPECT_FLOAT_EQ(y[3], 0.0f);   // -3 + 2 < 0: ReLU
}

TEST(ReferenceConv, PaddingRuleMatchesTflite) {
  // k = 5 over 599 'same': 2 before, 2 after; even kernels put the extra zero after.
  EXPECT_EQ(padding_before(model::Padding::same, 599, 599, 5, 1, 1), 2);
  EXPECT_EQ(padding_before(model::Padding::same, 10, 10, 4, 1, 1), 1);
  EXPECT_EQ(padding_before(model::Padding::same, 599, 300, 2, 2, 1), 0);  // pool: total 1, after
  EXPECT_EQ(padding_before(model::Padding::valid, 599, 595, 5, 1, 1), 0);
}

TEST(ReferencePool, MaxPoolSameOddLengthsOfTheCnn) {
  // 599 -> 300 -> 150 -> 75 -> 38: the last window of an odd length holds one real sample
  // and one padding position, which must never win (all values negative here).
  std::vector<float> x(599);
  for (int i = 0; i < 599; ++i) x[std::size_t(i)] = -1.0f - float(i % 7) - 0.001f * float(i);
  const int want_len[] = {300, 150, 75, 38};
  for (int len : want_len) {
    const int in = int(x.size());
    PoolParams p;
    p.in_w = in;
    p.out_w = (in + 1) / 2;
    ASSERT_EQ(p.out_w, len);
    p.k_w = p.stride_w = 2;
    p.pad_left = padding_before(model::Padding::same, in, p.out_w, 2, 2, 1);
    std::vector<float> y(std::size_t(p.out_w));
    max_pool_f32_ref(p, x.data(), y.data());
    for (int j = 0; j < p.out_w; ++j) {
      const float a = x[std::size_t(2 * j)];
      const float b = 2 * j + 1 < in ? x[std::size_t(2 * j + 1)] : a;
      EXPECT_EQ(y[std::size_t(j)], std::max(a, b)) << "length " << in << " output " << j;
    }
    x = y;
  }
}

TEST(ReferencePool, AveragePoolCountsOnlyRealSamples) {
  PoolParams p;
  p.in_w = 3;
  p.out_w = 2;
  p.k_w = p.stride_w = 2;
  const float x[] = {2, 4, 9};
  float y[2];
  average_pool_f32_ref(p, x, y);
  EXPECT_FLOAT_EQ(y[0], 3.0f);
  EXPECT_FLOAT_EQ(y[1], 9.0f);  // not 4.5: the padding does not count
}

TEST(ReferenceSoftmax, LargeValuesAreStable) {
  SoftmaxParams p;
  p.rows = 2;
  p.cols = 3;
  const float x[] = {1000, 1001, 1002, -1e30f, 0, 0};
  float y[6];
  softmax_f32_ref(p, x, y);
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), s = 1 + e1 + e2;
  EXPECT_NEAR(y[0], 1 / s, 1e-7);
  EXPECT_NEAR(y[1], e1 / s, 1e-7);
  EXPECT_NEAR(y[2], e2 / s, 1e-7);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_FLOAT_EQ(y[4], 0.5f);
  p.rows = 1;
  p.beta = 0.5f;
  const float z[] = {0, 2, 4};
  softmax_f32_ref(p, z, y);
  EXPECT_NEAR(y[2] / y[1], std::exp(1.0), 1e-5);
}

TEST(ReferenceFullyConnected, HandComputed) {
  FcParams p;
  p.rows = 1;
  p.depth = 2;
  p.outputs = 3;
  p.act = Activation::relu;
  const float x[] = {1, 2}, w[] = {1, 0, 0, 1, 1, 1}, b[] = {0.5f, 0, -10};
  float y[3];
  fully_connected_f32_ref(p, x, w, b, y);
  EXPECT_FLOAT_EQ(y[0], 1.5f);
  EXPECT_FLOAT_EQ(y[1], 2.0f);
  EXPECT_FLOAT_EQ(y[2], 0.0f);
}

TEST(ReferenceBatchMatMul, AdjointsGiveTheSameProduct) {
  // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]] -> [[4,5],[10,11]]
  const float a[] = {1, 2, 3, 4, 5, 6}, at[] = {1, 4, 2, 5, 3, 6};
  const float b[] = {1, 0, 0, 1, 1, 1}, bt[] = {1, 0, 1, 0, 1, 1};
  const float want[] = {4, 5, 10, 11};
  for (int adj = 0; adj < 4; ++adj) {
    BatchMatMulParams p;
    p.m = 2;
    p.k = 3;
    p.n = 2;
    p.adj_x = adj & 1;
    p.adj_y = adj & 2;
    float y[4];
    batch_matmul_f32_ref(p, p.adj_x ? at : a, p.adj_y ? bt : b, y);
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y[i], want[i]) << "adj " << adj;
  }
}

TEST(ReferenceBatchMatMul, BroadcastsBatch) {
  // lhs batch 2, rhs batch 1 (shared): both products use the same rhs.
  BatchMatMulParams p;
  p.m = p.k = p.n = 1;
  p.batch = {1, 1, 1, 2};
  p.lhs_stride = {0, 0, 0, 1};
  p.rhs_stride = {0, 0, 0, 0};
  const float a[] = {2, 3}, b[] = {5};
  float y[2];
  batch_matmul_f32_ref(p, a, b, y);
  EXPECT_FLOAT_EQ(y[0], 10);
  EXPECT_FLOAT_EQ(y[1], 15);
}

TEST(ReferenceShape, TransposeConcatMean) {
  TransposeParams t;
  t.in_shape = {1, 1, 1, 1, 2, 3};
  t.perm = {0, 1, 2, 3, 5, 4};
  const float x[] = {1, 2, 3, 4, 5, 6};
  float y[6];
  transpose_f32_ref(t, x, y);
  const float want_t[] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want_t[i]);

  ConcatParams c;  // [2,1] ++ [2,2] along axis 1
  c.outer = 2;
  c.chunk = {1, 2};
  const float c0[] = {1, 2}, c1[] = {10, 11, 20, 21};
  const float* ins[] = {c0, c1};
  concatenation_f32_ref(c, ins, y);
  const float want_c[] = {1, 10, 11, 2, 20, 21};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want_c[i]);

  ReduceParams r;  // [1,3,2] mean over axis 1 -> [1,2]
  r.shape = {1, 1, 1, 1, 3, 2};
  r.reduce = {false, false, false, false, true, false};
  reduce_f32_ref(r, x, y);
  EXPECT_FLOAT_EQ(y[0], 3.0f);
  EXPECT_FLOAT_EQ(y[1], 4.0f);
}

TEST(ReferenceElementwise, UnaryValues) {
  EXPECT_NEAR(unary_scalar(UnaryOp::gelu_tanh, 1.0f), 0.8411920f, 1e-6);
  EXPECT_NEAR(unary_scalar(UnaryOp::gelu_erf, 1.0f), 0.8413447f, 1e-6);
  EXPECT_FLOAT_EQ(unary_scalar(UnaryOp::logistic, 0.0f), 0.5f);
  EXPECT_FLOAT_EQ(unary_scalar(UnaryOp::rsqrt, 4.0f), 0.5f);
  EXPECT_FLOAT_EQ(unary_scalar(UnaryOp::relu, -3.0f), 0.0f);
  EXPECT_FLOAT_EQ(binary_scalar(BinaryOp::squared_difference, 1.0f, 4.0f), 9.0f);
}

TEST(ReferenceElementwise, Broadcasting) {
  // [2,3] - [2,1]
  const std::int64_t sa[] = {2, 3}, sb[] = {2, 1};
  const BinaryParams p = make_binary_params(BinaryOp::sub, sa, 2, sb, 2, Activation::none);
  const float a[] = {1, 2, 3, 4, 5, 6}, b[] = {1, 10};
  float y[6];
  binary_f32_ref(p, a, b, y);
  const float want[] = {0, 1, 2, -6, -5, -4};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want[i]);
}

// A layer norm spelled the way converters emit it, run through the whole runtime (both tiers).
TEST(ReferenceGraph, LayerNormSequence) {
  model::GraphBuilder b;
  const int x = b.input("x", {1, 2, 4});
  const int mu = b.mean(x, {-1}, true);
  const int var = b.mean(b.squared_difference(x, mu), {-1}, true);
  const int inv = b.unary(model::OpKind::rsqrt, b.add(var, b.constant("eps", {1}, {1e-5f})));
  b.output(b.mul(b.sub(x, mu), inv));
  const model::Graph g = b.finish();
  // Row 1: 1..4 (mean 2.5, variance 1.25); row 2: constant 7 (variance 0: output 0).
  const std::vector<float> in = {1, 2, 3, 4, 7, 7, 7, 7};
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  const std::vector<float> want = {float(-1.5 * s), float(-0.5 * s), float(0.5 * s), float(1.5 * s), 0, 0, 0, 0};
  for (Tier tier : {Tier::reference, Tier::optimized}) {
    CompileOptions o;
    o.tier = tier;
    const auto out = testing::run_model(Model::from_graph(g, o), {in});
    EXPECT_TRUE(testing::close(out[0], want, 1e-5f, 1e-6f)) << "tier " << int(tier);
  }
}

}  // namespace
}  // namespace nilm::runtime
