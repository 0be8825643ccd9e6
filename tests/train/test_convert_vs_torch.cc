// The converter against LibTorch itself: a model built by the trainer (random initial weights,
// which are nonzero everywhere), saved as a checkpoint, converted to .tflite and run by nilm's
// runtime must give LibTorch's predictions (load_checkpoint_predictor, the path `nilm evaluate`
// takes) on aggregate-like windows within 1e-4 of the output range. Both architectures at
// their real sizes. NILM_CONVERT_WINDOWS=1000 measures more windows (default: a few dozen).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "convert/aggregate_windows.h"
#include "convert/convert.h"
#include "model/model_info.h"
#include "runtime/model.h"
#include "runtime/window_runner.h"
#include "train/checkpoint.h"
#include "train/checkpoint_file.h"
#include "train/model_spec.h"
#include "train/predictor.h"

namespace nilm::train {
namespace {

namespace fs = std::filesystem;

int window_count(int fallback) {
  const char* v = std::getenv("NILM_CONVERT_WINDOWS");
  return v && *v ? std::max(1, std::atoi(v)) : fallback;
}

using convert::testing::aggregate_windows;

std::string write_random_checkpoint(const std::string& arch, const fs::path& dir) {
  torch::manual_seed(arch == "cnn" ? 11 : 12);
  CheckpointMeta meta;
  meta.model = default_spec(arch);
  meta.appliance = {"kettle", 2000, 3100, 12, 0, 1};
  meta.data = {{"store", "synthetic"}};
  auto net = build_model(meta.model);
  // LibTorch's default init shrinks activations ~3x per layer, leaving a CNN output range of
  // ~0.005; He-scaled weights (x sqrt(6)) keep it O(1) as in a trained model. Biases start
  // near zero; give them spread so a wrong bias layout cannot hide.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters()) {
      if (p.key().ends_with(".bias")) p.value().uniform_(-0.2, 0.2);
      if (p.key().ends_with(".weight") && p.value().dim() >= 2) p.value().mul_(std::sqrt(6.0));
    }
  }
  const std::string path = (dir / (arch + ".nilmckpt")).string();
  write_checkpoint_file(path, make_checkpoint(*net, meta));
  return path;
}

struct Comparison {
  double max_error = 0, range = 0;
};

Comparison compare(const std::vector<float>& torch_out, const std::vector<float>& ours) {
  Comparison c;
  const auto [lo, hi] = std::minmax_element(torch_out.begin(), torch_out.end());
  c.range = double(*hi) - double(*lo);
  for (std::size_t i = 0; i < ours.size(); ++i)
    c.max_error = std::max(c.max_error, std::abs(double(ours[i]) - double(torch_out[i])));
  return c;
}

// LibTorch vs the converted model on `count` windows, converted at batch 1 and 4 into `dir`.
void check_checkpoint(const std::string& ckpt, const fs::path& dir, int count, bool random_meta) {
  const CheckpointMeta meta = checkpoint_meta_from_json(read_checkpoint_file(ckpt).meta, ckpt);
  const std::string arch = meta.model.arch;
  const int window = meta.model.window;
  const std::vector<float> windows = aggregate_windows(count, window, 5);

  std::vector<float> expected(std::size_t(count), 0.0f);
  {
    auto torch_model = load_checkpoint_predictor(ckpt, 2);
    for (int start = 0; start < count; start += 64) {  // batches keep LibTorch's memory small
      const int n = std::min(64, count - start);
      torch_model->predict(windows.data() + std::size_t(start) * window, std::size_t(n), expected.data() + start);
    }
  }

  for (int batch : {1, 4}) {
    const std::string tflite = (dir / (arch + "_b" + std::to_string(batch) + ".tflite")).string();
    convert::ConvertOptions options;
    options.batch = batch;
    convert::convert_checkpoint(ckpt, tflite, options);
    const runtime::Model model = runtime::Model::load(tflite);
    const model::ModelInfo info = model::model_info(model.graph(), tflite);
    EXPECT_EQ(info.appliance, meta.appliance.name);
    EXPECT_EQ(info.architecture, arch);
    EXPECT_EQ(info.window, window);
    EXPECT_FLOAT_EQ(info.max_power_w, meta.appliance.max_power_w);
    EXPECT_FLOAT_EQ(info.aggregate_mean, meta.aggregate_mean);
    if (random_meta) {
      EXPECT_FLOAT_EQ(info.on_threshold_w, 2000.0f);
    }
    runtime::WindowRunner runner(model, 1);
    ASSERT_EQ(runner.batch(), batch);
    std::vector<float> ours(static_cast<std::size_t>(count));
    runner.predict(windows.data(), std::size_t(count), ours.data());
    const Comparison c = compare(expected, ours);
    std::printf("%s batch %d: %d windows, LibTorch output range %.6g, max |ours - LibTorch| %.3g (%.3g of the range)\n",
                arch.c_str(), batch, count, c.range, c.max_error, c.max_error / c.range);
    ASSERT_GT(c.range, 1e-3) << "the windows do not exercise the model";
    EXPECT_LE(c.max_error, 1e-4 * c.range) << arch << " batch " << batch;
  }
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("nilm_convert_vs_torch_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(ConvertVsTorch, CnnMatchesLibTorch) {
  const fs::path dir = fresh_dir("cnn");
  check_checkpoint(write_random_checkpoint("cnn", dir), dir, window_count(200), true);
}
TEST(ConvertVsTorch, TransformerMatchesLibTorch) {
  const fs::path dir = fresh_dir("transformer");
  check_checkpoint(write_random_checkpoint("transformer", dir), dir, window_count(24), true);
}

// By hand: NILM_CONVERT_CHECKPOINT=runs/kettle/best.nilmckpt checks a trained checkpoint.
TEST(ConvertVsTorch, TrainedCheckpointFromTheEnvironment) {
  const char* path = std::getenv("NILM_CONVERT_CHECKPOINT");
  if (!path || !*path) GTEST_SKIP() << "set NILM_CONVERT_CHECKPOINT to check a trained checkpoint";
  check_checkpoint(path, fresh_dir("trained"), window_count(200), false);
}

}  // namespace
}  // namespace nilm::train
