// The two architectures, the loss against hand-computed values, and the checkpoint file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "synthetic.h"
#include "train/checkpoint.h"
#include "train/loss.h"
#include "train/models.h"
#include "train/predictor.h"

namespace nilm::train {
namespace {

using testing::tiny_cnn;
using testing::tiny_transformer;

// Counted by hand from NILM.md section 4 (weights + biases per layer).
TEST(Models, CnnHasTheReferenceParameterCount) {
  std::int64_t convs = (1 * 16 * 5 + 16) + (16 * 32 * 3 + 32) + (32 * 64 * 3 + 64) +
                       (64 * 128 * 3 + 128) + (128 * 256 * 3 + 256);
  std::int64_t dense = (9728LL * 1024 + 1024) + (1024 * 512 + 512) + (512 + 1);
  EXPECT_EQ(convs + dense, 10618945);
  EXPECT_EQ(count_parameters(default_spec("cnn")), 10618945);  // "about 10.5 M"
  EXPECT_EQ(default_spec("cnn").flatten_length(), 38);          // 599->300->150->75->38
}

TEST(Models, TransformerHasTheReferenceParameterCount) {
  std::int64_t embed = (256 * 5 + 256) + 299 * 256 + 2 * 256;
  std::int64_t block = 3 * (256 * 128 + 128) + (128 * 256 + 256) + 2 * 256 +
                       (256 * 1024 + 1024) + (1024 * 256 + 256) + 2 * 256;
  std::int64_t tail = 150 * 256 + 2 * 256 + (256 * 256 + 256) + (256 + 1);
  EXPECT_EQ(embed + 2 * block + tail, 1500161);
  EXPECT_EQ(count_parameters(default_spec("transformer")), 1500161);  // "about 1.6 M"
}

TEST(Models, RealModelsMapWindowsToOneValueEach) {
  torch::NoGradGuard no_grad;
  for (const char* arch : {"cnn", "transformer"}) {
    auto net = build_model(default_spec(arch));
    net->eval();
    auto y = net->forward(torch::randn({3, 599}));
    EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{3})) << arch;
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << arch;
  }
}

TEST(Models, LayersAreListedInOrderWithTheirParameters) {
  auto net = build_model(default_spec("cnn"));
  auto layers = net->layers();
  ASSERT_FALSE(layers.empty());
  EXPECT_EQ(layers.front().name, "conv1");
  EXPECT_EQ(layers.front().kind, "conv1d");
  EXPECT_EQ(layers.back().name, "out");
  std::int64_t counted = 0;
  for (const auto& l : layers)
    if (l.module) counted += parameter_count(*l.module);
  EXPECT_EQ(counted, parameter_count(*net));  // the layer list covers every parameter

  auto tf = build_model(default_spec("transformer"));
  counted = 0;
  for (const auto& l : tf->layers())
    if (l.module) counted += parameter_count(*l.module);
  // position (299x256) and relative (150x256) embeddings are parameters of the model itself
  EXPECT_EQ(counted + 299 * 256 + 150 * 256, parameter_count(*tf));
}

TEST(Models, SymmetricPositionEmbeddingIsMirroredAroundTheMidpoint) {
  // With every other layer's effect removed, a window and its time reverse get the same
  // relative embedding: check the index table directly through the buffer.
  auto tf = build_model(tiny_transformer(30));  // pooled length 15, 8 vectors
  torch::Tensor idx;
  for (const auto& b : tf->named_buffers())
    if (b.key() == "relative_index") idx = b.value();
  ASSERT_TRUE(idx.defined());
  ASSERT_EQ(idx.numel(), 15);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(idx[i].item<std::int64_t>(), std::min(i, 14 - i));
  EXPECT_EQ(idx.max().item<std::int64_t>(), 7);  // ceil(15/2) = 8 vectors: 0..7
}

TEST(Models, EvalModeIsDeterministicAndBatchIndependent) {
  torch::NoGradGuard no_grad;
  auto net = build_model(tiny_transformer());
  net->eval();
  auto x = torch::randn({4, 32});
  auto all = net->forward(x);
  auto one = net->forward(x.narrow(0, 2, 1));
  EXPECT_NEAR(all[2].item<float>(), one[0].item<float>(), 1e-5);
}

// L = mean(d^2) + mean BCE(sigmoid((p - thr)/T), s) + lambda * mean_{O} |d|, computed by hand.
TEST(Loss, MatchesAHandComputedCase) {
  auto pred = torch::tensor({0.6f, 0.1f, 0.5f, 0.0f});
  auto target = torch::tensor({0.5f, 0.0f, 0.0f, 0.2f});
  auto status = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f});
  LossConfig cfg{0.3f, 2.0f, 0.1f};
  // logits (p - 0.3) / 0.1 = 3, -2, 2, -3; BCE = log(1 + exp(-z)) for s=1, log(1 + exp(z)) for s=0
  double bce = (std::log1p(std::exp(-3.0)) + std::log1p(std::exp(-2.0)) +
                std::log1p(std::exp(2.0)) + std::log1p(std::exp(3.0))) / 4;
  double mse = (0.01 + 0.01 + 0.25 + 0.04) / 4;
  double l1 = 2.0 * (0.1 + 0.5 + 0.2) / 3;  // O = {0 (on), 2 (predicted on, truly off), 3 (on)}
  auto loss = seq2point_loss(pred, target, status, cfg);
  EXPECT_NEAR(loss.item<double>(), mse + bce + l1, 1e-6);
}

TEST(Loss, EmptyOnSetDropsTheL1Term) {
  auto pred = torch::tensor({0.1f, 0.2f});
  auto target = torch::tensor({0.0f, 0.4f});
  auto status = torch::tensor({0.0f, 0.0f});
  LossConfig cfg{0.5f, 100.0f, 0.05f};
  double bce = (std::log1p(std::exp(-8.0)) + std::log1p(std::exp(-6.0))) / 2;
  double mse = (0.01 + 0.04) / 2;
  EXPECT_NEAR(seq2point_loss(pred, target, status, cfg).item<double>(), mse + bce, 1e-6);
}

// Data-parallel ranks each compute their slice with global denominators; the sum of their
// losses and gradients must be the whole batch's.
TEST(Loss, SlicesWithGlobalDenominatorsSumToTheWholeBatch) {
  torch::manual_seed(3);
  auto w = torch::randn({5}, torch::requires_grad());
  auto x = torch::randn({10, 5});
  auto target = torch::rand({10});
  auto status = (target > 0.5f).to(torch::kFloat32);
  LossConfig cfg{0.5f, 1.5f, 0.05f};
  auto full = seq2point_loss(torch::sigmoid(x.matmul(w)), target, status, cfg);
  auto g_full = torch::autograd::grad({full}, {w})[0];

  auto a = loss_sums(torch::sigmoid(x.narrow(0, 0, 4).matmul(w)), target.narrow(0, 0, 4), status.narrow(0, 0, 4), cfg);
  auto b = loss_sums(torch::sigmoid(x.narrow(0, 4, 6).matmul(w)), target.narrow(0, 4, 6), status.narrow(0, 4, 6), cfg);
  double on = double(a.on_or_wrong + b.on_or_wrong);
  auto la = combine_loss(a, 10, on, cfg), lb = combine_loss(b, 10, on, cfg);
  auto ga = torch::autograd::grad({la}, {w})[0], gb = torch::autograd::grad({lb}, {w})[0];
  EXPECT_NEAR((la + lb).item<double>(), full.item<double>(), 1e-6);
  EXPECT_TRUE(torch::allclose(ga + gb, g_full, 1e-5, 1e-6));
}

CheckpointMeta some_meta(const ModelSpec& spec) {
  CheckpointMeta m;
  m.model = spec;
  m.appliance = {"kettle", 1500, 3100, 12, 0, 1.0f};
  m.aggregate_mean = 500;
  m.aggregate_std = 800;
  m.data = {{"store", "/somewhere"}};
  return m;
}

TEST(Checkpoint, RoundTripGivesIdenticalPredictions) {
  auto dir = std::filesystem::temp_directory_path() / "nilm_test_ckpt";
  std::filesystem::create_directories(dir);
  for (auto spec : {tiny_cnn(), tiny_transformer()}) {
    auto net = build_model(spec);
    net->eval();
    std::string path = (dir / (spec.arch + ".nilmckpt")).string();
    write_checkpoint_file(path, make_checkpoint(*net, some_meta(spec)));

    auto loaded = load_model(path);
    loaded.net->eval();
    EXPECT_EQ(to_json(loaded.meta.model), to_json(spec));
    EXPECT_EQ(loaded.meta.appliance.name, "kettle");
    EXPECT_EQ(loaded.meta.aggregate_std, 800);
    torch::NoGradGuard no_grad;
    auto x = torch::randn({5, spec.window});
    EXPECT_TRUE(torch::equal(net->forward(x), loaded.net->forward(x))) << spec.arch;

    auto predictor = load_checkpoint_predictor(path, 1);
    EXPECT_EQ(predictor->window(), spec.window);
    EXPECT_EQ(predictor->facts().max_power_w, 3100);
    std::vector<float> out(5);
    predictor->predict(x.data_ptr<float>(), 5, out.data());
    auto expected = net->forward(x);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], expected[i].item<float>());
    EXPECT_TRUE(is_checkpoint(path));
  }
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, FileIsReadableWithoutLibTorch) {
  // The raw table: names, shapes, float32 data at the recorded offsets.
  auto path = (std::filesystem::temp_directory_path() / "nilm_raw.nilmckpt").string();
  CheckpointFile f;
  f.meta = {{"hello", 1}};
  f.tensors = {{"a", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b", {1}, {7}}};
  write_checkpoint_file(path, f);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(bytes.substr(0, 8), "NILMCKPT");
  std::uint64_t header_len;
  std::memcpy(&header_len, bytes.data() + 16, 8);
  auto header = nlohmann::json::parse(bytes.substr(24, header_len));
  std::size_t data_start = (24 + header_len + 63) / 64 * 64;
  auto b = header["tensors"][1];
  float v;
  std::memcpy(&v, bytes.data() + data_start + b["offset"].get<std::size_t>(), 4);
  EXPECT_EQ(v, 7.0f);
  auto back = read_checkpoint_file(path);
  EXPECT_EQ(back.meta["hello"], 1);
  ASSERT_NE(back.find("a"), nullptr);
  EXPECT_EQ(back.find("a")->data[5], 6.0f);
  std::filesystem::remove(path);
}

TEST(Checkpoint, DamagedFilesGiveErrorsNamingTheFile) {
  auto path = (std::filesystem::temp_directory_path() / "nilm_bad.nilmckpt").string();
  {
    std::ofstream(path) << "not a checkpoint at all, just text";
  }
  try {
    read_checkpoint_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos);
  }
  // A real checkpoint cut short.
  auto net = build_model(tiny_cnn());
  write_checkpoint_file(path, make_checkpoint(*net, some_meta(tiny_cnn())));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
  try {
    load_model(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  // Weights that do not fit the architecture.
  auto other = tiny_cnn();
  other.dense = {8};
  auto meta = some_meta(tiny_cnn());
  auto file = make_checkpoint(*build_model(other), meta);
  write_checkpoint_file(path, file);
  EXPECT_THROW(load_model(path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nilm::train
