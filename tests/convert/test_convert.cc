// The converter without LibTorch: a tiny CNN checkpoint converted and run by nilm's runtime
// against a plain double-precision forward pass written from the PyTorch definitions
// (Conv1d [out,in,k] with padding k/2, ceil-mode max pool 2, channels-last flatten, Linear);
// metadata; batch; and one clear error per malformed checkpoint. The numerics of both real
// architectures against LibTorch itself: tests/train/test_convert_vs_torch.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "convert/convert.h"
#include "core/error.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "random_checkpoint.h"
#include "runtime/model.h"
#include "runtime/window_runner.h"

namespace nilm::convert::testing {
namespace {

using Matrix = std::vector<std::vector<double>>;  // [channel][time]

const train::TensorBlob& blob(const train::CheckpointFile& f, const std::string& name) {
  const auto* t = f.find(name);
  if (!t) throw std::runtime_error("missing " + name);
  return *t;
}

// PyTorch semantics, written plainly.
double reference_cnn(const train::CheckpointFile& f, const train::ModelSpec& s, const float* window) {
  Matrix x(1, std::vector<double>(window, window + s.window));
  for (std::size_t i = 0; i < s.conv_filters.size(); ++i) {
    const std::string n = "conv" + std::to_string(i + 1);
    const auto& w = blob(f, n + ".weight");
    const auto& b = blob(f, n + ".bias");
    const int out = int(w.shape[0]), in = int(w.shape[1]), k = int(w.shape[2]), len = int(x[0].size());
    Matrix y(static_cast<std::size_t>(out), std::vector<double>(static_cast<std::size_t>(len)));
    for (int o = 0; o < out; ++o)
      for (int t = 0; t < len; ++t) {
        double acc = b.data[std::size_t(o)];
        for (int c = 0; c < in; ++c)
          for (int j = 0; j < k; ++j) {
            const int src = t + j - k / 2;
            if (src >= 0 && src < len) acc += double(w.data[std::size_t((o * in + c) * k + j)]) * x[std::size_t(c)][std::size_t(src)];
          }
        y[std::size_t(o)][std::size_t(t)] = std::max(acc, 0.0);
      }
    if (i + 1 < s.conv_filters.size())  // max_pool1d(2, 2, ceil_mode): the last window may be 1 wide
      for (auto& row : y) {
        std::vector<double> p;
        for (std::size_t t = 0; t < row.size(); t += 2) p.push_back(t + 1 < row.size() ? std::max(row[t], row[t + 1]) : row[t]);
        row = p;
      }
    x = y;
  }
  std::vector<double> v;  // channels-last flatten: time-major
  for (std::size_t t = 0; t < x[0].size(); ++t)
    for (const auto& row : x) v.push_back(row[t]);
  auto dense = [&](const std::string& n, bool relu) {
    const auto& w = blob(f, n + ".weight");
    const auto& b = blob(f, n + ".bias");
    std::vector<double> y(std::size_t(w.shape[0]));
    for (std::size_t o = 0; o < y.size(); ++o) {
      double acc = b.data[o];
      for (std::size_t i = 0; i < v.size(); ++i) acc += double(w.data[o * v.size() + i]) * v[i];
      y[o] = relu ? std::max(acc, 0.0) : acc;
    }
    v = y;
  };
  for (std::size_t i = 0; i < s.dense.size(); ++i) dense("dense" + std::to_string(i + 1), true);
  dense("out", false);
  return v[0];
}

train::ModelSpec tiny_cnn() {
  train::ModelSpec s = train::default_spec("cnn", 23);  // odd: every pool has a partial window
  s.conv_filters = {3, 4, 5};
  s.conv_kernels = {3, 5, 3};
  s.dense = {7};
  return s;
}

train::ModelSpec tiny_transformer() {
  train::ModelSpec s = train::default_spec("transformer", 31);
  s.d_model = 8;
  s.heads = 2;
  s.head_dim = 4;
  s.ff_dim = 16;
  s.blocks = 2;
  s.head_hidden = 6;
  return s;
}

std::vector<float> random_windows(int count, int window, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> n;
  std::vector<float> v(std::size_t(count) * std::size_t(window));
  for (auto& x : v) x = n(gen);
  return v;
}

std::vector<float> run_ours(model::Graph graph, const std::vector<float>& windows, int window) {
  const runtime::Model m = runtime::Model::from_graph(std::move(graph));
  runtime::WindowRunner runner(m, 1);
  std::vector<float> out(windows.size() / std::size_t(window));
  runner.predict(windows.data(), out.size(), out.data());
  return out;
}

TEST(Convert, TinyCnnMatchesPlainReference) {
  const train::ModelSpec s = tiny_cnn();
  RandomCheckpoint ckpt(s, 3);
  const auto windows = random_windows(20, s.window, 4);
  const auto ours = run_ours(checkpoint_to_graph(ckpt.file, "tiny.nilmckpt"), windows, s.window);
  double lo = 1e30, hi = -1e30, worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double ref = reference_cnn(ckpt.file, s, windows.data() + i * std::size_t(s.window));
    lo = std::min(lo, ref);
    hi = std::max(hi, ref);
    worst = std::max(worst, std::abs(ref - double(ours[i])));
  }
  ASSERT_GT(hi - lo, 1e-2);
  EXPECT_LE(worst, 1e-5 * (hi - lo));
}

TEST(Convert, BatchedGraphGivesTheSamePredictions) {
  for (const auto& s : {tiny_cnn(), tiny_transformer()}) {
    RandomCheckpoint ckpt(s, 9);
    const auto windows = random_windows(10, s.window, 5);
    ConvertOptions three;
    three.batch = 3;
    const model::Graph g3 = checkpoint_to_graph(ckpt.file, "x", three);
    EXPECT_EQ(g3.tensor(g3.inputs[0]).shape, (model::Shape{3, s.window, 1}));
    const auto one = run_ours(checkpoint_to_graph(ckpt.file, "x"), windows, s.window);
    const auto batched = run_ours(g3, windows, s.window);
    for (std::size_t i = 0; i < one.size(); ++i) EXPECT_NEAR(one[i], batched[i], 1e-5f * (1 + std::abs(one[i]))) << s.arch;
  }
}

TEST(Convert, WritesTheModelFactsAsMetadata) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "nilm_convert_meta";
  std::filesystem::create_directories(dir);
  RandomCheckpoint ckpt(tiny_transformer(), 1);
  ckpt.file.meta["scaling"]["aggregate_mean"] = 400.5;
  ckpt.file.meta["period_s"] = 6.0;
  ckpt.file.meta["training"] = {{"epochs", 3}, {"history", {1, 2, 3}}};
  train::write_checkpoint_file((dir / "t.nilmckpt").string(), ckpt.file);
  convert_checkpoint((dir / "t.nilmckpt").string(), (dir / "t.tflite").string());
  const model::Graph g = model::load_tflite((dir / "t.tflite").string());
  const model::ModelInfo info = model::model_info(g, "t.tflite");
  EXPECT_EQ(info.appliance, "kettle");
  EXPECT_EQ(info.architecture, "transformer");
  EXPECT_EQ(info.window, 31);
  EXPECT_EQ(info.period_s, 6.0);
  EXPECT_FLOAT_EQ(info.aggregate_mean, 400.5f);
  EXPECT_FLOAT_EQ(info.max_power_w, 3100.0f);
  EXPECT_FLOAT_EQ(info.on_threshold_w, 2000.0f);
  EXPECT_EQ(info.min_on_s, 12.0);
  EXPECT_EQ(info.quantization, "float32");
  const auto training = nlohmann::json::parse(info.training);
  EXPECT_EQ(training["training"]["epochs"], 3);
  EXPECT_FALSE(training["training"].contains("history"));
  EXPECT_EQ(training["data"]["store"], "random");
  // Only builtin float ops, one input [1, W, 1], one output [1, 1].
  EXPECT_EQ(g.tensor(g.inputs[0]).shape, (model::Shape{1, 31, 1}));
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (model::Shape{1, 1}));
  for (const auto& op : g.ops) EXPECT_NE(op.kind, model::OpKind::quantize);
}

std::string conversion_error(const train::CheckpointFile& f) {
  try {
    checkpoint_to_graph(f, "bad.nilmckpt");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Convert, MalformedCheckpointsGetOneClearError) {
  const train::ModelSpec s = tiny_cnn();
  {
    RandomCheckpoint c(s, 1);
    c.file.meta.erase("layers");
    EXPECT_NE(conversion_error(c.file).find("bad.nilmckpt: the checkpoint has no layer table"), std::string::npos)
        << conversion_error(c.file);
  }
  {
    RandomCheckpoint c(s, 1);
    c.file.tensors.erase(c.file.tensors.begin() + 2);  // conv2.weight
    EXPECT_NE(conversion_error(c.file).find("tensor 'conv2.weight' is missing"), std::string::npos) << conversion_error(c.file);
  }
  {
    RandomCheckpoint c(s, 1);
    c.file.tensors[0].shape = {3, 1, 2};
    c.file.tensors[0].data.resize(6);
    const std::string e = conversion_error(c.file);
    EXPECT_NE(e.find("conv1"), std::string::npos) << e;
    EXPECT_EQ(e.rfind("bad.nilmckpt: ", 0), 0u) << e;
  }
  {
    RandomCheckpoint c(s, 1);
    c.file.meta["layers"][1]["kind"] = "lstm";
    EXPECT_NE(conversion_error(c.file).find("layer 'conv1.relu' has kind 'lstm'"), std::string::npos)
        << conversion_error(c.file);
  }
  {
    RandomCheckpoint c(s, 1);
    c.file.tensors[3].shape = {99};  // conv2.bias
    c.file.tensors[3].data.resize(99);
    EXPECT_NE(conversion_error(c.file).find("tensor 'conv2.bias' has shape [99], expected [4]"), std::string::npos)
        << conversion_error(c.file);
  }
  {
    RandomCheckpoint c(tiny_transformer(), 1);
    auto& layers = c.file.meta["layers"];
    for (std::size_t i = 0; i < layers.size(); ++i)
      if (layers[i]["name"] == "block1.ff_norm") layers.erase(i);
    EXPECT_NE(conversion_error(c.file), "no error");
  }
  RandomCheckpoint c(s, 1);
  ConvertOptions zero;
  zero.batch = 0;
  EXPECT_THROW(checkpoint_to_graph(c.file, "x", zero), Error);
}

}  // namespace
}  // namespace nilm::convert::testing
