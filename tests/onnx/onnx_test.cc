// The ONNX export (src/convert/onnx_export.h) checked two ways:
//  - OnnxExport: the written ModelProto itself (opset, metadata, I/O, the ops and layouts chosen,
//    QDQ structure, errors), read back with the onnx protobuf classes; no peer needed.
//  - OnnxRuntimePeer: ONNX Runtime (onnxruntime-node, tests/onnx/onnx_run.mjs) runs the files:
//    every op kind against the double-precision reference evaluation (tests/model/reference_eval),
//    full-size CNN and transformer checkpoints against nilm's runtime on the .tflite of the same
//    checkpoint (1e-4 of the output range), and QDQ int8 layers against the float layer on the
//    dequantized values rounded to the output grid (one step), with ONNX Runtime's fusion into
//    QLinearConv / QGemm / QLinearMatMul checked in its optimized graph.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "convert/aggregate_windows.h"
#include "convert/convert.h"
#include "convert/onnx_export.h"
#include "convert/random_checkpoint.h"
#include "core/error.h"
#include "model/builder.h"
#include "model/tflite.h"
#include "reference_eval.h"
#include "runtime/model.h"
#include "runtime/window_runner.h"
#include "test_graphs.h"
#include "train/checkpoint_file.h"
#include "peer_files.h"

namespace nilm::convert::testing {
namespace {

namespace fs = std::filesystem;
using model::ElementType;
using model::Graph;
using model::GraphBuilder;
using model::OpKind;
using model::Quantization;

using test_peers::env_or;
using test_peers::read_bytes;

void write_floats(const fs::path& path, const std::vector<std::vector<float>>& parts) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& p : parts) out.write(reinterpret_cast<const char*>(p.data()), std::streamsize(p.size() * 4));
}

std::vector<float> read_floats(const fs::path& path) {
  const std::string bytes = read_bytes(path);
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

std::map<std::string, int> op_histogram(const onnx::GraphProto& g) {
  std::map<std::string, int> h;
  for (const auto& n : g.node()) ++h[n.op_type()];
  return h;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("nilm_onnx_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// ---- quantized layers built by hand (the quantizer's output format: TFLite's spec) ---------

std::vector<std::uint8_t> int8_bytes(const std::vector<int>& q) {
  std::vector<std::uint8_t> b;
  for (int v : q) b.push_back(static_cast<std::uint8_t>(static_cast<std::int8_t>(v)));
  return b;
}
std::vector<std::uint8_t> int32_bytes(const std::vector<std::int32_t>& q) {
  std::vector<std::uint8_t> b(q.size() * 4);
  std::memcpy(b.data(), q.data(), b.size());
  return b;
}

struct QdqCase {
  std::string name;
  Graph quantized;             // f32 in -> QUANTIZE -> int8 layer -> DEQUANTIZE -> f32 out
  Graph twin;                  // the float layer on the dequantized weights and bias
  std::vector<std::vector<float>> inputs, twin_inputs;  // twin inputs: the quantized inputs dequantized
  float out_scale = 1;
  std::int64_t out_zero_point = 0;
  const char* fused;           // the op ONNX Runtime must fuse the QDQ group into (none: int16)
  bool int16 = false;
};

float round_trip(float v, float scale, std::int64_t zp, bool int16 = false) {  // QuantizeLinear, DequantizeLinear
  const double q = std::clamp(std::nearbyint(double(v) / scale) + double(zp), int16 ? -32768.0 : -128.0, int16 ? 32767.0 : 127.0);
  return float(scale * (q - double(zp)));
}

// kind: "conv" (CONV_2D same + RELU, per-channel weights), "fc" (FULLY_CONNECTED, per-channel),
// "matmul" (BATCH_MATMUL of two int8 activations).
QdqCase qdq_case(const std::string& kind, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  QdqCase c;
  c.name = "qdq_" + kind;
  // "conv16": int16 activations (symmetric, zero point 0) with int64 biases, TFLite's 16x8 mode.
  const bool int16 = kind == "conv16";
  const ElementType activation = int16 ? ElementType::i16 : ElementType::i8;
  const float in_scale = int16 ? 1.5f / 32767 : 0.011f;
  const std::int64_t in_zp = int16 ? 0 : -7;
  c.int16 = int16;
  GraphBuilder q, f;
  auto input = [&](const std::string& name, model::Shape shape) {
    std::vector<float> v(std::size_t(model::element_count(shape)));
    for (auto& x : v) x = 1.3f * u(rng);
    std::vector<float> twin = v;
    for (auto& x : twin) x = round_trip(x, in_scale, in_zp, int16);
    c.inputs.push_back(v);
    c.twin_inputs.push_back(twin);
    const int xq = q.quantize(q.input(name, shape), activation, Quantization{{in_scale}, {in_zp}, 0});
    return std::pair{xq, f.input(name, shape)};
  };
  auto weights = [&](const std::string& name, model::Shape shape) {  // per-channel along axis 0
    const int out = shape[0];
    const std::size_t outs = static_cast<std::size_t>(out);
    const std::size_t per = std::size_t(model::element_count(shape)) / std::size_t(out);
    std::vector<float> scales(outs);
    std::vector<int> values(per * outs);
    std::vector<float> real(values.size());
    for (int o = 0; o < out; ++o) {
      scales[std::size_t(o)] = 0.004f * (1.0f + float(o) * 0.37f);
      for (std::size_t i = 0; i < per; ++i) {
        const int v = std::uniform_int_distribution<int>(-127, 127)(rng);
        values[std::size_t(o) * per + i] = v;
        real[std::size_t(o) * per + i] = scales[std::size_t(o)] * float(v);
      }
    }
    const int wq = q.constant_raw(name, shape, ElementType::i8, int8_bytes(values),
                                  Quantization{scales, std::vector<std::int64_t>(std::size_t(out), 0), 0});
    // int32 bias at input_scale * weight_scale[c]
    std::vector<std::int32_t> bias(outs);
    std::vector<float> bias_real(outs), bias_scales(outs);
    for (int o = 0; o < out; ++o) {
      bias_scales[std::size_t(o)] = in_scale * scales[std::size_t(o)];
      bias[std::size_t(o)] = std::uniform_int_distribution<int>(-3000, 3000)(rng);
      bias_real[std::size_t(o)] = float(double(bias_scales[std::size_t(o)]) * bias[std::size_t(o)]);
    }
    std::vector<std::uint8_t> bias_bytes = int32_bytes(bias);
    if (int16) {  // int64 biases
      bias_bytes.assign(outs * 8, 0);
      for (std::size_t o = 0; o < outs; ++o) {
        const std::int64_t v = bias[o];
        std::memcpy(&bias_bytes[o * 8], &v, 8);
      }
    }
    const int bq = q.constant_raw(name + "/bias", {out}, int16 ? ElementType::i64 : ElementType::i32, bias_bytes,
                                  Quantization{bias_scales, std::vector<std::int64_t>(std::size_t(out), 0), 0});
    return std::tuple{wq, bq, f.constant(name, shape, real), f.constant(name + "/bias", {out}, bias_real)};
  };
  int yq = -1, yf = -1;
  if (kind == "conv" || int16) {
    c.fused = int16 ? nullptr : "QLinearConv";  // ONNX Runtime has no int16 convolution: float between Q/DQ
    auto [xq, xf] = input("x", {1, 1, 40, 3});
    auto [wq, bq, wf, bf] = weights("w", {6, 1, 3, 3});
    yq = q.conv2d(xq, wq, bq, model::Padding::same, model::Activation::relu);
    yf = f.conv2d(xf, wf, bf, model::Padding::same, model::Activation::relu);
    c.out_scale = int16 ? 5.0f / 32767 : 0.02f;
    c.out_zero_point = int16 ? 0 : -128;  // after RELU, as TFLite's converter sets it
  } else if (kind == "fc") {
    c.fused = "QGemm";
    auto [xq, xf] = input("x", {2, 16});
    auto [wq, bq, wf, bf] = weights("w", {8, 16});
    yq = q.fully_connected(xq, wq, bq);
    yf = f.fully_connected(xf, wf, bf);
    c.out_scale = 0.015f;
    c.out_zero_point = 3;
  } else {
    c.fused = "QLinearMatMul";
    auto [aq, af] = input("a", {1, 2, 4, 8});
    auto [bq, bf] = input("b", {1, 2, 5, 8});
    yq = q.batch_matmul(aq, bq, false, true);
    yf = f.batch_matmul(af, bf, false, true);
    c.out_scale = 0.02f;
    c.out_zero_point = 1;
  }
  q.graph().tensor(yq).quantization = Quantization{{c.out_scale}, {c.out_zero_point}, 0};
  q.output(q.dequantize(yq));
  f.output(yf);
  c.quantized = q.finish();
  c.twin = f.finish();
  return c;
}

// Dynamic-range (hybrid, w8) layers: float input, per-channel int8 weights, float bias and
// output. ONNX Runtime quantizes the input per run to uint8 with one scale s = range / 255
// (range spanning 0), so each output may differ from the float layer on the dequantized weights
// by at most sum |w| * s / 2 over the weights of its channel: the bound checked.
struct HybridCase {
  std::string name;
  Graph hybrid, twin;
  std::vector<float> input;
  std::vector<double> abs_weight_sum;  // per output channel
  int channels_last = 0;               // output channel = index % channels_last
  const char* fused;
};

HybridCase hybrid_case(bool conv, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  HybridCase c;
  c.name = conv ? "hybrid_conv" : "hybrid_fc";
  c.fused = conv ? "ConvInteger" : "DynamicQuantizeMatMul";
  const model::Shape in_shape = conv ? model::Shape{1, 1, 30, 4} : model::Shape{3, 20};
  const model::Shape w_shape = conv ? model::Shape{5, 1, 3, 4} : model::Shape{7, 20};
  const std::size_t out = std::size_t(w_shape[0]), per = std::size_t(model::element_count(w_shape)) / out;
  c.channels_last = int(out);
  c.input.resize(std::size_t(model::element_count(in_shape)));
  for (auto& v : c.input) v = 1.7f * u(rng) + 0.3f;
  std::vector<float> scales(out), real(out * per), bias(out);
  std::vector<int> values(out * per);
  c.abs_weight_sum.assign(out, 0.0);
  for (std::size_t o = 0; o < out; ++o) {
    scales[o] = 0.003f * (1.0f + 0.5f * float(o));
    bias[o] = 0.1f * u(rng);
    for (std::size_t i = 0; i < per; ++i) {
      values[o * per + i] = std::uniform_int_distribution<int>(-127, 127)(rng);
      real[o * per + i] = scales[o] * float(values[o * per + i]);
      c.abs_weight_sum[o] += std::abs(double(real[o * per + i]));
    }
  }
  for (bool twin : {false, true}) {
    GraphBuilder b;
    const int x = b.input("x", in_shape);
    const int w = twin ? b.constant("w", w_shape, real)
                       : b.constant_raw("w", w_shape, ElementType::i8, int8_bytes(values),
                                        Quantization{scales, std::vector<std::int64_t>(out, 0), 0});
    const int bt = b.constant("b", {int(out)}, bias);
    b.output(conv ? b.conv2d(x, w, bt, model::Padding::same, model::Activation::none) : b.fully_connected(x, w, bt));
    (twin ? c.twin : c.hybrid) = b.finish();
  }
  return c;
}

// ---- OnnxExport: the file itself --------------------------------------------------------------

TEST(OnnxExport, CnnKeepsNamesShapesMetadataAndChangesLayoutOnlyTwice) {
  Graph g = model::testing::cnn_graph(3, 599, 0.25);
  g.metadata["nilm.appliance"] = "kettle";
  g.metadata["nilm.window"] = "599";
  g.description = "a test CNN";
  const onnx::ModelProto m = parse(graph_to_onnx(g, "cnn.onnx"));
  EXPECT_EQ(m.ir_version(), 10);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), kOnnxOpset);
  EXPECT_EQ(m.producer_name(), "nilm");
  EXPECT_EQ(m.doc_string(), "a test CNN");
  std::map<std::string, std::string> props;
  for (const auto& p : m.metadata_props()) props[p.key()] = p.value();
  EXPECT_EQ(props, g.metadata);

  const auto& graph = m.graph();
  ASSERT_EQ(graph.input_size(), 1);
  EXPECT_EQ(graph.input(0).name(), "aggregate");
  const auto& in_shape = graph.input(0).type().tensor_type().shape();
  ASSERT_EQ(in_shape.dim_size(), 3);
  EXPECT_EQ(in_shape.dim(0).dim_value(), 1);
  EXPECT_EQ(in_shape.dim(1).dim_value(), 599);
  EXPECT_EQ(in_shape.dim(2).dim_value(), 1);
  EXPECT_EQ(graph.input(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
  ASSERT_EQ(graph.output_size(), 1);
  EXPECT_EQ(graph.output(0).name(), g.tensor(g.outputs[0]).name);

  const auto ops = op_histogram(graph);
  EXPECT_EQ(ops.at("Conv"), 5);
  EXPECT_EQ(ops.at("MaxPool"), 4);
  EXPECT_EQ(ops.at("Gemm"), 3);
  EXPECT_EQ(ops.at("Relu"), 7);  // fused activations become their own nodes
  // NHWC -> NCHW once after the input reshape, back once before the flatten: the convs and
  // pools in between stay in NCHW.
  EXPECT_EQ(ops.at("Transpose"), 2);
  // Conv weights are stored OIHW, Gemm weights [out, in] (transB).
  for (const auto& n : graph.node()) {
    if (n.op_type() != "Conv") continue;
    const auto init = std::find_if(graph.initializer().begin(), graph.initializer().end(),
                                   [&](const onnx::TensorProto& t) { return t.name() == n.input(1); });
    ASSERT_NE(init, graph.initializer().end());
    ASSERT_EQ(init->dims_size(), 4);
    EXPECT_EQ(init->dims(2), 1);  // kh
  }
}

// The converter's 1-D layers are RESHAPE [N,W,C] -> [N,1,W,C] -> CONV_2D / MAX_POOL_2D -> RESHAPE
// back: the export keeps them channels-first throughout, so a converted CNN changes layout twice
// (after the input, before the flatten) and the transformer only around its embedding conv; the
// transformer's other Transposes are its own attention TRANSPOSEs and adj_y operands.
TEST(OnnxExport, ConvertedCheckpointsChangeLayoutOnlyAroundTheirConvolutions) {
  for (const std::string arch : {"cnn", "transformer"}) {
    const train::ModelSpec spec = train::default_spec(arch);
    RandomCheckpoint ckpt(spec, 3);
    const Graph g = checkpoint_to_graph(ckpt.file, arch + ".nilmckpt");
    int ir_transposes = 0, adjoint = 0;
    for (const auto& op : g.ops) {
      ir_transposes += op.kind == OpKind::transpose;
      if (op.kind == OpKind::batch_matmul)
        adjoint += op.attr<model::BatchMatMulAttrs>().adj_x + op.attr<model::BatchMatMulAttrs>().adj_y;
    }
    const auto ops = op_histogram(parse(graph_to_onnx(g, arch + ".onnx")).graph());
    std::printf("%-12s ONNX ops:", arch.c_str());
    for (const auto& [op, n] : ops) std::printf(" %s x%d", op.c_str(), n);
    std::printf("\n");
    EXPECT_EQ(ops.at("Transpose"), ir_transposes + adjoint + 2) << arch;
    EXPECT_EQ(ops.count("Identity"), 0u) << arch;
  }
}

TEST(OnnxExport, QuantizedLayerBecomesQdqWithTheSameScalesAndZeroPoints) {
  const QdqCase c = qdq_case("conv", 5);
  const onnx::ModelProto m = parse(graph_to_onnx(c.quantized, "q.onnx"));
  const auto ops = op_histogram(m.graph());
  EXPECT_EQ(ops.at("QuantizeLinear"), 2);    // the graph's QUANTIZE and the conv's output
  EXPECT_EQ(ops.at("DequantizeLinear"), 4);  // input, weights, bias, the graph's DEQUANTIZE
  EXPECT_EQ(ops.at("Conv"), 1);
  std::map<std::string, const onnx::TensorProto*> init;
  for (const auto& t : m.graph().initializer()) init[t.name()] = &t;
  int per_channel = 0;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "DequantizeLinear" || !init.count(n.input(0))) continue;
    const onnx::TensorProto& data = *init.at(n.input(0));
    const onnx::TensorProto& scale = *init.at(n.input(1));
    if (data.data_type() == onnx::TensorProto::INT8) {  // weights: int8 OIHW, per channel on axis 0
      EXPECT_EQ(data.dims(0), 6);
      EXPECT_EQ(data.dims(1), 3);
      ASSERT_EQ(scale.raw_data().size(), 6 * 4u);
      float s0 = 0;
      std::memcpy(&s0, scale.raw_data().data(), 4);
      EXPECT_FLOAT_EQ(s0, c.quantized.tensor(c.quantized.ops[1].inputs[1]).quantization->scales[0]);
      ++per_channel;
    } else if (data.data_type() == onnx::TensorProto::INT32) {
      EXPECT_EQ(init.at(n.input(2))->data_type(), onnx::TensorProto::INT32);
      ++per_channel;
    }
    ASSERT_EQ(n.attribute_size(), 1);
    EXPECT_EQ(n.attribute(0).name(), "axis");
    EXPECT_EQ(n.attribute(0).i(), 0);
  }
  EXPECT_EQ(per_channel, 2);
  // The conv's output is quantized with the IR's scale and zero point.
  const auto q = std::find_if(m.graph().node().rbegin(), m.graph().node().rend(),
                              [](const onnx::NodeProto& n) { return n.op_type() == "QuantizeLinear"; });
  ASSERT_NE(q, m.graph().node().rend());
  float scale = 0;
  std::memcpy(&scale, init.at(q->input(1))->raw_data().data(), 4);
  EXPECT_FLOAT_EQ(scale, c.out_scale);
  // int8 activations are stored as uint8, zero point + 128 (the same real values).
  ASSERT_EQ(init.at(q->input(2))->data_type(), onnx::TensorProto::UINT8);
  EXPECT_EQ(std::uint8_t(init.at(q->input(2))->raw_data()[0]), c.out_zero_point + 128);
}

TEST(OnnxExport, InvalidGraphIsRefusedNamingTheFile) {
  Graph g = model::testing::cnn_graph(3, 599, 0.25);
  g.outputs.push_back(9999);
  try {
    graph_to_onnx(g, "broken.onnx");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.onnx"), std::string::npos) << e.what();
  }
  EXPECT_THROW(save_onnx(model::testing::cnn_graph(3, 599, 0.25), "/nonexistent-dir/x.onnx"), Error);
}

// `nilm convert --format`: onnx writes ONNX with the checkpoint's nilm.* metadata, a .onnx
// output name picks onnx by itself, tflite stays the default, an unknown format is a usage error.
TEST(OnnxExport, ConvertCommandWritesOnnxWithTheCheckpointMetadata) {
  const std::string nilm = env_or("NILM_BINARY", "");
  if (nilm.empty()) GTEST_SKIP() << "NILM_BINARY not set (ctest sets it)";
  const fs::path dir = temp_dir("cli");
  train::ModelSpec spec = train::default_spec("cnn", 23);
  spec.conv_filters = {3, 4};
  spec.conv_kernels = {3, 5};
  spec.dense = {6};
  RandomCheckpoint ckpt(spec, 5);
  const std::string ck = (dir / "tiny.nilmckpt").string();
  train::write_checkpoint_file(ck, ckpt.file);
  auto run = [&](const std::string& args) {
    return std::system((nilm + " convert " + ck + " " + args + " > " + (dir / "log.txt").string() + " 2>&1").c_str());
  };
  ASSERT_EQ(run("--format onnx -o " + (dir / "a.model").string()), 0) << read_bytes(dir / "log.txt");
  ASSERT_EQ(run("-o " + (dir / "b.onnx").string()), 0) << read_bytes(dir / "log.txt");
  ASSERT_EQ(run("-o " + (dir / "c.tflite").string()), 0) << read_bytes(dir / "log.txt");
  EXPECT_NE(run("--format pb -o " + (dir / "d.onnx").string()), 0);
  EXPECT_NE(read_bytes(dir / "log.txt").find("--format"), std::string::npos) << read_bytes(dir / "log.txt");

  const std::string a = read_bytes(dir / "a.model");
  EXPECT_EQ(a, read_bytes(dir / "b.onnx"));
  const onnx::ModelProto m = parse(a);
  std::map<std::string, std::string> props;
  for (const auto& p : m.metadata_props()) props[p.key()] = p.value();
  const model::Graph tflite = model::load_tflite((dir / "c.tflite").string());  // the default: TFLite
  EXPECT_EQ(props, tflite.metadata);
  EXPECT_EQ(props.at("nilm.appliance"), "kettle");
  EXPECT_EQ(props.at("nilm.window"), "23");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(1).dim_value(), 23);
}

// ---- OnnxRuntimePeer: ONNX Runtime runs the files ---------------------------------------------

struct Job {
  std::string name;
  Graph graph;
  std::vector<std::vector<float>> inputs;
};

// Writes every job's .onnx and inputs, runs them in one ONNX Runtime process; returns the
// outputs (concatenated) per job, failing the test for a refused file.
std::vector<std::vector<float>> run_onnxruntime(const std::vector<Job>& jobs, const fs::path& dir) {
  std::ofstream list(dir / "jobs.txt");
  for (const Job& job : jobs) {
    const std::string base = (dir / job.name).string();
    save_onnx(job.graph, base + ".onnx");
    write_floats(base + ".in", job.inputs);
    list << base << ".onnx " << base << ".in " << base << ".out\n";
  }
  list.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_ONNX_PEER_DIR", NILM_ONNX_PEER_DIR) +
                              "/onnx_run.mjs --batch " + (dir / "jobs.txt").string() + " > " + (dir / "log.txt").string() +
                              " 2>&1";
  std::vector<std::vector<float>> outputs(jobs.size());
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << "ONNX Runtime runner failed:\n" << read_bytes(dir / "log.txt");
  if (status != 0) return outputs;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const std::string base = (dir / jobs[j].name).string();
    if (fs::exists(base + ".out.error")) {
      ADD_FAILURE() << jobs[j].name << ": ONNX Runtime refused our file: " << read_bytes(base + ".out.error");
      continue;
    }
    outputs[j] = read_floats(base + ".out");
  }
  return outputs;
}

TEST(OnnxRuntimePeer, EveryOpKindMatchesTheReference) {
  std::vector<Job> jobs;
  std::uint64_t seed = 100;
  for (auto& [name, graph] : model::testing::every_op_graphs(21)) {
    const bool positive = name.find("positive") != std::string::npos;
    auto inputs = model::testing::random_inputs(graph, seed++, positive);
    jobs.push_back({name, std::move(graph), std::move(inputs)});
  }
  {  // f16 mode: convolution weights are DEQUANTIZE(float16 constant), computed, not constant
    GraphBuilder b;
    std::vector<std::uint8_t> half;
    for (int i = 0; i < 4 * 3 * 3; ++i) {  // k/64, exact in float16: sign, exponent, top mantissa bits
      const float v = float((i * 37) % 97 - 48) / 64.0f;
      std::uint32_t bits = 0;
      std::memcpy(&bits, &v, 4);
      const std::uint16_t h = v == 0.0f ? 0
                                        : std::uint16_t(((bits >> 16) & 0x8000u) | ((((bits >> 23) & 0xffu) - 127u + 15u) << 10) |
                                                        ((bits >> 13) & 0x3ffu));
      half.push_back(std::uint8_t(h & 0xff));
      half.push_back(std::uint8_t(h >> 8));
    }
    const int w = b.dequantize(b.constant_raw("w_f16", {4, 1, 3, 3}, ElementType::f16, half));
    b.output(b.conv2d(b.input("x", {1, 1, 12, 3}), w, b.constant("b", {4}, {0.1f, -0.2f, 0.3f, 0.f}),
                      model::Padding::same, model::Activation::none));
    Graph g = b.finish();
    auto inputs = model::testing::random_inputs(g, seed++);
    jobs.push_back({"conv2d_f16_weights", std::move(g), std::move(inputs)});
  }
  const auto outputs = run_onnxruntime(jobs, temp_dir("ops"));
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (outputs[j].empty()) continue;
    const auto reference = model::testing::reference_eval(jobs[j].graph, jobs[j].inputs);
    std::size_t at = 0;
    for (std::size_t o = 0; o < reference.size(); ++o) {
      ASSERT_GE(outputs[j].size(), at + reference[o].size()) << jobs[j].name;
      double magnitude = 0, worst = 0;
      for (std::size_t i = 0; i < reference[o].size(); ++i) {
        magnitude = std::max(magnitude, std::abs(reference[o][i]));
        worst = std::max(worst, std::abs(double(outputs[j][at + i]) - reference[o][i]));
      }
      std::printf("%-36s output %zu: %zu values, max |ref| %.4g, max |onnxruntime - ref| %.3g (%.3g relative)\n",
                  jobs[j].name.c_str(), o, reference[o].size(), magnitude, worst, worst / std::max(magnitude, 1e-6));
      EXPECT_GT(magnitude, 0.0) << jobs[j].name;
      EXPECT_LE(worst, 1e-4 * std::max(magnitude, 1e-6)) << jobs[j].name << " output " << o;
      at += reference[o].size();
    }
    EXPECT_EQ(at, outputs[j].size()) << jobs[j].name;
  }
}

// Full-size checkpoints (the trainer's names, shapes and layer table; random weights), converted
// once: .tflite run by nilm's runtime, .onnx by ONNX Runtime, same aggregate-like windows.
TEST(OnnxRuntimePeer, ConvertedCnnAndTransformerMatchOurRuntime) {
  constexpr int kWindows = 8;
  const fs::path dir = temp_dir("models");
  std::vector<Job> jobs;
  std::vector<std::vector<float>> ours;
  for (const std::string arch : {"cnn", "transformer"}) {
    const train::ModelSpec spec = train::default_spec(arch);
    RandomCheckpoint ckpt(spec, arch == "cnn" ? 21 : 22);
    ConvertOptions options;
    options.batch = kWindows;
    Graph graph = checkpoint_to_graph(ckpt.file, arch + ".nilmckpt", options);
    const std::vector<float> windows = aggregate_windows(kWindows, spec.window, 7);
    const std::string tflite = (dir / (arch + ".tflite")).string();
    model::save_tflite(graph, tflite);
    const runtime::Model model = runtime::Model::load(tflite);
    runtime::WindowRunner runner(model, 1);
    ours.emplace_back(kWindows);
    runner.predict(windows.data(), kWindows, ours.back().data());
    jobs.push_back({arch, std::move(graph), {windows}});
  }
  const auto outputs = run_onnxruntime(jobs, dir);
  for (std::size_t a = 0; a < jobs.size(); ++a) {
    ASSERT_EQ(outputs[a].size(), std::size_t(kWindows)) << jobs[a].name;
    const auto [lo, hi] = std::minmax_element(ours[a].begin(), ours[a].end());
    const double range = double(*hi) - double(*lo);
    double worst = 0;
    for (int i = 0; i < kWindows; ++i) worst = std::max(worst, std::abs(double(outputs[a][std::size_t(i)]) - ours[a][std::size_t(i)]));
    std::printf("%-12s %d windows: output range %.5g, max |onnxruntime - nilm| %.3g (%.3g of the range)\n",
                jobs[a].name.c_str(), kWindows, range, worst, worst / range);
    ASSERT_GT(range, 1e-3) << jobs[a].name << ": the windows do not exercise the model";
    EXPECT_LE(worst, 1e-4 * range) << jobs[a].name;
  }
}

// QDQ int8: ONNX Runtime fuses each group into its integer op and computes the float layer on
// the dequantized values, rounded to the output's grid: at most one output step away.
TEST(OnnxRuntimePeer, QdqLayersAreFusedAndMatchTheDequantizedLayer) {
  const fs::path dir = temp_dir("qdq");
  std::vector<QdqCase> cases;
  std::vector<Job> jobs;
  std::uint64_t seed = 7;
  for (const std::string kind : {"conv", "fc", "matmul", "conv16"}) {
    cases.push_back(qdq_case(kind, seed++));
    jobs.push_back({cases.back().name, cases.back().quantized, cases.back().inputs});
  }
  const auto outputs = run_onnxruntime(jobs, dir);
  for (std::size_t j = 0; j < cases.size(); ++j) {
    const QdqCase& c = cases[j];
    const auto twin = model::testing::reference_eval(c.twin, c.twin_inputs);
    ASSERT_EQ(outputs[j].size(), twin[0].size()) << c.name;
    double worst_steps = 0, magnitude = 0;
    for (std::size_t i = 0; i < twin[0].size(); ++i) {
      const double expected = round_trip(float(twin[0][i]), c.out_scale, c.out_zero_point, c.int16);
      magnitude = std::max(magnitude, std::abs(expected));
      worst_steps = std::max(worst_steps, std::abs(double(outputs[j][i]) - expected) / c.out_scale);
    }
    std::printf("%-14s %zu outputs, max |ref| %.3g: max |onnxruntime - dequantized layer| %.3g output steps\n",
                c.name.c_str(), twin[0].size(), magnitude, worst_steps);
    EXPECT_GT(magnitude, 10 * c.out_scale) << c.name;
    EXPECT_LE(worst_steps, 1.0 + 1e-3) << c.name;

    if (!c.fused) continue;
    // The optimized graph ONNX Runtime actually runs holds the fused integer op.
    const std::string base = (dir / c.name).string();
    const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_ONNX_PEER_DIR", NILM_ONNX_PEER_DIR) +
                                "/onnx_run.mjs " + base + ".onnx " + base + ".in " + base + ".out2 --optimized " + base +
                                ".opt.onnx > " + base + ".log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << read_bytes(base + ".log");
    const auto ops = op_histogram(parse(read_bytes(base + ".opt.onnx")).graph());
    std::string seen;
    for (const auto& [op, n] : ops) seen += op + "x" + std::to_string(n) + " ";
    std::printf("%-14s ONNX Runtime's optimized graph: %s\n", c.name.c_str(), seen.c_str());
    EXPECT_EQ(ops.count(c.fused), 1u) << c.name << ": not fused into " << c.fused << "; ops: " << seen;
    EXPECT_EQ(ops.count("Conv") + ops.count("Gemm") + ops.count("MatMul"), 0u) << c.name << " still runs float: " << seen;
  }
}

TEST(OnnxRuntimePeer, HybridLayersQuantizeTheirInputPerRunWithinTheRoundingBound) {
  const fs::path dir = temp_dir("hybrid");
  std::vector<HybridCase> cases{hybrid_case(false, 3), hybrid_case(true, 4)};
  std::vector<Job> jobs;
  for (const auto& c : cases) jobs.push_back({c.name, c.hybrid, {c.input}});
  const auto outputs = run_onnxruntime(jobs, dir);
  for (std::size_t j = 0; j < cases.size(); ++j) {
    const HybridCase& c = cases[j];
    const auto twin = model::testing::reference_eval(c.twin, {c.input});
    ASSERT_EQ(outputs[j].size(), twin[0].size()) << c.name;
    const auto [lo, hi] = std::minmax_element(c.input.begin(), c.input.end());
    const double step = (std::max(double(*hi), 0.0) - std::min(double(*lo), 0.0)) / 255.0;
    double worst = 0, worst_of_bound = 0;
    for (std::size_t i = 0; i < twin[0].size(); ++i) {
      const double error = std::abs(double(outputs[j][i]) - twin[0][i]);
      const double bound = c.abs_weight_sum[i % std::size_t(c.channels_last)] * step / 2 * 1.001 + 1e-6;
      worst = std::max(worst, error);
      worst_of_bound = std::max(worst_of_bound, error / bound);
      EXPECT_LE(error, bound) << c.name << " output " << i;
    }
    std::printf("%-12s %zu outputs: max |onnxruntime - float layer| %.3g (%.2f of the rounding bound)\n", c.name.c_str(),
                twin[0].size(), worst, worst_of_bound);
    EXPECT_GT(worst, 0.0) << c.name << ": the input was not quantized at all";
    const std::string base = (dir / c.name).string();
    const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_ONNX_PEER_DIR", NILM_ONNX_PEER_DIR) +
                                "/onnx_run.mjs " + base + ".onnx " + base + ".in " + base + ".out2 --optimized " + base +
                                ".opt.onnx > " + base + ".log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << read_bytes(base + ".log");
    const auto ops = op_histogram(parse(read_bytes(base + ".opt.onnx")).graph());
    EXPECT_EQ(ops.count(c.fused), 1u) << c.name;
    EXPECT_EQ(ops.count("DequantizeLinear"), 0u) << c.name << ": weights dequantized per run";
  }
}

}  // namespace
}  // namespace nilm::convert::testing
