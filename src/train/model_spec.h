// What a trained model is, without LibTorch: the architecture and its sizes, the appliance it
// disaggregates, the scaling of its input and output, and how it was trained. This travels in
// every checkpoint's JSON header, so `evaluate`, `convert` and friends need nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nilm::train {

// Sizes of the two seq2point architectures (NILM.md section 4). The defaults are the real
// models; tests use the same code with tiny sizes.
struct ModelSpec {
  std::string arch = "cnn";  // "cnn" | "transformer"
  int window = 599;          // input samples; the target is the midpoint
  // CNN: "same" convolutions + ReLU, a max-pool of 2 ("same") after every convolution but the
  // last, flatten (channels-last order, as Keras/TFLite flatten), dense ReLU layers, dense 1.
  std::vector<int> conv_filters{16, 32, 64, 128, 256};
  std::vector<int> conv_kernels{5, 3, 3, 3, 3};
  std::vector<int> dense{1024, 512};
  // Transformer (BERT-style, post-norm).
  int d_model = 256;
  int heads = 2;
  int head_dim = 64;
  int ff_dim = 1024;
  int blocks = 2;
  int embed_kernel = 5;
  int head_hidden = 256;
  double dropout = 0.1;

  int pooled_length() const;  // transformer: sequence length after L2-norm pooling (window / 2)
  int flatten_length() const;  // CNN: time steps left after the max-pools
};

ModelSpec default_spec(const std::string& arch, int window = 599);  // throws on unknown arch
nlohmann::json to_json(const ModelSpec&);
ModelSpec model_spec_from_json(const nlohmann::json&, const std::string& where);

// The appliance parameters a model was trained with (NILM.md section 3).
struct ApplianceInfo {
  std::string name;
  float on_threshold_w = 0;
  float max_power_w = 1;  // P_m: targets are watts / P_m
  double min_on_s = 0;
  double min_off_s = 0;
  float loss_weight = 1;  // lambda of the L1 term
};
nlohmann::json to_json(const ApplianceInfo&);
ApplianceInfo appliance_from_json(const nlohmann::json&, const std::string& where);

// Everything besides the weights that a checkpoint carries.
struct CheckpointMeta {
  ModelSpec model;
  ApplianceInfo appliance;
  float aggregate_mean = 522;  // input = (watts - mean) / std
  float aggregate_std = 814;
  double period_s = 8;
  nlohmann::json data = nlohmann::json::object();      // training data description
  nlohmann::json training = nlohmann::json::object();  // options, state (epoch, step), history
};
nlohmann::json to_json(const CheckpointMeta&);
CheckpointMeta checkpoint_meta_from_json(const nlohmann::json&, const std::string& where);

}  // namespace nilm::train
