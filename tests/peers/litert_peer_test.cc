// Our .tflite files are real TFLite: every op kind, the NILM CNN and the transformer, written
// by nilm's writer, run in LiteRT.js (TFLite's kernels compiled to WebAssembly) and agree with
// the independent double-precision reference (tests/model/reference_eval.cc) within 1e-4
// relative to the output's magnitude. LiteRT.js refusing a file fails the test with its message.
// The same files also go through nilm's runtime (runtime::Model::load), held to the same bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "model/builder.h"
#include "model/tflite.h"
#include "reference_eval.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "test_graphs.h"
#include "peer_files.h"

namespace nilm::model::testing {
namespace {

namespace fs = std::filesystem;

constexpr double tolerance = 1e-4;

using test_peers::env_or;

struct Job {
  std::string name;
  Graph graph;
  std::vector<std::vector<float>> inputs;
};

void write_floats(const std::string& path, const std::vector<std::vector<float>>& parts) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& p : parts) out.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size() * 4));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs every job in one LiteRT.js process; checks each against the reference.
void run_and_compare(const std::vector<Job>& jobs, const std::string& batch_name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("nilm_litert_" + batch_name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream list(dir / "jobs.txt");
  for (const Job& job : jobs) {
    const fs::path base = dir / job.name;
    save_tflite(job.graph, base.string() + ".tflite");
    write_floats(base.string() + ".in", job.inputs);
    list << base.string() << ".tflite " << base.string() << ".in " << base.string() << ".out\n";
  }
  list.close();

  const std::string peers = env_or("NILM_PEERS_DIR", NILM_PEERS_DIR);
  const std::string command = env_or("NILM_NODE", "node") + " " + peers + "/litert_run.mjs --batch " +
                              (dir / "jobs.txt").string() + " > " + (dir / "log.txt").string() + " 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << "LiteRT.js runner failed:\n" << read_text((dir / "log.txt").string());

  for (const Job& job : jobs) {
    const fs::path base = dir / job.name;
    if (fs::exists(base.string() + ".out.error")) {
      ADD_FAILURE() << job.name << ": LiteRT.js refused our file: " << read_text(base.string() + ".out.error");
      continue;
    }
    const std::string bytes = read_text(base.string() + ".out");
    const auto reference = reference_eval(job.graph, job.inputs);
    std::size_t expected = 0;
    for (const auto& r : reference) expected += r.size();
    ASSERT_EQ(bytes.size(), expected * 4) << job.name;
    std::vector<float> got(expected);
    std::memcpy(got.data(), bytes.data(), bytes.size());
    // nilm's own runtime on the same file, through the same loader the command line uses.
    // Float graphs only for now: its QUANTIZE/DEQUANTIZE kernels come with quantization.
    std::vector<std::vector<float>> ours;
    const bool float_only = std::none_of(job.graph.ops.begin(), job.graph.ops.end(), [](const Op& op) {
      return op.kind == OpKind::quantize || op.kind == OpKind::dequantize;
    });
    auto run_ours = [&] {
      const runtime::Model model = runtime::Model::load(base.string() + ".tflite");
      runtime::Interpreter interpreter(model, 1);
      for (std::size_t i = 0; i < job.inputs.size(); ++i)
        std::copy(job.inputs[i].begin(), job.inputs[i].end(), interpreter.input(i));
      interpreter.invoke();
      for (std::size_t o = 0; o < interpreter.output_count(); ++o)
        ours.emplace_back(interpreter.output(o), interpreter.output(o) + interpreter.output_elements(o));
    };
    if (float_only) {
      try {
        run_ours();
      } catch (const Error& e) {
        ADD_FAILURE() << job.name << ": nilm's runtime refused our file: " << e.what();
      }
    }
    std::size_t at = 0;
    for (std::size_t o = 0; o < reference.size(); ++o) {
      double magnitude = 0.0, worst = 0.0;
      for (std::size_t i = 0; i < reference[o].size(); ++i) {
        magnitude = std::max(magnitude, std::abs(reference[o][i]));
        worst = std::max(worst, std::abs(static_cast<double>(got[at + i]) - reference[o][i]));
      }
      const double relative = worst / std::max(magnitude, 1e-6);
      std::printf("%-36s output %zu: %zu values, max |ref| %.4g, max |litert - ref| %.3g, relative %.3g\n",
                  job.name.c_str(), o, reference[o].size(), magnitude, worst, relative);
      EXPECT_LE(relative, tolerance) << job.name << " output " << o;
      if (o < ours.size()) {
        double runtime_worst = 0.0;
        for (std::size_t i = 0; i < reference[o].size() && i < ours[o].size(); ++i)
          runtime_worst = std::max(runtime_worst, std::abs(static_cast<double>(ours[o][i]) - reference[o][i]));
        const double runtime_relative = runtime_worst / std::max(magnitude, 1e-6);
        std::printf("%-36s          nilm runtime: max |nilm - ref| %.3g, relative %.3g\n", "", runtime_worst,
                    runtime_relative);
        EXPECT_EQ(ours[o].size(), reference[o].size()) << job.name;
        EXPECT_LE(runtime_relative, tolerance) << job.name << " output " << o << " (nilm runtime)";
      }
      EXPECT_GT(magnitude, 0.0) << job.name << ": an all-zero output proves little";
      at += reference[o].size();
    }
  }
}

TEST(LiteRtPeer, EveryOpKindMatchesTheReference) {
  std::vector<Job> jobs;
  std::uint64_t seed = 100;
  for (auto& [name, graph] : every_op_graphs(21)) {
    const bool positive = name.find("positive") != std::string::npos;
    auto inputs = random_inputs(graph, seed++, positive);
    jobs.push_back({name, std::move(graph), std::move(inputs)});
  }
  run_and_compare(jobs, "ops");
}

// Also exposes the outputs of the first op of `kind` (the first `nth`) as graph outputs, so the
// comparison covers thousands of intermediate values, not just the one prediction.
void expose(Graph& g, OpKind kind, int nth = 0) {
  for (const Op& op : g.ops)
    if (op.kind == kind && nth-- == 0) {
      g.outputs.push_back(op.outputs[0]);
      return;
    }
}

TEST(LiteRtPeer, NilmCnnAndTransformerMatchTheReference) {
  std::vector<Job> jobs;
  Graph cnn = cnn_graph(31);  // the full-size CNN: 10.6 M parameters, 42 MB file
  expose(cnn, OpKind::conv2d, 4);           // last conv: [1,1,38,256]
  expose(cnn, OpKind::fully_connected, 0);  // dense 1024
  jobs.push_back({"cnn_599", cnn, random_inputs(cnn, 1)});
  Graph transformer = transformer_graph(32);  // d_model 256, 2 blocks, 299 positions
  expose(transformer, OpKind::softmax, 1);     // second block's attention weights [1,2,299,299]
  expose(transformer, OpKind::mean, 0);        // first layer norm's mean
  expose(transformer, OpKind::gelu, 1);        // second block's feed-forward [1,299,1024]
  jobs.push_back({"transformer_599", transformer, random_inputs(transformer, 2)});
  run_and_compare(jobs, "models");
}

// ---- int8 files: our quantization parameters mean to TFLite what they mean to us ----------
//
// QUANTIZE -> CONV_2D / FULLY_CONNECTED in int8 (per-channel weights along the output channel,
// int32 bias at input_scale * weight_scale) -> DEQUANTIZE. The expected output is the float
// layer on the dequantized input, weights and bias, then quantized to the output's grid: TFLite's
// fixed-point requantization may land one step away from exact rounding, nothing more.

struct QuantizedCase {
  std::string name;
  Graph quantized;
  Graph float_twin;  // same layer, float, on the dequantized values
  std::vector<float> input;
  std::vector<float> dequantized_input;
  float out_scale;
  std::int64_t out_zero_point;
  double q_lo, q_hi;
};

// int8 activations (asymmetric) or int16 activations (symmetric, int64 bias: w8_a16).
QuantizedCase quantized_case(bool conv, bool int16, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Shape in_shape = conv ? Shape{1, 1, 40, 3} : Shape{1, 16};
  const Shape w_shape = conv ? Shape{6, 1, 3, 3} : Shape{8, 16};
  const int out_channels = w_shape[0];
  const std::size_t per_channel = static_cast<std::size_t>(element_count(w_shape)) / static_cast<std::size_t>(out_channels);
  QuantizedCase c;
  c.name = std::string(int16 ? "int16x8_" : "int8_") + (conv ? "conv2d_per_channel" : "fully_connected_per_channel");
  const double q_lo = int16 ? -32768.0 : -128.0, q_hi = int16 ? 32767.0 : 127.0;
  c.input = random_values(rng, static_cast<std::size_t>(element_count(in_shape)));
  const float in_scale = int16 ? 1.0f / 32767.0f : 2.0f / 255.0f;
  const std::int64_t in_zero = int16 ? 0 : -1;
  for (float x : c.input) {
    const double q = std::clamp(std::round(x / in_scale) + static_cast<double>(in_zero), q_lo, q_hi);
    c.dequantized_input.push_back(static_cast<float>(in_scale * (q - static_cast<double>(in_zero))));
  }
  const std::vector<float> w = random_values(rng, static_cast<std::size_t>(element_count(w_shape)));
  const std::vector<float> bias = random_values(rng, static_cast<std::size_t>(out_channels), -0.5f, 0.5f);
  std::vector<float> w_scales(static_cast<std::size_t>(out_channels)), w_deq(w.size()), b_deq(bias.size());
  const std::size_t bias_bytes = int16 ? 8 : 4;
  std::vector<std::uint8_t> w_q(w.size()), b_q(bias.size() * bias_bytes);
  for (int o = 0; o < out_channels; ++o) {
    float top = 0;
    for (std::size_t i = 0; i < per_channel; ++i) top = std::max(top, std::abs(w[o * per_channel + i]));
    const float scale = top / 127.0f;
    w_scales[static_cast<std::size_t>(o)] = scale;
    for (std::size_t i = 0; i < per_channel; ++i) {
      const auto q = static_cast<std::int8_t>(std::lround(w[o * per_channel + i] / scale));
      w_q[o * per_channel + i] = static_cast<std::uint8_t>(q);
      w_deq[o * per_channel + i] = scale * q;
    }
    const float bias_scale = in_scale * scale;
    const std::int64_t qb = std::llround(bias[static_cast<std::size_t>(o)] / bias_scale);
    const auto qb32 = static_cast<std::int32_t>(qb);
    std::memcpy(&b_q[static_cast<std::size_t>(o) * bias_bytes], int16 ? static_cast<const void*>(&qb) : &qb32, bias_bytes);
    b_deq[static_cast<std::size_t>(o)] = bias_scale * static_cast<float>(qb);
  }
  auto layer = [&](GraphBuilder& b, int x, int weights, int bias_t) {
    return conv ? b.conv2d(x, weights, bias_t, Padding::same, Activation::relu)
                : b.fully_connected(x, weights, bias_t, Activation::none);
  };
  {  // float twin first: its output range sets the output grid
    GraphBuilder b;
    const int x = b.input("x", in_shape);
    b.output(layer(b, x, b.constant("w", w_shape, w_deq), b.constant("b", {out_channels}, b_deq)));
    c.float_twin = b.finish();
  }
  const auto y = reference_eval(c.float_twin, {c.dequantized_input})[0];
  const double lo = std::min(0.0, *std::min_element(y.begin(), y.end()));
  const double hi = std::max(0.0, *std::max_element(y.begin(), y.end()));
  c.out_scale = static_cast<float>(int16 ? std::max(hi, -lo) / 32767.0 : (hi - lo) / 255.0);
  c.out_zero_point = int16 ? 0 : std::clamp<std::int64_t>(std::llround(-128.0 - lo / c.out_scale), -128, 127);
  c.q_lo = q_lo;
  c.q_hi = q_hi;
  const ElementType act = int16 ? ElementType::i16 : ElementType::i8;

  GraphBuilder b;
  const int x = b.input("x", in_shape);
  const int xq = b.quantize(x, act, Quantization{{in_scale}, {in_zero}, 0});
  std::vector<std::int64_t> zeros(static_cast<std::size_t>(out_channels), 0);
  std::vector<float> bias_scales;
  for (float sc : w_scales) bias_scales.push_back(in_scale * sc);
  const int wq = b.constant_raw("w_q", w_shape, ElementType::i8, w_q, Quantization{w_scales, zeros, 0});
  const int bq = b.constant_raw("b_q", {out_channels}, int16 ? ElementType::i64 : ElementType::i32, b_q,
                                Quantization{bias_scales, zeros, 0});
  const int yq = layer(b, xq, wq, bq);
  b.graph().tensor(yq).quantization = Quantization{{c.out_scale}, {c.out_zero_point}, 0};
  b.output(b.dequantize(yq));
  c.quantized = b.finish();
  return c;
}

TEST(LiteRtPeer, QuantizedLayersAgreeWithTheDequantizedReferenceWithinOneStep) {
  std::vector<QuantizedCase> cases{quantized_case(false, false, 41), quantized_case(true, false, 42),
                                   quantized_case(false, true, 43), quantized_case(true, true, 44)};
  const fs::path dir = fs::path(::testing::TempDir()) / "nilm_litert_int8";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream list(dir / "jobs.txt");
  for (const auto& c : cases) {
    const std::string base = (dir / c.name).string();
    save_tflite(c.quantized, base + ".tflite");
    write_floats(base + ".in", {c.input});
    list << base << ".tflite " << base << ".in " << base << ".out\n";
  }
  list.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_PEERS_DIR", NILM_PEERS_DIR) +
                              "/litert_run.mjs --batch " + (dir / "jobs.txt").string() + " > " +
                              (dir / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_text((dir / "log.txt").string());
  for (const auto& c : cases) {
    const std::string base = (dir / c.name).string();
    ASSERT_FALSE(fs::exists(base + ".out.error")) << c.name << ": LiteRT.js refused: " << read_text(base + ".out.error");
    const std::string bytes = read_text(base + ".out");
    const auto y = reference_eval(c.float_twin, {c.dequantized_input})[0];
    ASSERT_EQ(bytes.size(), y.size() * 4) << c.name;
    std::vector<float> got(y.size());
    std::memcpy(got.data(), bytes.data(), bytes.size());
    double worst_steps = 0.0;
    int off_grid = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      const double q = std::clamp(std::round(y[i] / c.out_scale) + static_cast<double>(c.out_zero_point), c.q_lo, c.q_hi);
      const double expected = c.out_scale * (q - static_cast<double>(c.out_zero_point));
      const double steps = std::abs(got[i] - expected) / c.out_scale;
      worst_steps = std::max(worst_steps, steps);
      if (steps > 0.01) ++off_grid;
    }
    std::printf("%-36s %zu values, output step %.4g, worst %.3g steps, %d of them not the exactly rounded value\n",
                c.name.c_str(), y.size(), c.out_scale, worst_steps, off_grid);
    EXPECT_LE(worst_steps, 1.01) << c.name;
    EXPECT_LE(off_grid, static_cast<int>(y.size() / 10)) << c.name << ": requantization should rarely differ";
  }
}

}  // namespace
}  // namespace nilm::model::testing
