// Checkpoints without LibTorch: the trainer's parameter names, shapes and layer table
// (train/models.cc, written out again here) filled with random weights. The LibTorch test
// (tests/train/test_convert_vs_torch.cc) checks the converter on the trainer's own files; these
// let the torch-free tests and the LiteRT.js test build any size quickly.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "train/checkpoint_file.h"
#include "train/model_spec.h"

namespace nilm::convert::testing {

class RandomCheckpoint {
 public:
  RandomCheckpoint(const train::ModelSpec& spec, std::uint64_t seed) : gen_(seed) {
    train::CheckpointMeta meta;
    meta.model = spec;
    meta.appliance = {"kettle", 2000, 3100, 12, 0, 1};
    meta.data = {{"store", "random"}};
    file.meta = train::to_json(meta);
    file.meta["layers"] = nlohmann::json::array();
    if (spec.arch == "cnn") cnn(spec);
    else transformer(spec);
  }
  train::CheckpointFile file;

 private:
  void tensor(const std::string& name, std::vector<std::int64_t> shape, float scale) {
    train::TensorBlob t{name, shape, {}};
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    std::uniform_real_distribution<float> u(-scale, scale);
    for (std::int64_t i = 0; i < n; ++i) t.data.push_back(u(gen_));
    file.tensors.push_back(std::move(t));
  }
  void layer(const std::string& name, const std::string& kind, std::vector<std::string> params = {}) {
    file.meta["layers"].push_back({{"name", name}, {"kind", kind}, {"parameters", params}});
  }
  void linear(const std::string& name, int in, int out) {
    tensor(name + ".weight", {out, in}, std::sqrt(3.0f / float(in)));
    tensor(name + ".bias", {out}, 0.2f);
    layer(name, "linear", {name + ".weight", name + ".bias"});
  }
  void layernorm(const std::string& name, int d) {
    tensor(name + ".weight", {d}, 0.5f);
    file.tensors.back().data = std::vector<float>(std::size_t(d), 1.0f);
    for (auto& v : file.tensors.back().data) v += std::uniform_real_distribution<float>(-0.3f, 0.3f)(gen_);
    tensor(name + ".bias", {d}, 0.2f);
    layer(name, "layernorm", {name + ".weight", name + ".bias"});
  }
  void conv(const std::string& name, int in, int out, int k) {
    tensor(name + ".weight", {out, in, k}, std::sqrt(6.0f / float(in * k)));
    tensor(name + ".bias", {out}, 0.2f);
    layer(name, "conv1d", {name + ".weight", name + ".bias"});
  }
  void cnn(const train::ModelSpec& s) {
    int in = 1;
    for (std::size_t i = 0; i < s.conv_filters.size(); ++i) {
      const std::string n = "conv" + std::to_string(i + 1);
      conv(n, in, s.conv_filters[i], s.conv_kernels[i]);
      layer(n + ".relu", "relu");
      if (i + 1 < s.conv_filters.size()) layer(n + ".pool", "maxpool2_same");
      in = s.conv_filters[i];
    }
    layer("flatten", "flatten_nwc");
    int features = in * s.flatten_length();
    for (std::size_t i = 0; i < s.dense.size(); ++i) {
      const std::string n = "dense" + std::to_string(i + 1);
      linear(n, features, s.dense[i]);
      layer(n + ".relu", "relu");
      features = s.dense[i];
    }
    linear("out", features, 1);
  }
  void transformer(const train::ModelSpec& s) {
    const int d = s.d_model, len = s.pooled_length(), inner = s.heads * s.head_dim;
    conv("embed_conv", 1, d, s.embed_kernel);
    layer("embed_pool", "l2pool2");
    tensor("position", {len, d}, 0.1f);
    layer("position", "position_embedding", {"position"});
    layernorm("embed_norm", d);
    layer("embed_drop", "dropout");
    for (int i = 0; i < s.blocks; ++i) {
      const std::string n = "block" + std::to_string(i);
      for (const char* p : {".attn.q", ".attn.k", ".attn.v"}) {
        tensor(n + p + ".weight", {inner, d}, std::sqrt(3.0f / float(d)));
        tensor(n + p + ".bias", {inner}, 0.2f);
      }
      tensor(n + ".attn.o.weight", {d, inner}, std::sqrt(3.0f / float(inner)));
      tensor(n + ".attn.o.bias", {d}, 0.2f);
      layer(n + ".attn", "attention");
      layernorm(n + ".attn_norm", d);
      linear(n + ".ff1", d, s.ff_dim);
      layer(n + ".gelu", "gelu_tanh");
      linear(n + ".ff2", s.ff_dim, d);
      layernorm(n + ".ff_norm", d);
    }
    tensor("relative", {(len + 1) / 2, d}, 0.1f);
    layer("relative", "symmetric_position_embedding", {"relative"});
    layernorm("relative_norm", d);
    layer("pool", "mean_time");
    linear("head", d, s.head_hidden);
    layer("head.relu", "relu");
    linear("out", s.head_hidden, 1);
  }
  std::mt19937_64 gen_;
};

}  // namespace nilm::convert::testing
