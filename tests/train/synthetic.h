// A small in-memory dataset with the sampler's interface, for fast trainer tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "train/train.h"

namespace nilm::train::testing {

// `count` windows of `window` samples. The target is a learnable function of the window's
// middle m = mean(middle 3 samples): about 0.8 when m > 0, else about 0.1 (on/off like an
// appliance, far from the threshold, so the soft-status BCE term can approach 0; targets near
// the threshold give it a floor). status = target >= threshold.
class SyntheticSource final : public BatchSource {
 public:
  SyntheticSource(std::size_t count, int window, std::uint64_t seed, float threshold = 0.5f,
                  bool shuffle = true)
      : window_(window), shuffle_(shuffle), seed_(seed), order_(count) {
    std::mt19937 gen(static_cast<std::uint32_t>(seed));
    std::normal_distribution<float> normal;
    inputs_.resize(count * window);
    for (auto& v : inputs_) v = normal(gen);
    for (std::size_t i = 0; i < count; ++i) {
      const float* w = &inputs_[i * window];
      int mid = window / 2;
      float m = (w[mid - 1] + w[mid] + w[mid + 1]) / 3;
      // On/off like an appliance: far from the threshold either way, so the soft-status BCE
      // term can reach ~0 (targets near the threshold give it a floor).
      float t = m > 0 ? std::clamp(0.8f + 0.1f * m, 0.0f, 1.0f) : std::clamp(0.1f + 0.05f * m, 0.0f, 1.0f);
      targets_.push_back(t);
      status_.push_back(t >= threshold ? 1.0f : 0.0f);
    }
    std::iota(order_.begin(), order_.end(), 0);
  }
  std::size_t size() const override { return order_.size(); }
  void start_epoch(std::uint64_t epoch) override {
    std::iota(order_.begin(), order_.end(), 0);
    if (shuffle_) {
      std::mt19937_64 gen(seed_ * 1000003 + epoch);
      std::shuffle(order_.begin(), order_.end(), gen);
    }
    next_ = 0;
  }
  std::size_t fill_batch(std::size_t batch, float* in, float* tg, float* st) override {
    std::size_t n = 0;
    for (; n < batch && next_ < order_.size(); ++n, ++next_) {
      std::size_t i = order_[next_];
      std::memcpy(in + n * window_, &inputs_[i * window_], window_ * sizeof(float));
      tg[n] = targets_[i];
      st[n] = status_[i];
    }
    return n;
  }

 private:
  int window_;
  bool shuffle_;
  std::uint64_t seed_;
  std::vector<std::size_t> order_;
  std::size_t next_ = 0;
  std::vector<float> inputs_, targets_, status_;
};

inline ModelSpec tiny_cnn(int window = 32) {
  ModelSpec s = default_spec("cnn", window);
  s.conv_filters = {4, 8};
  s.conv_kernels = {5, 3};
  s.dense = {32};
  return s;
}

inline ModelSpec tiny_transformer(int window = 32) {
  ModelSpec s = default_spec("transformer", window);
  s.d_model = 16;
  s.heads = 2;
  s.head_dim = 8;
  s.ff_dim = 32;
  s.blocks = 1;
  s.head_hidden = 16;
  return s;
}

inline TrainData synthetic_data(const ModelSpec& spec, std::size_t train_count,
                                std::size_t val_count, std::uint64_t seed = 1) {
  TrainData d;
  d.train = std::make_unique<SyntheticSource>(train_count, spec.window, seed);
  d.validation = std::make_unique<SyntheticSource>(val_count, spec.window, seed + 100, 0.5f, false);
  d.meta.model = spec;
  d.meta.appliance = {"synthetic", 1000.0f, 2000.0f, 0, 0, 1.0f};  // threshold / P_m = 0.5
  d.meta.data = {{"source", "synthetic test data"}};
  return d;
}

}  // namespace nilm::train::testing
