// The integer reference kernels: (a) hand-computed cases of TFLite's integer formulas (rounding
// of halves, zero points, saturation, clamps) on the kernels directly; (b) one-op quantized
// graphs on random shapes through Model / Interpreter (float inputs and outputs) against the
// float op on the dequantized values: within one output step.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "runtime/fold_dequantize.h"
#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int_reference.h"
#include "quantized_graphs.h"
#include "runtime_test_util.h"

namespace nilm::runtime::testing {
namespace {

using namespace nilm::runtime::kernels;
using model::ElementType;

Requantization requant(std::vector<double> multipliers, std::int32_t in_zp, std::int32_t out_zp,
                       std::int32_t lo = -128, std::int32_t hi = 127) {
  Requantization rq;
  for (double m : multipliers) rq.multipliers.push_back(quantize_multiplier(m));
  rq.input_offset = -in_zp;
  rq.output_offset = out_zp;
  rq.act_min = lo;
  rq.act_max = hi;
  return rq;
}

TEST(IntKernels, QuantizeRoundsHalfAwayFromZeroAndSaturates) {
  const std::vector<float> x{-1.0f, 0.25f, 0.3f, -0.25f, 100.f, -100.f, 0.f};
  std::vector<std::int8_t> q(x.size());
  quantize_f32_s8_ref(x.size(), x.data(), 0.5f, -1, q.data());
  // -2 - 1; round(0.5) = 1 -> 0; round(0.6) = 1 -> 0; round(-0.5) = -1 -> -2; clamps; zp.
  EXPECT_EQ(q, (std::vector<std::int8_t>{-3, 0, 0, -2, 127, -128, -1}));
  std::vector<std::int16_t> q16(x.size());
  quantize_f32_s16_ref(x.size(), x.data(), 0.001f, 0, q16.data());
  EXPECT_EQ(q16, (std::vector<std::int16_t>{-1000, 250, 300, -250, 32767, -32768, 0}));
}

TEST(IntKernels, RequantizeUsesTheFixedPointMultiplier) {
  const std::vector<std::int8_t> x{-128, -3, 0, 5, 127};
  std::vector<std::int8_t> y(x.size());
  // scale ratio 0.5, zp -1 -> 3: (q + 1) * 0.5 + 3 with halves rounded up by the high mul.
  requantize_ref(x.size(), x.data(), -1, quantize_multiplier(0.5), 3, y.data());
  EXPECT_EQ(y, (std::vector<std::int8_t>{-60, 2, 4, 6, 67}));
  std::vector<std::int16_t> y16(x.size());
  requantize_ref(x.size(), x.data(), 0, quantize_multiplier(300.0), 0, y16.data());  // > 1, saturates
  EXPECT_EQ(y16, (std::vector<std::int16_t>{-32768, -900, 0, 1500, 32767}));
}

TEST(IntKernels, DequantizePerTensorPerChannelAndHalf) {
  const std::vector<std::int8_t> x{-128, 0, 127, 1, 2, 3};
  const std::vector<float> scales{0.5f, 0.25f};
  const std::vector<std::int64_t> zeros{-128, 1};
  std::vector<float> y(x.size());
  dequantize_ref(x.size(), x.data(), scales.data(), zeros.data(), 2, 3, y.data());  // [2, 3], axis 0
  EXPECT_EQ(y, (std::vector<float>{0.f, 64.f, 127.5f, 0.f, 0.25f, 0.5f}));
  EXPECT_EQ(half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(half_to_float(0xC000), -2.0f);
  EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isinf(half_to_float(0x7C00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

TEST(IntKernels, ConvInt8HandCase) {
  // input [1,1,3,1] q {1, 5, 0} zp 1; weights [1,1,2,1] {2, -1}; bias -7; multiplier 0.5; out zp -2.
  ConvParams p;
  p.in_w = 3;
  p.out_w = 2;
  p.k_w = 2;
  const std::vector<std::int8_t> x{1, 5, 0}, w{2, -1};
  const std::vector<std::int32_t> bias{-7};
  std::vector<std::int8_t> y(2);
  conv2d_s8_ref(p, requant({0.5}, 1, -2), x.data(), w.data(), bias.data(), y.data());
  // pos 0: 2*0 - 4 - 7 = -11 -> -5.5 rounds up to -5 -> -7; pos 1: 8 + 1 - 7 = 2 -> 1 -> -1.
  EXPECT_EQ(y, (std::vector<std::int8_t>{-7, -1}));
  // 'same' padding: the padded position contributes nothing (it stands for the zero point).
  p.out_w = 3;
  p.pad_left = 0;  // kernel 2, total padding 1: 0 before, 1 after
  std::vector<std::int8_t> y3(3);
  conv2d_s8_ref(p, requant({0.5}, 1, -2), x.data(), w.data(), bias.data(), y3.data());
  // pos 2: 2 * (0 - 1) - 7 = -9 -> -4.5 -> -4 -> -6.
  EXPECT_EQ(y3, (std::vector<std::int8_t>{-7, -1, -6}));
  // relu clamp at the output zero point.
  auto rq = requant({0.5}, 1, -2);
  rq.act_min = -2;
  conv2d_s8_ref(p, rq, x.data(), w.data(), bias.data(), y3.data());
  EXPECT_EQ(y3, (std::vector<std::int8_t>{-2, -1, -2}));
}

TEST(IntKernels, ConvAndFullyConnectedPerChannelMultipliers) {
  FcParams p;
  p.rows = 2;
  p.depth = 2;
  p.outputs = 2;
  const std::vector<std::int8_t> x{10, -20, 3, 4}, w{1, 2, -3, 1};
  const std::vector<std::int32_t> bias{100, -100};
  std::vector<std::int8_t> y(4);
  fully_connected_s8_ref(p, requant({0.25, 2.0}, 0, 0), x.data(), w.data(), bias.data(), y.data());
  // row 0: (10 - 40 + 100) * 0.25 = 17.5 -> 18; (-30 - 20 - 100) * 2 = -300 -> -128
  // row 1: (3 + 8 + 100) * 0.25 = 27.75 -> 28; (-9 + 4 - 100) * 2 = -210 -> -128
  EXPECT_EQ(y, (std::vector<std::int8_t>{18, -128, 28, -128}));
}

TEST(IntKernels, Int16x8FullyConnectedUses64BitAccumulators) {
  FcParams p;
  p.rows = 1;
  p.depth = 2;
  p.outputs = 3;
  const std::vector<std::int16_t> x{1000, -2000};
  const std::vector<std::int8_t> w{3, 4, 127, -127, 0, 0};
  const std::vector<std::int64_t> bias{10000, 0, std::int64_t{1} << 40};
  std::vector<std::int16_t> y(3);
  fully_connected_s16s8_ref(p, requant({0.5, 2.0, std::ldexp(1.0, -30)}, 0, 0, -32768, 32767), x.data(), w.data(),
                            bias.data(), y.data());
  // 3000 - 8000 + 10000 = 5000 -> 2500; 381000 * 2 saturates; 2^40 * 2^-30 = 1024.
  EXPECT_EQ(y, (std::vector<std::int16_t>{2500, 32767, 1024}));
}

TEST(IntKernels, BatchMatMulInt8ZeroPointsOnBothSides) {
  BatchMatMulParams p;
  p.m = 1;
  p.k = 2;
  p.n = 1;
  const std::vector<std::int8_t> a{3, -4}, b{5, 7};
  std::vector<std::int8_t> y(1);
  Requantization rq = requant({0.25}, 2, 3);
  rq.weights_offset = 1;  // rhs zero point -1
  batch_matmul_s8_ref(p, rq, a.data(), b.data(), y.data());
  // (1)(6) + (-6)(8) = -42; * 0.25: high mul -21, then /2 -> -10.5 away from zero -> -11; + 3.
  EXPECT_EQ(y[0], -8);
}

TEST(IntKernels, PoolingRoundsAveragesAwayFromZero) {
  PoolParams p;
  p.in_w = 5;
  p.out_w = 3;
  p.k_w = 2;
  p.stride_w = 2;  // windows {0,1} {2,3} {4} (valid would give 2; 'same' pads after)
  const std::vector<std::int8_t> x{-3, -2, 3, 2, 7};
  std::vector<std::int8_t> y(3);
  average_pool_int_ref(p, -128, 127, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<std::int8_t>{-3, 3, 7}));  // -2.5 -> -3, 2.5 -> 3, only real samples
  max_pool_int_ref(p, -1, 5, x.data(), y.data());      // clamp of a fused activation
  EXPECT_EQ(y, (std::vector<std::int8_t>{-1, 3, 5}));
  const std::vector<std::int16_t> x16{1, 2, 2, -30000, -30001, 0};
  PoolParams q;
  q.in_w = 6;
  q.out_w = 2;
  q.k_w = 3;
  q.stride_w = 3;
  std::vector<std::int16_t> y16(2);
  average_pool_int_ref(q, -32768, 32767, x16.data(), y16.data());
  EXPECT_EQ(y16, (std::vector<std::int16_t>{2, -20000}));  // 5/3 -> 2; -60001/3 = -20000.33 -> -20000
}

TEST(IntKernels, HybridQuantizationOfInputs) {
  const std::vector<float> x{0.5f, -1.0f};
  std::vector<std::int8_t> q(2);
  EXPECT_EQ(symmetric_quantize_floats(x.data(), 2, q.data()), 1.0f / 127.0f);
  EXPECT_EQ(q, (std::vector<std::int8_t>{64, -127}));  // 63.5 rounds away from zero
  std::int32_t offset = 0;
  const float scale = asymmetric_quantize_floats(x.data(), 2, q.data(), offset);
  EXPECT_FLOAT_EQ(scale, 1.5f / 255.f);
  EXPECT_EQ(offset, 42);  // -128 + 1 / (1.5 / 255) = 42
  EXPECT_EQ(q, (std::vector<std::int8_t>{127, -128}));
  const std::vector<float> zeros{0.f, 0.f, 0.f};
  std::vector<std::int8_t> qz(3, 5);
  EXPECT_EQ(symmetric_quantize_floats(zeros.data(), 3, qz.data()), 1.f);
  EXPECT_EQ(qz, (std::vector<std::int8_t>{0, 0, 0}));
}

TEST(IntKernels, HybridFullyConnectedHandCase) {
  FcParams p;
  p.rows = 1;
  p.depth = 2;
  p.outputs = 2;
  const std::vector<float> x{0.5f, -1.0f}, bias{0.25f, -0.5f}, scales{0.1f, 0.2f};
  const std::vector<std::int8_t> w{2, 1, 1, 0};
  std::vector<std::byte> memory(hybrid_scratch_bytes(1, 2));
  std::vector<float> y(2);
  fully_connected_f32s8_hybrid_ref(p, scales.data(), 2, false, x.data(), w.data(), bias.data(), y.data(),
                                   hybrid_scratch(memory.data(), 1, 2));
  // symmetric q {64, -127}: dots 1 and 64
  EXPECT_EQ(y[0], 0.25f + 1.f * ((1.f / 127.f) * 0.1f));
  EXPECT_EQ(y[1], -0.5f + 64.f * ((1.f / 127.f) * 0.2f));
  fully_connected_f32s8_hybrid_ref(p, scales.data(), 2, true, x.data(), w.data(), bias.data(), y.data(),
                                   hybrid_scratch(memory.data(), 1, 2));
  // asymmetric q {127, -128}, offset 42: 2*85 + 1*(-170) = 0; 1*85 = 85
  EXPECT_EQ(y[0], 0.25f);
  EXPECT_EQ(y[1], -0.5f + 85.f * (float(1.5 / 255.0) * 0.2f));
}

// ---- whole graphs through Model / Interpreter ----

void expect_within_one_step(const QuantCase& c) {
  SCOPED_TRACE(c.name);
  EXPECT_EQ(kernel_of(c.quantized, c.quantized.ops[c.quantized.ops.size() > 2 ? c.quantized.ops.size() - 2 : 0].kind),
            c.kernel);
  const std::vector<float> got = run_float_io(c.quantized, c.inputs);
  const std::vector<float> twin = run_float_io(c.float_twin, c.twin_inputs);
  ASSERT_EQ(got.size(), twin.size());
  const double steps = worst_steps(c, got, twin);
  EXPECT_LE(steps, 1.0 + 1e-4) << c.name;  // float noise of the dequantized values
}

TEST(IntGraphs, ConvAndFullyConnectedInt8AndInt16WithinOneStepOfFloat) {
  std::mt19937 rng(5);
  for (int i = 0; i < 24; ++i) {
    LayerShape s;
    s.conv = i % 2 == 0;
    s.batch = 1 + i % 3;
    s.width = random_int(rng, 1, 40);
    s.in_c = random_int(rng, 1, 9);
    s.out_c = random_int(rng, 1, 12);
    s.kernel = random_int(rng, 1, std::min(5, s.width));
    s.stride = random_int(rng, 1, 2);
    s.padding = i % 3 ? model::Padding::same : model::Padding::valid;
    s.act = i % 4 == 1 ? model::Activation::relu : (i % 4 == 3 ? model::Activation::relu6 : model::Activation::none);
    s.dead_channel = i % 5 == 0 ? 0 : -1;
    for (QuantKind k : {QuantKind::s8, QuantKind::s16}) expect_within_one_step(layer_case(k, s, 100 + std::uint32_t(i)));
  }
}

// The optimized variants (portable, AVX2, AVX-512 VNNI) are bit-identical to the reference
// kernels, for any thread count; each CPU-feature mask gets the intended variant.
TEST(IntGraphs, OptimizedConvAndFullyConnectedAreBitIdenticalToTheReference) {  // int8, int16x8, hybrid
  const CpuFeatures all = detect_cpu_features();
  struct Variant { CpuFeatures mask; const char* suffix; };
  std::vector<Variant> variants{{cpu_none, "opt"}};
  if (all & cpu_avx2) variants.push_back({cpu_avx2 | cpu_fma, "avx2"});
  const bool vnni = (all & cpu_avx512vnni) && kernels::qgemm_s8_avx512vnni();
  if (vnni) variants.push_back({all, "avx512vnni"});
  if (all & cpu_neon) variants.push_back({cpu_neon, "neon"});                          // AArch64
  if (all & cpu_dotprod) variants.push_back({cpu_neon | cpu_dotprod, "neon_dotprod"});  // AArch64
  std::mt19937 rng(15);
  for (int i = 0; i < 16; ++i) {
    LayerShape s;
    s.conv = i % 2 == 0;
    s.batch = !s.conv && i % 4 == 1 ? random_int(rng, 8, 45) : 1 + i % 3;  // 8+ rows: packed dense
    s.width = random_int(rng, 1, 70);
    s.in_c = s.conv ? random_int(rng, 1, 40) : random_int(rng, 1, 300);
    s.out_c = random_int(rng, 1, 19);
    s.kernel = random_int(rng, 1, std::min(5, s.width));
    s.stride = random_int(rng, 1, 2);
    s.padding = i % 3 ? model::Padding::same : model::Padding::valid;
    s.act = i % 4 == 1 ? model::Activation::relu : model::Activation::none;
    for (QuantKind k : {QuantKind::s8, QuantKind::s16, QuantKind::hybrid, QuantKind::hybrid_asymmetric}) {
      if (k == QuantKind::hybrid_asymmetric && s.conv) continue;
      const QuantCase c = layer_case(k, s, 700 + std::uint32_t(i));
      SCOPED_TRACE(c.name);
      const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
      const model::OpKind op = s.conv ? model::OpKind::conv2d : model::OpKind::fully_connected;
      for (const Variant& v : variants) {
        std::string suffix = v.suffix;  // int16x8 has no VNNI or SDOT variant: the next best one
        if (k == QuantKind::s16 && suffix == "avx512vnni") suffix = "avx512";  // AVX-512 F/BW/DQ
        // AArch64: int16x8 has a baseline NEON variant, int8 and hybrid need the dot product
        if (suffix == "neon_dotprod" && k == QuantKind::s16) suffix = "neon";
        if (suffix == "neon" && k != QuantKind::s16) suffix = "opt";
        const std::string base = c.kernel.substr(0, c.kernel.size() - 3);  // drop "ref"
        EXPECT_EQ(kernel_of(c.quantized, op, Tier::optimized, v.mask), base + suffix);
        for (int threads : {1, 2, 3})
          EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads, v.mask), want)
              << v.suffix << ", " << threads << " threads";
      }
    }
  }
}

TEST(IntGraphs, WeightsOfMinus128AvoidTheAvx2Kernels) {
  if (!(detect_cpu_features() & cpu_avx2)) GTEST_SKIP() << "no AVX2";
  for (bool conv : {true, false}) {
    LayerShape s;
    s.conv = conv;
    s.in_c = 40;
    QuantCase c = layer_case(QuantKind::s8, s, 77);
    for (auto& t : c.quantized.tensors)
      if (t.name == "w_q") {
        std::vector<std::uint8_t> bytes(t.data.data(), t.data.data() + t.data.size());
        bytes[3] = 0x80;  // -128: outside TFLite's symmetric range, still a valid int8
        t.data = model::ConstantData(std::move(bytes));
      }
    const model::OpKind op = conv ? model::OpKind::conv2d : model::OpKind::fully_connected;
    EXPECT_EQ(kernel_of(c.quantized, op, Tier::optimized, cpu_avx2 | cpu_fma), c.kernel.substr(0, c.kernel.size() - 3) + "opt");
    EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, 2), run_float_io(c.quantized, c.inputs, Tier::reference));
  }
}

TEST(IntGraphs, OptimizedBatchMatMulIsBitIdenticalToTheReference) {
  const CpuFeatures all = detect_cpu_features();
  std::vector<std::pair<CpuFeatures, std::string>> variants;
  if ((all & cpu_avx512vnni) && kernels::qgemm_s8_avx512vnni()) variants.push_back({all, "batch_matmul_s8_avx512vnni"});
  if (variants.empty()) GTEST_SKIP() << "no optimized int8 batch matmul on this CPU";
  std::mt19937 rng(16);
  for (int i = 0; i < 12; ++i) {
    const QuantCase c = matmul_case(false, 1 + i % 3, random_int(rng, 1, 70), random_int(rng, 1, 70),
                                    random_int(rng, 1, 40), i % 2 == 1, i % 4 >= 2, 800 + std::uint32_t(i));
    SCOPED_TRACE(c.name);
    const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
    for (const auto& [mask, name] : variants) {
      EXPECT_EQ(kernel_of(c.quantized, model::OpKind::batch_matmul, Tier::optimized, mask), name);
      for (int threads : {1, 2, 3})
        EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads, mask), want) << name << " " << threads;
    }
  }
}

TEST(IntGraphs, OptimizedPoolsAreBitIdenticalToTheReference) {
  std::mt19937 rng(17);
  for (int i = 0; i < 16; ++i) {
    const int width = random_int(rng, 1, 60);
    const QuantCase c = pool_case(i % 2 == 1, i % 4 < 2, 1 + i % 3, width, random_int(rng, 1, 40),
                                  random_int(rng, 1, std::min(5, width)), random_int(rng, 1, 3),
                                  i % 3 ? model::Padding::same : model::Padding::valid,
                                  i % 5 == 0 ? model::Activation::relu6 : model::Activation::none, 900 + std::uint32_t(i));
    SCOPED_TRACE(c.name);
    const model::OpKind op = i % 4 < 2 ? model::OpKind::max_pool2d : model::OpKind::average_pool2d;
    EXPECT_EQ(kernel_of(c.quantized, op, Tier::optimized), c.kernel.substr(0, c.kernel.size() - 3) + "opt");
    const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
    for (int threads : {1, 2, 3}) EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads), want);
  }
}

TEST(IntGraphs, HybridLayersMatchTheFloatLayerWithinTheInputQuantizationError) {
  std::mt19937 rng(6);
  for (int i = 0; i < 16; ++i) {
    LayerShape s;
    s.conv = i % 2 == 0;
    s.batch = 1 + i % 3;
    s.width = random_int(rng, 2, 30);
    s.in_c = random_int(rng, 1, 8);
    s.out_c = random_int(rng, 1, 10);
    s.kernel = random_int(rng, 1, std::min(4, s.width));
    s.act = i % 3 == 1 ? model::Activation::relu : model::Activation::none;
    const QuantKind k = i % 4 < 2 ? QuantKind::hybrid : QuantKind::hybrid_asymmetric;
    const QuantCase c = layer_case(k, s, 300 + std::uint32_t(i));
    SCOPED_TRACE(c.name);
    EXPECT_EQ(kernel_of(c.quantized, s.conv ? model::OpKind::conv2d : model::OpKind::fully_connected), c.kernel);
    const std::vector<float> got = run_float_io(c.quantized, c.inputs);
    const std::vector<float> twin = run_float_io(c.float_twin, c.twin_inputs);
    // Each input is off by at most half a step of its row's grid (max|x| / 127, or range / 255),
    // so each output by at most sum |w| * step / 2 <= patch * 0.5 * 0.5 * (1 / 127).
    const int patch = s.conv ? s.kernel * s.in_c : s.in_c;
    EXPECT_TRUE(close(got, twin, 0.f, float(patch) * 0.25f / 127.f + 1e-5f));
  }
}

TEST(IntGraphs, BatchMatMulAndPoolingWithinOneStepOfFloat) {
  std::mt19937 rng(7);
  for (int i = 0; i < 12; ++i) {
    const bool int16 = i % 2 == 1;
    expect_within_one_step(matmul_case(int16, 1 + i % 3, random_int(rng, 1, 9), random_int(rng, 1, 33),
                                       random_int(rng, 1, 9), i % 4 >= 2, i % 3 == 0, 500 + std::uint32_t(i)));
    const int width = random_int(rng, 1, 40);
    expect_within_one_step(pool_case(int16, i % 3 != 0, 1 + i % 2, width, random_int(rng, 1, 6),
                                     random_int(rng, 1, std::min(4, width)), random_int(rng, 1, 3),
                                     i % 2 ? model::Padding::same : model::Padding::valid,
                                     i % 5 == 0 ? model::Activation::relu : model::Activation::none,
                                     600 + std::uint32_t(i)));
  }
}

TEST(IntGraphs, QuantizeDequantizeRoundTripsAndRequantizes) {
  std::mt19937 rng(8);
  const std::vector<float> x = uniform(rng, 257, -2.f, 2.f);
  for (auto [t, scale, zero] : {std::tuple{ElementType::i8, 4.f / 255.f, std::int64_t{-1}},
                                std::tuple{ElementType::i16, 2.f / 32767.f, std::int64_t{0}}}) {
    model::GraphBuilder g;
    const int in = g.input("x", {257});
    const int q = g.quantize(in, t, model::Quantization{{scale}, {zero}, 0});
    // requantize to a coarser grid of the other width, then back to float
    const ElementType other = t == ElementType::i8 ? ElementType::i16 : ElementType::i8;
    const float scale2 = other == ElementType::i8 ? 4.f / 255.f : 2.f / 32767.f;
    const std::int64_t zero2 = other == ElementType::i8 ? 3 : 0;
    const int r = g.quantize(q, other, model::Quantization{{scale2}, {zero2}, 0});
    g.output(g.dequantize(q));
    g.output(g.dequantize(r));
    const model::Graph graph = g.finish();
    const Model m = Model::from_graph(graph, {Tier::optimized, detect_cpu_features()}, "round trip");
    Interpreter run(m, 1);
    std::copy(x.begin(), x.end(), run.input(0));
    run.invoke();
    const Grid g1{scale, zero, t == ElementType::i8 ? -128. : -32768., t == ElementType::i8 ? 127. : 32767.};
    const Grid g2{scale2, zero2, other == ElementType::i8 ? -128. : -32768., other == ElementType::i8 ? 127. : 32767.};
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(run.output(0)[i], snap(x[i], g1)) << i;  // exact: the same rounding rule
      EXPECT_LE(std::abs(run.output(1)[i] - snap(run.output(0)[i], g2)), scale2 * 1.0001f) << i;
    }
  }
}

TEST(IntGraphs, ConstantDequantizeIsFoldedSoFloatKernelsSeeConstantWeights) {
  // f16 weights -> DEQUANTIZE -> FULLY_CONNECTED (TFLite's float16 mode).
  std::mt19937 rng(9);
  const std::vector<float> w = uniform(rng, 8 * 16, -1.f, 1.f);
  std::vector<std::uint16_t> half(w.size());
  std::vector<float> w_rounded(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {  // crude f32 -> f16 for normal values: keep 10 mantissa bits
    std::uint32_t bits;
    std::memcpy(&bits, &w[i], 4);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const int exponent = int((bits >> 23) & 0xFF) - 127 + 15;
    half[i] = exponent <= 0 ? std::uint16_t(sign) : std::uint16_t(sign | (std::uint32_t(exponent) << 10) | ((bits >> 13) & 0x3FFu));
    w_rounded[i] = half_to_float(half[i]);
  }
  model::GraphBuilder g;
  const int x = g.input("x", {2, 16});
  const int wh = g.constant_raw("w16", {8, 16}, ElementType::f16, bytes_of(half));
  g.output(g.fully_connected(x, g.dequantize(wh), -1));
  const model::Graph graph = g.finish();
  model::GraphBuilder t;
  t.output(t.fully_connected(t.input("x", {2, 16}), t.constant("w", {8, 16}, w_rounded), -1));
  const model::Graph twin = t.finish();
  const Model m = Model::from_graph(graph, {Tier::optimized, detect_cpu_features()}, "f16");
  EXPECT_EQ(m.node_count(), 1);
  const auto in = uniform(rng, 32, -1.f, 1.f);
  EXPECT_EQ(run_float_io(graph, {in}, Tier::optimized), run_float_io(twin, {in}, Tier::optimized));
  EXPECT_EQ(run_float_io(graph, {in}, Tier::reference), run_float_io(twin, {in}, Tier::reference));
  model::Graph copy = graph;
  EXPECT_EQ(fold_constant_dequantize(copy), 1);
  EXPECT_TRUE(copy.tensor(copy.ops[0].inputs[1]).is_constant());
}

TEST(IntGraphs, MissingQuantizationParametersAreAClearError) {
  LayerShape s;
  QuantCase c = layer_case(QuantKind::s8, s, 1);
  for (auto& t : c.quantized.tensors)
    if (t.name == "y") t.quantization.reset();
  try {
    (void)Model::from_graph(c.quantized, {}, "broken.tflite");
    FAIL() << "accepted an int8 tensor without quantization";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.tflite"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nilm::runtime::testing
