#include "train/predictor.h"

#include <ATen/Parallel.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/train.h"

namespace nilm::train {

namespace {

std::string resolve(const std::string& path) {
  if (std::filesystem::is_directory(path)) return path + "/best.nilmckpt";
  return path;
}

class CheckpointPredictor final : public eval::Predictor {
 public:
  CheckpointPredictor(LoadedModel m, std::string path) : m_(std::move(m)), path_(std::move(path)) {
    m_.net->eval();
  }
  int window() const override { return m_.meta.model.window; }
  std::string describe() const override {
    return fmt::format("LibTorch {} checkpoint {} ({}, {} parameters)", m_.meta.model.arch, path_,
                       m_.meta.appliance.name, parameter_count(*m_.net));
  }
  void predict(const float* inputs, std::size_t count, float* out) override {
    torch::NoGradGuard no_grad;
    constexpr std::size_t kChunk = 1024;  // bounds activation memory (the transformer's is O(L^2))
    const std::int64_t w = window();
    for (std::size_t at = 0; at < count; at += kChunk) {
      auto rows = static_cast<std::int64_t>(std::min(kChunk, count - at));
      auto x = torch::from_blob(const_cast<float*>(inputs) + at * w, {rows, w});
      auto y = m_.net->forward(x).contiguous();
      std::memcpy(out + at, y.data_ptr<float>(), rows * sizeof(float));
    }
  }
  eval::ModelFacts facts() const override {
    eval::ModelFacts f;
    f.appliance = m_.meta.appliance.name;
    f.aggregate_mean = m_.meta.aggregate_mean;
    f.aggregate_std = m_.meta.aggregate_std;
    f.max_power_w = m_.meta.appliance.max_power_w;
    return f;
  }

 private:
  LoadedModel m_;
  std::string path_;
};

}  // namespace

bool is_checkpoint(const std::string& path) {
  std::ifstream in(resolve(path), std::ios::binary);
  char magic[sizeof kCheckpointMagic] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, kCheckpointMagic, sizeof magic) == 0;
}

std::unique_ptr<eval::Predictor> load_checkpoint_predictor(const std::string& path, int threads) {
  configure_process(threads, /*quiet=*/true);  // threads, malloc tuning, reference-BLAS warning
  std::string file = resolve(path);
  return std::make_unique<CheckpointPredictor>(load_model(file), file);
}

eval::PredictorLoader checkpoint_predictor_loader() {
  eval::PredictorLoader l;
  l.name = "LibTorch checkpoint (.nilmckpt)";
  l.accepts = is_checkpoint;
  l.load = load_checkpoint_predictor;
  l.parallelism = eval::Parallelism::internal;
  return l;
}

}  // namespace nilm::train
