// The int8 / int16 element-wise and transformer kernels (ops_elementwise_int.cc, the integer
// rows of ops_shape.cc): hand-computed integer cases, saturation at the type limits, random
// shapes and broadcast patterns against the float op on dequantized values (within one
// output step, or the stated table tolerance), and the clear errors for what TFLite refuses.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "core/error.h"
#include "runtime/kernels/fixed_point_math.h"
#include "runtime/kernels/lut.h"
#include "runtime/kernels/params.h"
#include "runtime/kernels/reference.h"
#include "runtime/kernels/softmax_s16_x86.h"
#include "quantized_op_util.h"
#include "single_op.h"

namespace nilm::runtime::testing {
namespace {

using model::ElementType;
using model::OpKind;
constexpr ElementType s8 = ElementType::i8;
constexpr ElementType s16 = ElementType::i16;

template <class T>
std::vector<T> run_typed(const model::Graph& g, const std::vector<std::vector<T>>& inputs, std::string* kernel = nullptr) {
  std::vector<std::vector<std::uint8_t>> raw;
  for (const auto& v : inputs) raw.push_back(bytes_of(v));
  const auto r = run_single_op(g, raw);
  if (kernel) *kernel = r.kernel;
  return values_of<T>(r.output);
}

// ---- binary ops ----

double binary_real(OpKind k, double a, double b) {
  switch (k) {
    case OpKind::add: return a + b;
    case OpKind::sub: return a - b;
    case OpKind::mul: return a * b;
    case OpKind::squared_difference: return (a - b) * (a - b);
    default: return 0;
  }
}

int binary_op(model::GraphBuilder& b, OpKind k, int x, int y, model::Activation act = model::Activation::none) {
  switch (k) {
    case OpKind::add: return b.add(x, y, act);
    case OpKind::sub: return b.sub(x, y, act);
    case OpKind::mul: return b.mul(x, y, act);
    default: return b.squared_difference(x, y);
  }
}

template <class T>
void check_binary_against_float(OpKind kind, ElementType type, const model::Shape& sa, const model::Shape& sb,
                                std::uint32_t seed, model::Activation act = model::Activation::none) {
  std::mt19937 rng(seed);
  const bool is16 = type == s16;
  std::uniform_real_distribution<float> scale_d(0.005f, 0.05f);
  QuantSpec qa{sa, scale_d(rng), is16 ? 0 : std::uniform_int_distribution<int>(-20, 20)(rng)};
  QuantSpec qb{sb, scale_d(rng), is16 ? 0 : std::uniform_int_distribution<int>(-20, 20)(rng)};
  if (is16) {
    qa.scale /= 256;
    qb.scale /= 256;
  }
  // Output grid covering the op's range on the inputs' ranges.
  const double ra = qa.scale * (is16 ? 32768 : 150), rb = qb.scale * (is16 ? 32768 : 150);
  const double range = kind == OpKind::mul ? ra * rb : kind == OpKind::squared_difference ? (ra + rb) * (ra + rb) : ra + rb;
  QuantSpec qy{{}, float(range / (is16 ? 32767.0 : 100.0)), is16 ? 0 : std::uniform_int_distribution<int>(-30, 30)(rng)};
  if (kind == OpKind::squared_difference) qy.zero_point = -128;
  const auto g = one_op_graph(type, {qa, qb}, qy, [&](model::GraphBuilder& b, const std::vector<int>& x) {
    return binary_op(b, kind, x[0], x[1], act);
  });
  const auto& y_shape = g.tensor(g.outputs[0]).shape;
  const int lo = int(type_lo(type)), hi = int(type_hi(type));
  const auto a = random_q<T>(rng, std::size_t(model::element_count(sa)), lo, hi);
  const auto bv = random_q<T>(rng, std::size_t(model::element_count(sb)), lo, hi);
  std::string kernel;
  const auto got = run_typed<T>(g, {a, bv}, &kernel);
  std::string want_kernel = model::op_name(kind);
  for (auto& ch : want_kernel) ch = char(std::tolower(ch));
  EXPECT_EQ(kernel, want_kernel + (is16 ? "_s16_ref" : "_s8_ref"));
  // Float twin with the same broadcasting geometry.
  std::vector<std::int64_t> a64(sa.begin(), sa.end()), b64(sb.begin(), sb.end());
  const auto geo = kernels::make_binary_params(kernels::BinaryOp::add, a64.data(), int(a64.size()), b64.data(),
                                               int(b64.size()), kernels::Activation::none);
  ASSERT_EQ(got.size(), std::size_t(model::element_count(y_shape)));
  std::size_t o = 0;
  int worst = 0, exact = 0;
  std::array<std::int64_t, kernels::kMaxRank> i{};
  const auto& s = geo.shape;
  for (i[0] = 0; i[0] < s[0]; ++i[0])
    for (i[1] = 0; i[1] < s[1]; ++i[1])
      for (i[2] = 0; i[2] < s[2]; ++i[2])
        for (i[3] = 0; i[3] < s[3]; ++i[3])
          for (i[4] = 0; i[4] < s[4]; ++i[4])
            for (i[5] = 0; i[5] < s[5]; ++i[5]) {
              std::int64_t ia = 0, ib = 0;
              for (std::size_t d = 0; d < 6; ++d) {
                ia += i[d] * geo.a_stride[d];
                ib += i[d] * geo.b_stride[d];
              }
              double real = binary_real(kind, dequantize_value(a[std::size_t(ia)], qa.scale, qa.zero_point),
                                        dequantize_value(bv[std::size_t(ib)], qb.scale, qb.zero_point));
              if (act == model::Activation::relu) real = std::max(real, 0.0);
              const int want = quantize_value(real, qy.scale, qy.zero_point, type);
              const int diff = std::abs(int(got[o]) - want);
              worst = std::max(worst, diff);
              exact += diff == 0;
              ++o;
            }
  EXPECT_LE(worst, 1) << model::op_name(kind) << " " << model::element_type_name(type) << " "
                      << model::shape_string(sa) << " x " << model::shape_string(sb);
  EXPECT_GT(exact, int(got.size() * 8 / 10)) << "most outputs should be the exactly rounded value";
}

TEST(QuantizedBinary, MatchesFloatOnDequantizedValuesAcrossBroadcastPatterns) {
  const std::vector<std::pair<model::Shape, model::Shape>> shapes = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 3, 4}, {2, 3, 1}}, {{1}, {5, 2}},
      {{3, 1, 5}, {1, 4, 1}}, {{1, 7, 16}, {1, 7, 1}}, {{2, 1, 1, 3}, {1, 2, 5, 1}}};
  std::uint32_t seed = 1;
  for (const auto& [sa, sb] : shapes) {
    for (OpKind k : {OpKind::add, OpKind::sub, OpKind::mul, OpKind::squared_difference})
      check_binary_against_float<std::int8_t>(k, s8, sa, sb, seed++);
    for (OpKind k : {OpKind::add, OpKind::sub, OpKind::mul})
      check_binary_against_float<std::int16_t>(k, s16, sa, sb, seed++);
  }
  check_binary_against_float<std::int8_t>(OpKind::add, s8, {4, 8}, {8}, 99, model::Activation::relu);
  check_binary_against_float<std::int16_t>(OpKind::mul, s16, {4, 8}, {4, 1}, 98, model::Activation::relu);
}

TEST(QuantizedBinary, HandComputedValuesAndSaturation) {
  // ADD int8, every grid 0.5 with zero point 0: 3 + 4 -> 7; 100 + 100 saturates at 127;
  // -100 + -100 at -128.
  QuantSpec q{{3}, 0.5f, 0};
  auto add = one_op_graph(s8, {q, q}, q, [](model::GraphBuilder& b, const std::vector<int>& x) { return b.add(x[0], x[1]); });
  std::string kernel;
  EXPECT_EQ(run_typed<std::int8_t>(add, {{3, 100, -100}, {4, 100, -100}}, &kernel),
            (std::vector<std::int8_t>{7, 127, -128}));
  EXPECT_EQ(kernel, "add_s8_ref");
  // Different zero points: a = 13 on (0.5, zp 10) is 1.5; b = -4 on (0.25, zp 0) is -1;
  // 0.5 on (0.1, zp -5) is 0.
  auto add2 = one_op_graph(s8, {{{1}, 0.5f, 10}, {{1}, 0.25f, 0}}, {{1}, 0.1f, -5},
                           [](model::GraphBuilder& b, const std::vector<int>& x) { return b.add(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int8_t>(add2, {{13}, {-4}}), (std::vector<std::int8_t>{0}));
  // SUB 3 - 4 -> -1 (0.5 grid); MUL 0.5 * 2.0 = 1.0 on a 0.02 grid -> 50.
  auto sub = one_op_graph(s8, {q, q}, q, [](model::GraphBuilder& b, const std::vector<int>& x) { return b.sub(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int8_t>(sub, {{3, 127, -128}, {4, -128, 127}}), (std::vector<std::int8_t>{-1, 127, -128}));
  auto mul = one_op_graph(s8, {{{1}, 0.1f, 0}, {{1}, 0.2f, 0}}, {{1}, 0.02f, 0},
                          [](model::GraphBuilder& b, const std::vector<int>& x) { return b.mul(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int8_t>(mul, {{5}, {10}}), (std::vector<std::int8_t>{50}));
  // SQUARED_DIFFERENCE (3 - 1)^2 = 4 on a 0.25 grid -> 16 - 128 (zp -128).
  auto sq = one_op_graph(s8, {{{1}, 1.0f, 0}, {{1}, 1.0f, 0}}, {{1}, 0.25f, -128},
                         [](model::GraphBuilder& b, const std::vector<int>& x) { return b.squared_difference(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int8_t>(sq, {{3}, {1}}), (std::vector<std::int8_t>{-112}));
  // int16: 30000 + 30000 on one grid saturates at 32767; -30000 - 30000 at -32768.
  QuantSpec q16{{2}, 1.0f / 32768, 0};
  auto add16 = one_op_graph(s16, {q16, q16}, q16, [](model::GraphBuilder& b, const std::vector<int>& x) { return b.add(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int16_t>(add16, {{30000, -30000}, {30000, -30000}}, &kernel),
            (std::vector<std::int16_t>{32767, -32768}));
  EXPECT_EQ(kernel, "add_s16_ref");
  // Power-of-two scales (TFLite's pot_scale_int16 path): the finer input is shifted right with
  // rounding (6 / 4 = 1.5 -> 2, -6 / 4 -> -2), then an int16 saturating add / sub.
  auto pot = one_op_graph(s16, {{{3}, 1.0f / 1024, 0}, {{3}, 1.0f / 4096, 0}}, {{}, 1.0f / 1024, 0},
                          [](model::GraphBuilder& b, const std::vector<int>& x) { return b.add(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int16_t>(pot, {{100, 100, 32767}, {6, -6, 400}}), (std::vector<std::int16_t>{102, 98, 32767}));
  auto pot_sub = one_op_graph(s16, {{{2}, 1.0f / 4096, 0}, {{2}, 1.0f / 1024, 0}}, {{}, 1.0f / 1024, 0},
                              [](model::GraphBuilder& b, const std::vector<int>& x) { return b.sub(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int16_t>(pot_sub, {{6, -400}, {100, 32767}}), (std::vector<std::int16_t>{-98, -32768}));
  // MUL int16: 0.5 * 0.5 = 0.25 -> 8192 on 1/32768.
  auto mul16 = one_op_graph(s16, {q16, q16}, q16, [](model::GraphBuilder& b, const std::vector<int>& x) { return b.mul(x[0], x[1]); });
  EXPECT_EQ(run_typed<std::int16_t>(mul16, {{16384, -32768}, {16384, -32768}}), (std::vector<std::int16_t>{8192, 32767}));
}

// ---- MEAN ----

template <class T>
void check_mean_against_float(ElementType type, const model::Shape& shape, const std::vector<int>& axes, bool keep,
                              std::uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is16 = type == s16;
  const QuantSpec qx{shape, is16 ? 1.0f / 9000 : 0.03f, is16 ? 0 : 7};
  const QuantSpec qy{{}, is16 ? 1.0f / 20000 : 0.02f, is16 ? 0 : -3};
  const auto g = one_op_graph(type, {qx}, qy, [&](model::GraphBuilder& b, const std::vector<int>& x) {
    return b.mean(x[0], axes, keep);
  });
  const auto x = random_q<T>(rng, std::size_t(model::element_count(shape)), int(type_lo(type)), int(type_hi(type)));
  std::string kernel;
  const auto got = run_typed<T>(g, {x}, &kernel);
  EXPECT_EQ(kernel, is16 ? "mean_s16_ref" : "mean_s8_ref");
  // Float twin: the runtime's float reduction on dequantized values.
  kernels::ReduceParams rp;
  rp.shape.fill(1);
  for (std::size_t d = 0; d < shape.size(); ++d) rp.shape[6 - shape.size() + d] = shape[d];
  for (int a : axes) rp.reduce[std::size_t(6 - int(shape.size()) + (a < 0 ? a + int(shape.size()) : a))] = true;
  std::vector<float> xf(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) xf[k] = float(dequantize_value(x[k], qx.scale, qx.zero_point));
  std::vector<float> yf(got.size());
  kernels::reduce_f32_ref(rp, xf.data(), yf.data());
  int worst = 0;
  for (std::size_t k = 0; k < got.size(); ++k)
    worst = std::max(worst, std::abs(int(got[k]) - quantize_value(yf[k], qy.scale, qy.zero_point, type)));
  EXPECT_LE(worst, 1) << model::shape_string(shape);
}

TEST(QuantizedMean, MatchesFloatOnDequantizedValues) {
  check_mean_against_float<std::int8_t>(s8, {1, 7, 16}, {-1}, true, 1);   // layer norm: last axis
  check_mean_against_float<std::int8_t>(s8, {2, 5, 3}, {1}, false, 2);
  check_mean_against_float<std::int8_t>(s8, {2, 3, 4, 5}, {1, 2}, true, 3);
  check_mean_against_float<std::int8_t>(s8, {3, 256}, {0, 1}, false, 4);
  check_mean_against_float<std::int16_t>(s16, {1, 7, 256}, {-1}, true, 5);
  check_mean_against_float<std::int16_t>(s16, {4, 3, 2}, {0, 2}, false, 6);
}

TEST(QuantizedMean, HandComputedValues) {
  // 1, 2, 3, 5 on a unit grid: mean 2.75 -> 3; on a 0.25 output grid -> 11; zero points apply.
  auto g = one_op_graph(s8, {{{1, 4}, 1.0f, 0}}, {{}, 1.0f, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.mean(x[0], {1}, false); });
  EXPECT_EQ(run_typed<std::int8_t>(g, {{1, 2, 3, 5}}), (std::vector<std::int8_t>{3}));
  auto g2 = one_op_graph(s8, {{{1, 4}, 1.0f, 1}}, {{}, 0.25f, -10},
                         [](model::GraphBuilder& b, const std::vector<int>& x) { return b.mean(x[0], {1}, false); });
  EXPECT_EQ(run_typed<std::int8_t>(g2, {{2, 3, 4, 6}}), (std::vector<std::int8_t>{1}));  // 2.75 / 0.25 - 10
  // Saturation: a mean of 100 on a grid of 0.5 is 200 steps -> 127.
  auto g3 = one_op_graph(s8, {{{2}, 1.0f, 0}}, {{}, 0.5f, 0},
                         [](model::GraphBuilder& b, const std::vector<int>& x) { return b.mean(x[0], {0}, false); });
  EXPECT_EQ(run_typed<std::int8_t>(g3, {{100, 100}}), (std::vector<std::int8_t>{127}));
}

// ---- SOFTMAX ----

template <class T>
void check_softmax_against_float(ElementType type, int rows, int cols, float in_scale, float beta, int tolerance,
                                 std::uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is16 = type == s16;
  const QuantSpec qx{{rows, cols}, in_scale, is16 ? 0 : 5};
  const QuantSpec qy{{}, is16 ? 1.0f / 32768 : 1.0f / 256, is16 ? 0 : -128};
  const auto g = one_op_graph(type, {qx}, qy, [&](model::GraphBuilder& b, const std::vector<int>& x) {
    return b.softmax(x[0], beta);
  });
  const auto x = random_q<T>(rng, std::size_t(rows * cols), int(type_lo(type)), int(type_hi(type)));
  std::string kernel;
  const auto got = run_typed<T>(g, {x}, &kernel);
  EXPECT_EQ(kernel, is16 ? "softmax_s16_ref" : "softmax_s8_ref");
  int worst = 0;
  for (int r = 0; r < rows; ++r) {
    double mx = -1e300, sum = 0;
    for (int c = 0; c < cols; ++c) mx = std::max(mx, dequantize_value(x[std::size_t(r * cols + c)], qx.scale, qx.zero_point));
    for (int c = 0; c < cols; ++c) sum += std::exp(beta * (dequantize_value(x[std::size_t(r * cols + c)], qx.scale, qx.zero_point) - mx));
    for (int c = 0; c < cols; ++c) {
      const double p = std::exp(beta * (dequantize_value(x[std::size_t(r * cols + c)], qx.scale, qx.zero_point) - mx)) / sum;
      worst = std::max(worst, std::abs(int(got[std::size_t(r * cols + c)]) - quantize_value(p, qy.scale, qy.zero_point, type)));
    }
  }
  std::printf("softmax %s %dx%d input scale %.3g: worst %d steps\n", is16 ? "s16" : "s8", rows, cols, in_scale, worst);
  EXPECT_LE(worst, tolerance) << "rows " << rows << " cols " << cols << " scale " << in_scale;
}

TEST(QuantizedSoftmax, MatchesFloatOnDequantizedValues) {
  // int8: TFLite's fixed-point exp and reciprocal land within one 1/256 step.
  check_softmax_against_float<std::int8_t>(s8, 8, 16, 0.05f, 1.0f, 1, 1);
  check_softmax_against_float<std::int8_t>(s8, 4, 299, 0.1f, 1.0f, 1, 2);   // attention rows
  check_softmax_against_float<std::int8_t>(s8, 3, 10, 0.02f, 0.5f, 1, 3);
  check_softmax_against_float<std::int8_t>(s8, 3, 5, 1.0f, 1.0f, 1, 4);    // coarse input grid
  // int16: exp and 1/(1+x) interpolated in 513-entry tables, Q0.15 intermediates: measured
  // up to 14 steps of 1/32768 (4e-4) from the exact probability (a dominant value near 1).
  check_softmax_against_float<std::int16_t>(s16, 8, 16, 10.0f / 32768, 1.0f, 16, 5);
  check_softmax_against_float<std::int16_t>(s16, 4, 299, 8.0f / 32768, 1.0f, 16, 6);
  check_softmax_against_float<std::int16_t>(s16, 2, 7, 3.0f / 32768, 2.0f, 16, 7);
}

TEST(QuantizedSoftmax, HandComputedValues) {
  // A uniform row of 4 -> 1/4 = 64 steps of 1/256 -> 64 - 128 = -64.
  auto g = one_op_graph(s8, {{{1, 4}, 0.1f, 0}}, {{}, 1.0f / 256, -128},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
  EXPECT_EQ(run_typed<std::int8_t>(g, {{9, 9, 9, 9}}), (std::vector<std::int8_t>{-64, -64, -64, -64}));
  // One dominant value: probability ~1 saturates at 127, the others at -128.
  auto g2 = one_op_graph(s8, {{{1, 3}, 1.0f, 0}}, {{}, 1.0f / 256, -128},
                         [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
  EXPECT_EQ(run_typed<std::int8_t>(g2, {{127, -128, 0}}), (std::vector<std::int8_t>{127, -128, -128}));
  // int16 uniform row of 2 -> 0.5 = 16384 (within the tables' one step).
  auto g3 = one_op_graph(s16, {{{1, 2}, 1.0f / 1000, 0}}, {{}, 1.0f / 32768, 0},
                         [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
  const auto y = run_typed<std::int16_t>(g3, {{-500, -500}});
  EXPECT_NEAR(y[0], 16384, 1);
  EXPECT_EQ(y[0], y[1]);
}

TEST(QuantizedSoftmax, RefusesOutputGridsTfliteRefuses) {
  auto g = one_op_graph(s8, {{{1, 4}, 0.1f, 0}}, {{}, 1.0f / 128, -128},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
  try {
    run_typed<std::int8_t>(g, {{1, 2, 3, 4}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SOFTMAX"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0.00390625"), std::string::npos) << e.what();
  }
}

// ---- int8 unary ops: every one of the 256 inputs ----

void check_unary_s8(OpKind kind, const QuantSpec& qx, const QuantSpec& qy, double (*f)(double), bool approximate,
                    const char* kernel_name) {
  auto g = one_op_graph(s8, {qx}, qy, [&](model::GraphBuilder& b, const std::vector<int>& x) {
    return kind == OpKind::gelu ? b.gelu(x[0], approximate) : b.unary(kind, x[0]);
  });
  std::vector<std::int8_t> x(256);
  std::iota(x.begin(), x.end(), std::int8_t(-128));
  std::string kernel;
  const auto got = run_typed<std::int8_t>(g, {x}, &kernel);
  EXPECT_EQ(kernel, kernel_name);
  int worst = 0, exact = 0;
  for (std::size_t i = 0; i < 256; ++i) {
    const double real = dequantize_value(x[i], qx.scale, qx.zero_point);
    if (kind == OpKind::rsqrt && real <= 0) continue;
    const int want = quantize_value(f(real), qy.scale, qy.zero_point, s8);
    const int d = std::abs(int(got[i]) - want);
    worst = std::max(worst, d);
    exact += d == 0;
  }
  EXPECT_LE(worst, 1) << kernel_name;
  EXPECT_GE(exact, 200) << kernel_name;
}

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double gelu_erf(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh(double x) { return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))); }
double relu(double x) { return std::max(x, 0.0); }
double rsqrt(double x) { return 1.0 / std::sqrt(x); }
double tanh_d(double x) { return std::tanh(x); }

TEST(QuantizedUnaryS8, EveryInputMatchesTheFloatFunction) {
  check_unary_s8(OpKind::logistic, {{256}, 0.05f, 3}, {{}, 1.0f / 256, -128}, logistic, false, "logistic_s8_ref");
  check_unary_s8(OpKind::tanh, {{256}, 0.03f, -2}, {{}, 1.0f / 128, 0}, tanh_d, false, "tanh_s8_ref");
  check_unary_s8(OpKind::gelu, {{256}, 0.04f, 10}, {{}, 0.03f, -100}, gelu_erf, false, "gelu_s8_ref");
  check_unary_s8(OpKind::gelu, {{256}, 0.04f, 10}, {{}, 0.03f, -100}, gelu_tanh, true, "gelu_s8_ref");
  check_unary_s8(OpKind::relu, {{256}, 0.02f, 5}, {{}, 0.015f, -128}, relu, false, "relu_s8_ref");
  check_unary_s8(OpKind::rsqrt, {{256}, 0.01f, -128}, {{}, 0.05f, -128}, rsqrt, false, "rsqrt_s8_ref");
  check_unary_s8(OpKind::rsqrt, {{256}, 2.0f, -100}, {{}, 0.002f, -128}, rsqrt, false, "rsqrt_s8_ref");
}

TEST(QuantizedUnaryS8, HandComputedValues) {
  // RSQRT of 4 (16 steps of 0.25) is 0.5 = 32 steps of 1/64; of 0 the largest output.
  auto g = one_op_graph(s8, {{{3}, 0.25f, 0}}, {{}, 1.0f / 64, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.unary(OpKind::rsqrt, x[0]); });
  EXPECT_EQ(run_typed<std::int8_t>(g, {{16, 0, 1}}), (std::vector<std::int8_t>{32, 127, 127}));  // 1/sqrt(0.25) = 2 -> 128 -> 127
  // LOGISTIC(0) = 0.5 -> 128 - 128 = 0; large inputs saturate at 127 (exactly 1.0 is 256 - 128).
  auto l = one_op_graph(s8, {{{3}, 0.5f, 0}}, {{}, 1.0f / 256, -128},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.unary(OpKind::logistic, x[0]); });
  EXPECT_EQ(run_typed<std::int8_t>(l, {{0, 127, -128}}), (std::vector<std::int8_t>{0, 127, -128}));
}

// ---- int16 LOGISTIC / TANH: every one of the 65536 inputs ----

void check_sigmoid_s16(OpKind kind, float in_scale, int tolerance) {
  auto g = one_op_graph(s16, {{{65536}, in_scale, 0}}, {{}, 1.0f / 32768, 0},
                        [&](model::GraphBuilder& b, const std::vector<int>& x) { return b.unary(kind, x[0]); });
  std::vector<std::int16_t> x(65536);
  std::iota(x.begin(), x.end(), std::int16_t(-32768));
  std::string kernel;
  const auto got = run_typed<std::int16_t>(g, {x}, &kernel);
  EXPECT_EQ(kernel, kind == OpKind::tanh ? "tanh_s16_ref" : "logistic_s16_ref");
  int worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double r = dequantize_value(x[i], in_scale, 0);
    const double want = kind == OpKind::tanh ? std::tanh(r) : logistic(r);
    worst = std::max(worst, std::abs(int(got[i]) - quantize_value(want, 1.0f / 32768, 0, s16)));
  }
  std::printf("%s s16 input scale %.3g: worst %d steps\n", model::op_name(kind), in_scale, worst);
  EXPECT_LE(worst, tolerance) << model::op_name(kind) << " input scale " << in_scale;
  if (kind == OpKind::logistic) {
    EXPECT_NEAR(got[32768], 16384, 1);  // logistic(0) = 1/2
  } else {
    EXPECT_EQ(got[32768], 0);  // tanh(0)
  }
}

TEST(QuantizedSigmoidS16, EveryInputWithinTheTableTolerance) {
  // TFLite interpolates linearly in a 256-entry table of sigmoid(i / 24): measured 1 (LOGISTIC)
  // and 2 (TANH) steps of 1/32768.
  check_sigmoid_s16(OpKind::logistic, 8.0f / 32768, 3);   // [-8, 8)
  check_sigmoid_s16(OpKind::logistic, 12.0f / 32768, 3);
  check_sigmoid_s16(OpKind::logistic, 1.0f / 4096, 3);    // power of two: TFLite's other path
  check_sigmoid_s16(OpKind::tanh, 4.0f / 32768, 3);
  check_sigmoid_s16(OpKind::tanh, 5.5f / 32768, 3);
  check_sigmoid_s16(OpKind::tanh, 1.0f / 8192, 3);        // power of two
}

// int16 GELU / RSQRT (interpolated 513-entry tables) and RELU over all 65536 inputs.
int worst_s16(OpKind kind, float in_scale, float out_scale, double (*f)(double), bool approximate, const char* kernel_name) {
  auto g = one_op_graph(s16, {{{65536}, in_scale, 0}}, {{}, out_scale, 0}, [&](model::GraphBuilder& b, const std::vector<int>& x) {
    return kind == OpKind::gelu ? b.gelu(x[0], approximate) : b.unary(kind, x[0]);
  });
  std::vector<std::int16_t> x(65536);
  std::iota(x.begin(), x.end(), std::int16_t(-32768));
  std::string kernel;
  const auto got = run_typed<std::int16_t>(g, {x}, &kernel);
  EXPECT_EQ(kernel, kernel_name);
  int worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double r = dequantize_value(x[i], in_scale, 0);
    // TFLite's table spends half its anchors on negative inputs, so near zero (within a few
    // anchors of 1/sqrt's pole) the interpolation is coarse; compared from 1.0 up.
    if (kind == OpKind::rsqrt && r < 1.0) continue;
    worst = std::max(worst, std::abs(int(got[i]) - quantize_value(f(r), out_scale, 0, s16)));
  }
  std::printf("%s s16 input scale %.3g: worst %d steps\n", kernel_name, in_scale, worst);
  return worst;
}

TEST(QuantizedTablesS16, GeluRsqrtReluOverEveryInput) {
  // Linear interpolation between 513 anchors: measured 2 (GELU) and 3 (RSQRT) output steps.
  EXPECT_LE(worst_s16(OpKind::gelu, 8.0f / 32768, 8.0f / 32768, gelu_erf, false, "gelu_s16_ref"), 3);
  EXPECT_LE(worst_s16(OpKind::gelu, 6.0f / 32768, 6.0f / 32768, gelu_tanh, true, "gelu_s16_ref"), 3);
  EXPECT_LE(worst_s16(OpKind::rsqrt, 16.0f / 32768, 5.0f / 32768, rsqrt, false, "rsqrt_s16_ref"), 4);
  EXPECT_LE(worst_s16(OpKind::relu, 3.0f / 32768, 2.0f / 32768, relu, false, "relu_s16_ref"), 1);
  // RSQRT: zero and negatives map to the top of the range (TFLite's table holds the largest
  // output there, biased by its midpoint correction: 29898 and 30010 of 32767 here).
  auto g = one_op_graph(s16, {{{3}, 1.0f / 1024, 0}}, {{}, 1.0f / 4096, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.unary(OpKind::rsqrt, x[0]); });
  const auto y = run_typed<std::int16_t>(g, {{-5, 0, 1024}});
  EXPECT_GT(y[0], 29000);
  EXPECT_GT(y[1], 29000);
  EXPECT_NEAR(y[2], 4096, 2);  // 1/sqrt(1)
}

TEST(SigmoidTable, IsSigmoidOfIOver24InU16) {
  const auto& t = kernels::kSigmoidTableU16;
  for (int i = 0; i < 256; ++i) {
    EXPECT_NEAR(double(t[std::size_t(i)]), std::min(65535.0, 65536.0 / (1.0 + std::exp(-i / 24.0))), 1.5) << i;
    if (i) {
      EXPECT_GE(t[std::size_t(i)], t[std::size_t(i - 1)]);
    }
  }
}

TEST(FixedPointMath, ExpReciprocalAndInvSqrtAgreeWithDouble) {
  // exp on negative values with 5 integer bits (the softmax representation).
  for (double x : {-0.0001, -0.1, -0.25, -0.7, -1.0, -3.3, -8.0, -15.9, -31.0}) {
    const auto raw = static_cast<std::int32_t>(std::lround(x * double(1 << 26)));
    const double got = double(kernels::exp_on_negative_values(raw, 5)) / 2147483648.0;
    EXPECT_NEAR(got, std::exp(x), 5e-7) << x;  // gemmlowp's polynomial: a few 1e-7
  }
  for (double x : {0.0, 0.1, 0.5, 0.9, 0.999}) {
    const auto raw = static_cast<std::int32_t>(std::llround(x * 2147483648.0));
    const double got = double(kernels::one_over_one_plus_x_for_x_in_0_1(raw)) / 2147483648.0;
    EXPECT_NEAR(got, 1.0 / (1.0 + x), 1e-8) << x;
  }
  for (std::int32_t v : {2, 3, 4, 10, 255, 1000, 65535, 1 << 20, 1 << 30}) {
    const auto m = kernels::inv_sqrt_quantized_multiplier(v);
    const double got = double(m.multiplier) * std::ldexp(1.0, m.shift - 31);
    EXPECT_NEAR(got, 1.0 / std::sqrt(double(v)), 2e-6 / std::sqrt(double(v))) << v;  // 5 Newton steps
  }
}

// ---- optimized tier: the reference's integers, for any thread count ----

template <class T>
void check_opt_equals_ref(const model::Graph& g, const std::vector<std::vector<T>>& inputs, const std::string& opt_name) {
  std::vector<std::vector<std::uint8_t>> raw;
  for (const auto& v : inputs) raw.push_back(bytes_of(v));
  const auto ref = run_single_op(g, raw);
  for (int threads : {1, 2, 3}) {
    const auto opt = run_single_op(g, raw, 0, Tier::optimized, threads);
    EXPECT_EQ(opt.kernel, opt_name);
    EXPECT_EQ(opt.output, ref.output) << opt_name << " with " << threads << " threads differs from " << ref.kernel;
  }
}

TEST(QuantizedOptimized, BinaryMeanAndSoftmaxGiveTheReferenceIntegers) {
  std::mt19937 rng(77);
  const std::vector<std::pair<model::Shape, model::Shape>> shapes = {
      {{1, 299, 256}, {1, 299, 1}}, {{1, 299, 256}, {256}}, {{1, 299, 256}, {1, 299, 256}}, {{2, 1, 1, 3}, {1, 2, 5, 1}},
      {{1}, {5, 2}}, {{64, 1}, {1, 300}}};
  for (const auto& [sa, sb] : shapes) {
    for (OpKind k : {OpKind::add, OpKind::sub, OpKind::mul, OpKind::squared_difference}) {
      const QuantSpec qa{sa, 0.02f, 3}, qb{sb, 0.03f, -5}, qy{{}, k == OpKind::squared_difference ? 0.2f : 0.05f, -7};
      auto g = one_op_graph(s8, {qa, qb}, qy, [&](model::GraphBuilder& b, const std::vector<int>& x) {
        return binary_op(b, k, x[0], x[1], k == OpKind::squared_difference ? model::Activation::none : model::Activation::relu);
      });
      std::string name = model::op_name(k);
      for (auto& ch : name) ch = char(std::tolower(ch));
      check_opt_equals_ref<std::int8_t>(g, {random_q<std::int8_t>(rng, std::size_t(model::element_count(sa)), -128, 127),
                                            random_q<std::int8_t>(rng, std::size_t(model::element_count(sb)), -128, 127)},
                                        name + "_s8_opt");
      if (k == OpKind::squared_difference) continue;
      for (bool pot : {false, true}) {
        const QuantSpec pa{sa, pot ? 1.0f / 1024 : 3e-4f, 0}, pb{sb, pot ? 1.0f / 4096 : 2e-4f, 0},
            py{{}, pot ? 1.0f / 1024 : 5e-4f, 0};
        auto g16 = one_op_graph(s16, {pa, pb}, py, [&](model::GraphBuilder& b, const std::vector<int>& x) {
          return binary_op(b, k == OpKind::mul && pot ? OpKind::add : k, x[0], x[1]);
        });
        check_opt_equals_ref<std::int16_t>(
            g16, {random_q<std::int16_t>(rng, std::size_t(model::element_count(sa)), -32768, 32767),
                  random_q<std::int16_t>(rng, std::size_t(model::element_count(sb)), -32768, 32767)},
            (k == OpKind::mul && pot ? std::string("add") : name) + "_s16_opt");
      }
    }
  }
  // int16 requantization extremes: an output multiplier above 1 (left shift, saturation) and
  // an input multiplier near 2^-31 (the longest right shift).
  struct Extreme {
    OpKind op;
    float sa, sb, sy;
  };
  for (const Extreme& e : {Extreme{OpKind::mul, 3e-4f, 2e-4f, 2e-9f}, Extreme{OpKind::mul, 1e-2f, 1e-2f, 1e-7f},
                           Extreme{OpKind::add, 1e-3f, 1e-11f, 1e-6f}, Extreme{OpKind::sub, 1e-11f, 1e-3f, 1e-6f},
                           Extreme{OpKind::add, 1e-3f, 7e-4f, 6.2e-8f}}) {
    auto g16 = one_op_graph(s16, {{{64, 300}, e.sa, 0}, {{64, 300}, e.sb, 0}}, {{}, e.sy, 0},
                            [&](model::GraphBuilder& b, const std::vector<int>& x) { return binary_op(b, e.op, x[0], x[1]); });
    std::string name = model::op_name(e.op);
    for (auto& ch : name) ch = char(std::tolower(ch));
    check_opt_equals_ref<std::int16_t>(g16, {random_q<std::int16_t>(rng, 64 * 300, -32768, 32767),
                                             random_q<std::int16_t>(rng, 64 * 300, -32768, 32767)},
                                       name + "_s16_opt");
  }
  struct MeanCase {
    model::Shape shape;
    std::vector<int> axes;
  };
  for (const MeanCase& m : {MeanCase{{1, 299, 256}, {-1}}, MeanCase{{2, 5, 3}, {1}}, MeanCase{{2, 3, 4, 5}, {1, 2}},
                            MeanCase{{4, 1, 7}, {0, 1}}, MeanCase{{3, 9}, {0, 1}}}) {
    auto g8 = one_op_graph(s8, {{m.shape, 0.03f, 7}}, {{}, 0.02f, -3},
                           [&](model::GraphBuilder& b, const std::vector<int>& x) { return b.mean(x[0], m.axes, true); });
    check_opt_equals_ref<std::int8_t>(g8, {random_q<std::int8_t>(rng, std::size_t(model::element_count(m.shape)), -128, 127)},
                                      "mean_s8_opt");
    auto g16 = one_op_graph(s16, {{m.shape, 1e-4f, 0}}, {{}, 7e-5f, 0},
                            [&](model::GraphBuilder& b, const std::vector<int>& x) { return b.mean(x[0], m.axes, false); });
    check_opt_equals_ref<std::int16_t>(
        g16, {random_q<std::int16_t>(rng, std::size_t(model::element_count(m.shape)), -32768, 32767)}, "mean_s16_opt");
  }
  for (const model::Shape& shape : {model::Shape{1, 2, 37, 299}, model::Shape{3, 5}, model::Shape{1, 1}}) {
    auto g8 = one_op_graph(s8, {{shape, 0.07f, 4}}, {{}, 1.0f / 256, -128},
                           [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
    check_opt_equals_ref<std::int8_t>(g8, {random_q<std::int8_t>(rng, std::size_t(model::element_count(shape)), -128, 127)},
                                      "softmax_s8_opt");
    auto g16 = one_op_graph(s16, {{shape, 3e-4f, 0}}, {{}, 1.0f / 32768, 0},
                            [](model::GraphBuilder& b, const std::vector<int>& x) { return b.softmax(x[0]); });
    check_opt_equals_ref<std::int16_t>(
        g16, {random_q<std::int16_t>(rng, std::size_t(model::element_count(shape)), -32768, 32767)},
        kernels::softmax_s16_rows_avx512() ? "softmax_s16_avx512" : "softmax_s16_opt");
  }
}

// ---- data movement ----

TEST(QuantizedShapeOps, ReshapeTransposeConcatenationMoveIntegersExactly) {
  std::mt19937 rng(5);
  const QuantSpec q{{2, 3, 4}, 0.1f, 3};
  auto t = one_op_graph(s8, {q}, {{}, 0.1f, 3},
                        [](model::GraphBuilder& b, const std::vector<int>& x) { return b.transpose(x[0], {2, 0, 1}); });
  const auto x = random_q<std::int8_t>(rng, 24, -128, 127);
  std::string kernel;
  const auto y = run_typed<std::int8_t>(t, {x}, &kernel);
  EXPECT_EQ(kernel, "transpose_s8_ref");
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(y[std::size_t(k * 6 + i * 3 + j)], x[std::size_t(i * 12 + j * 4 + k)]);

  const QuantSpec q16{{2, 3}, 0.001f, 0};
  auto c = one_op_graph(s16, {q16, {{2, 1}, 0.001f, 0}}, {{}, 0.001f, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& xs) { return b.concatenation(xs, -1); });
  const auto y16 = run_typed<std::int16_t>(c, {{1, 2, 3, 4, 5, 6}, {-7, 32767}}, &kernel);
  EXPECT_EQ(kernel, "concatenation_s16_ref");
  EXPECT_EQ(y16, (std::vector<std::int16_t>{1, 2, 3, -7, 4, 5, 6, 32767}));

  auto r = one_op_graph(s16, {q16}, {{}, 0.001f, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& xs) { return b.reshape(xs[0], {3, 2}); });
  EXPECT_EQ(run_typed<std::int16_t>(r, {{1, -2, 3, -4, 5, -32768}}, &kernel), (std::vector<std::int16_t>{1, -2, 3, -4, 5, -32768}));
  EXPECT_EQ(kernel, "reshape_s16");
}

TEST(QuantizedShapeOps, ConcatenationRefusesInputsOnAnotherGrid) {
  auto c = one_op_graph(s8, {{{2, 3}, 0.1f, 0}, {{2, 1}, 0.2f, 0}}, {{}, 0.1f, 0},
                        [](model::GraphBuilder& b, const std::vector<int>& xs) { return b.concatenation(xs, -1); });
  try {
    run_typed<std::int8_t>(c, {{1, 2, 3, 4, 5, 6}, {7, 8}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CONCATENATION"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nilm::runtime::testing
