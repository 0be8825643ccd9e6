// quantize() writes TFLite's quantization spec: checked on small graphs built by hand (bias
// scales, zero points, fixed output scales, same-scale ops, conversions at float edges, per-mode
// types), on the plan for the full-size transformer, and on sizes for the full-size CNN.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "convert/aggregate_windows.h"
#include "convert/convert.h"
#include "convert/random_checkpoint.h"
#include "core/error.h"
#include "model/builder.h"
#include "model/tflite.h"
#include "quant/calibration.h"
#include "quant/quant_math.h"
#include "quant/quantize.h"

namespace nilm::quant {
namespace {

using model::ElementType;
using model::Graph;
using model::OpKind;

std::vector<float> randoms(std::size_t n, std::uint64_t seed, float scale) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(gen);
  return v;
}

// input [1,16,1] -> conv1d (4 filters k3, filter 2 dead, relu) -> max_pool -> flatten ->
// dense 32 -> 64 (relu) -> dense 3 -> softmax; dense weights of 2048 elements (hybrid size).
Graph small_cnn() {
  model::GraphBuilder b;
  const int x = b.input("aggregate", {1, 16, 1});
  std::vector<float> w = randoms(12, 1, 0.5f);
  for (int k = 0; k < 3; ++k) w[std::size_t(2 * 3 + k)] = 0.0f;  // dead channel 2
  const int c = b.conv1d(x, b.constant("conv/w", {4, 1, 3, 1}, w), b.constant("conv/b", {4}, {0.1f, -0.2f, 0.3f, 0.0f}),
                         model::Padding::same, model::Activation::relu);
  b.rename(c, "conv");
  const int p = b.max_pool1d(c, 2, 2, model::Padding::same);
  b.rename(p, "pool");
  const int f = b.flatten(p);  // [1, 32]
  const int d1 = b.fully_connected(f, b.constant("dense1/w", {64, 32}, randoms(2048, 2, 0.3f)),
                                   b.constant("dense1/b", {64}, randoms(64, 3, 0.1f)), model::Activation::relu);
  b.rename(d1, "dense1");
  const int d2 = b.fully_connected(d1, b.constant("dense2/w", {3, 64}, randoms(192, 4, 0.3f)),
                                   b.constant("dense2/b", {3}, {0.0f, 0.5f, -0.5f}));
  b.rename(d2, "dense2");
  const int s = b.softmax(d2);
  b.rename(s, "prediction");
  b.output(s);
  b.set_metadata("nilm.appliance", "kettle");
  return b.finish();
}

std::vector<float> windows(std::size_t count, int window) {
  std::vector<float> v = randoms(count * std::size_t(window), 9, 2.0f);
  return v;
}

Calibration calibrated(const Graph& g, RangeEstimator e = RangeEstimator::minmax) {
  const auto w = windows(32, 16);
  CalibrationOptions o;
  o.estimator = e;
  return calibrate(g, w.data(), 32, o);
}

int find(const Graph& g, const std::string& name) {
  for (std::size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].name == name) return int(i);
  ADD_FAILURE() << "no tensor " << name;
  return -1;
}

const model::Op& first_op(const Graph& g, OpKind kind) {
  for (const auto& op : g.ops)
    if (op.kind == kind) return op;
  throw Error("no such op");
}

const model::Op& producer(const Graph& g, int t) {
  for (const auto& op : g.ops)
    for (int o : op.outputs)
      if (o == t) return op;
  throw Error("no producer");
}

TEST(Quantize, FullIntegerFollowsTheSpec) {
  const Graph g = small_cnn();
  const Calibration cal = calibrated(g);
  QuantizeOptions o;
  o.mode = Mode::w8_a8;
  const Graph q = quantize(g, cal, o);  // validate()s
  // float I/O: QUANTIZE first, DEQUANTIZE last
  EXPECT_EQ(q.tensor(q.inputs[0]).type, ElementType::f32);
  EXPECT_EQ(q.tensor(q.outputs[0]).type, ElementType::f32);
  EXPECT_EQ(q.ops.front().kind, OpKind::quantize);
  EXPECT_EQ(q.ops.back().kind, OpKind::dequantize);
  EXPECT_EQ(q.tensor(q.outputs[0]).name, "prediction/dequantized");
  EXPECT_EQ(q.metadata.at("nilm.quantization"), "w8_a8");
  EXPECT_EQ(q.metadata.at("nilm.appliance"), "kettle");
  // input quantized with its calibrated range
  const auto& in_q = *q.tensor(find(q, "aggregate/quantized")).quantization;
  const QuantParams expect_in = asymmetric_params(cal.ranges[std::size_t(g.inputs[0])].min, cal.ranges[std::size_t(g.inputs[0])].max);
  EXPECT_FLOAT_EQ(in_q.scales[0], expect_in.scale);
  EXPECT_EQ(in_q.zero_points[0], expect_in.zero_point);
  // conv: int8 per-channel weights (axis 0, zero points 0, dead channel scale > 0), int32 bias
  // with scale input x weight scale, output with its calibrated range
  const model::Op& conv = first_op(q, OpKind::conv2d);
  const auto& x = q.tensor(conv.inputs[0]);
  const auto& w = q.tensor(conv.inputs[1]);
  const auto& bias = q.tensor(conv.inputs[2]);
  EXPECT_EQ(x.type, ElementType::i8);
  EXPECT_EQ(w.type, ElementType::i8);
  EXPECT_EQ(w.name, "conv/w");
  ASSERT_EQ(w.quantization->scales.size(), 4u);
  EXPECT_EQ(w.quantization->axis, 0);
  for (std::size_t c = 0; c < 4; ++c) {
    EXPECT_GT(w.quantization->scales[c], 0.0f);
    EXPECT_EQ(w.quantization->zero_points[c], 0);
    EXPECT_FLOAT_EQ(bias.quantization->scales[c], x.quantization->scales[0] * w.quantization->scales[c]);
    EXPECT_EQ(bias.quantization->zero_points[c], 0);
    // bias values round(b / (s_in s_w))
    const float b = g.tensor(find(g, "conv/b")).data.as<float>()[c];
    EXPECT_EQ(bias.data.as<std::int32_t>()[c], std::lround(double(b) / double(bias.quantization->scales[c])));
  }
  EXPECT_EQ(bias.type, ElementType::i32);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(w.data.as<std::int8_t>()[2 * 3 + k], 0);
  const auto& conv_out = *q.tensor(conv.outputs[0]).quantization;
  const TensorRange r = cal.ranges[std::size_t(find(g, "conv"))];
  EXPECT_GE(r.min, 0.0f);  // relu
  EXPECT_EQ(conv_out.zero_points[0], -128);
  EXPECT_FLOAT_EQ(conv_out.scales[0], r.max / 255.0f);
  // the pool keeps its input's scale and zero point; so do the reshapes
  const model::Op& pool = producer(q, find(q, "pool"));
  EXPECT_EQ(*q.tensor(pool.outputs[0]).quantization, *q.tensor(pool.inputs[0]).quantization);
  for (const auto& op : q.ops)
    if (op.kind == OpKind::reshape) { EXPECT_EQ(*q.tensor(op.outputs[0]).quantization, *q.tensor(op.inputs[0]).quantization); }
  // softmax: TFLite's fixed int8 output scale
  const auto& sm = *q.tensor(find(q, "prediction")).quantization;
  EXPECT_EQ(q.tensor(find(q, "prediction")).type, ElementType::i8);
  EXPECT_FLOAT_EQ(sm.scales[0], 1.0f / 256.0f);
  EXPECT_EQ(sm.zero_points[0], -128);
}

TEST(Quantize, Int16ActivationsAreSymmetricWithInt64Biases) {
  const Graph g = small_cnn();
  QuantizeOptions o;
  o.mode = Mode::w8_a16;
  const Graph q = quantize(g, calibrated(g), o);
  const model::Op& dense = producer(q, find(q, "dense1"));
  EXPECT_EQ(q.tensor(dense.inputs[0]).type, ElementType::i16);
  EXPECT_EQ(q.tensor(dense.inputs[1]).type, ElementType::i8);
  EXPECT_EQ(q.tensor(dense.inputs[2]).type, ElementType::i64);
  for (const auto& t : q.tensors)
    if (t.type == ElementType::i16) { EXPECT_EQ(t.quantization->zero_points[0], 0) << t.name; }
  const auto& sm = *q.tensor(find(q, "prediction")).quantization;
  EXPECT_FLOAT_EQ(sm.scales[0], 1.0f / 32768.0f);
  EXPECT_EQ(sm.zero_points[0], 0);
}

TEST(Quantize, HybridKeepsFloatActivationsAndSmallWeights) {
  const Graph g = small_cnn();
  QuantizeOptions o;
  o.mode = Mode::w8;
  const Graph q = quantize(g, constant_ranges(g), o);
  for (const auto& op : q.ops) EXPECT_NE(op.kind, OpKind::quantize);
  const model::Op& d1 = producer(q, find(q, "dense1"));
  EXPECT_EQ(q.tensor(d1.inputs[0]).type, ElementType::f32);
  EXPECT_EQ(q.tensor(d1.inputs[1]).type, ElementType::i8);  // 2048 weights
  EXPECT_EQ(q.tensor(d1.inputs[2]).type, ElementType::f32);
  EXPECT_TRUE(d1.attr<model::FullyConnectedAttrs>().asymmetric_quantize_inputs);
  EXPECT_EQ(q.tensor(d1.inputs[1]).quantization->scales.size(), 64u);  // per channel
  // fewer than 1024 weights: float, as TFLite's converter leaves them
  EXPECT_EQ(q.tensor(producer(q, find(q, "dense2")).inputs[1]).type, ElementType::f32);
  EXPECT_EQ(q.tensor(first_op(q, OpKind::conv2d).inputs[1]).type, ElementType::f32);
}

TEST(Quantize, Float16WeightsAreDequantizedConstants) {
  const Graph g = small_cnn();
  QuantizeOptions o;
  o.mode = Mode::f16;
  const Graph q = quantize(g, constant_ranges(g), o);
  const int w = find(q, "dense1/w");
  EXPECT_EQ(q.tensor(w).type, ElementType::f32);
  EXPECT_FALSE(q.tensor(w).is_constant());
  const model::Op& deq = producer(q, w);
  EXPECT_EQ(deq.kind, OpKind::dequantize);
  EXPECT_EQ(q.tensor(deq.inputs[0]).type, ElementType::f16);
  EXPECT_EQ(q.tensor(deq.inputs[0]).name, "dense1/w/f16");
  for (const auto& t : q.tensors)
    if (t.is_constant()) { EXPECT_NE(t.type, ElementType::f32) << t.name; }
}

TEST(Quantize, Int8IoKeepFloatAndErrors) {
  const Graph g = small_cnn();
  const Calibration cal = calibrated(g);
  QuantizeOptions o;
  o.mode = Mode::w8_a8;
  o.int8_io = true;
  Graph q = quantize(g, cal, o);
  EXPECT_EQ(q.tensor(q.inputs[0]).type, ElementType::i8);
  EXPECT_EQ(q.tensor(q.outputs[0]).type, ElementType::i8);
  EXPECT_EQ(q.tensor(q.outputs[0]).name, "prediction");
  for (const auto& op : q.ops) EXPECT_NE(op.kind, OpKind::dequantize);
  // LiteRT.js refuses integer model I/O ("Element type INT8 is not supported."), so the spec is
  // checked here: the I/O carry exactly the parameters the float-I/O graph's QUANTIZE and
  // integer output have, and nothing else changes.
  {
    QuantizeOptions f = o;
    f.int8_io = false;
    const Graph fq = quantize(g, cal, f);
    EXPECT_EQ(*q.tensor(q.inputs[0]).quantization, *fq.tensor(find(fq, "aggregate/quantized")).quantization);
    EXPECT_EQ(*q.tensor(q.outputs[0]).quantization, *fq.tensor(find(fq, "prediction")).quantization);
    EXPECT_EQ(q.ops.size() + 2, fq.ops.size());
    EXPECT_EQ(q.metadata.at("nilm.quantization.io"), "i8");
  }

  o.int8_io = false;
  o.keep_float = {"dense1"};
  q = quantize(g, cal, o);
  const model::Op& d1 = producer(q, find(q, "dense1"));
  EXPECT_EQ(q.tensor(d1.outputs[0]).type, ElementType::f32);
  EXPECT_EQ(q.tensor(d1.inputs[1]).type, ElementType::f32);
  const std::string in_name = q.tensor(d1.inputs[0]).name;
  EXPECT_EQ(in_name.substr(in_name.size() - 12), "/dequantized");
  EXPECT_EQ(producer(q, d1.inputs[0]).kind, OpKind::dequantize);
  EXPECT_EQ(q.metadata.at("nilm.quantization.keep_float"), "dense1");

  o.keep_float = {"no_such_layer"};
  EXPECT_THROW(quantize(g, cal, o), Error);
  o.keep_float = {};
  EXPECT_THROW(quantize(g, Calibration{}, o), Error);  // no calibration for w8_a8
  o.mode = Mode::w8;
  o.int8_io = true;
  EXPECT_THROW(quantize(g, cal, o), Error);  // integer I/O needs integer activations
}

TEST(Quantize, FallbackKeepsFloatWhatTheKernelTableLacks) {
  const Graph g = small_cnn();
  QuantizeOptions o;
  o.mode = Mode::w8_a8_fallback;
  o.has_kernel = [](OpKind k, ElementType, ElementType, ElementType) { return k == OpKind::conv2d; };
  const Graph q = quantize(g, calibrated(g), o);
  EXPECT_EQ(q.tensor(first_op(q, OpKind::conv2d).outputs[0]).type, ElementType::i8);
  EXPECT_EQ(q.tensor(find(q, "pool")).type, ElementType::f32);
  EXPECT_EQ(q.tensor(find(q, "dense1")).type, ElementType::f32);
  EXPECT_EQ(q.tensor(producer(q, find(q, "dense1")).inputs[1]).type, ElementType::f32);
}

// nilm's kernel table keys TRANSPOSE and MEAN by their int32 permutation / axes input: with
// the real table (every op has an int8 kernel) the fallback mode must plan exactly as w8_a8.
TEST(Quantize, FallbackFindsKernelsKeyedByInt32Inputs) {
  model::GraphBuilder b;
  const int x = b.input("aggregate", {1, 16, 1});
  const int r = b.reshape(x, {1, 4, 4});
  const int t = b.transpose(r, {0, 2, 1});
  b.output(b.mean(t, {2}, true));
  const Graph g = b.finish();
  QuantizeOptions o;
  o.mode = Mode::w8_a8;
  const Graph full = quantize(g, calibrated(g), o);
  o.mode = Mode::w8_a8_fallback;
  const Graph q = quantize(g, calibrated(g), o);
  ASSERT_EQ(q.ops.size(), full.ops.size());
  for (std::size_t i = 0; i < q.ops.size(); ++i)
    EXPECT_EQ(q.tensor(q.ops[i].outputs[0]).type, full.tensor(full.ops[i].outputs[0]).type)
        << model::op_name(q.ops[i].kind);
  EXPECT_EQ(q.tensor(first_op(q, OpKind::transpose).outputs[0]).type, ElementType::i8);
}

TEST(Quantize, TransformerPlanKeepsLayerNormStatisticsFloat) {
  const train::ModelSpec spec = train::default_spec("transformer");
  convert::testing::RandomCheckpoint ckpt(spec, 5);
  const Graph g = convert::checkpoint_to_graph(ckpt.file, "t.nilmckpt");
  for (Mode mode : {Mode::w8_a8, Mode::w8_a16}) {
    QuantizeOptions o;
    o.mode = mode;
    int fc_int = 0, softmax_i16 = 0;
    for (const LayerPlan& p : plan_layers(g, o)) {
      if (p.kind == OpKind::rsqrt || p.kind == OpKind::squared_difference || p.kind == OpKind::sqrt) {
        EXPECT_EQ(p.precision, ElementType::f32) << p.layer;
      }
      if (p.kind == OpKind::fully_connected && p.precision != ElementType::f32) ++fc_int;
      if (p.kind == OpKind::softmax && p.precision == ElementType::i16) ++softmax_i16;
    }
    EXPECT_EQ(fc_int, 2 * 6 + 2) << traits(mode).name;  // q, k, v, o, ff1, ff2 per block + head
    EXPECT_EQ(softmax_i16, 2);
  }
}

TEST(Quantize, IntegerCnnIsAQuarterOfFloat) {
  const train::ModelSpec spec = train::default_spec("cnn");
  convert::testing::RandomCheckpoint ckpt(spec, 6);
  const Graph g = convert::checkpoint_to_graph(ckpt.file, "c.nilmckpt");
  const auto w = convert::testing::aggregate_windows(4, spec.window, 1);
  const Calibration cal = calibrate(g, w.data(), 4, {});
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "nilm_quant_sizes";
  std::filesystem::create_directories(dir);
  auto size_of = [&](Mode mode) {
    QuantizeOptions o;
    o.mode = mode;
    const auto path = dir / (std::string(traits(mode).name) + ".tflite");
    model::save_tflite(quantize(g, cal, o), path.string());
    return double(std::filesystem::file_size(path));
  };
  const double f = size_of(Mode::convert_only);
  for (Mode m : {Mode::w8, Mode::w8_a8, Mode::w8_a16}) {
    const double ratio = size_of(m) / f;
    std::printf("CNN %s: %.2f MB, %.3f of float32 (%.2f MB)\n", traits(m).name, size_of(m) / 1e6, ratio, f / 1e6);
    EXPECT_NEAR(ratio, 0.25, 0.01) << traits(m).name;
  }
  EXPECT_NEAR(size_of(Mode::f16) / f, 0.5, 0.01);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nilm::quant
