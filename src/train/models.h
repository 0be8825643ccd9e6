// The two seq2point networks in LibTorch (train-private header: it includes LibTorch).
// Both map a batch of normalised windows [batch, window] to scaled predictions [batch].
// The forward passes have no data-dependent control flow, so a trace is a static graph.
// Every layer is a named submodule, and layers() lists them in execution order with what they
// are, so a converter can walk a model without knowing its class.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "train/model_spec.h"

namespace nilm::train {

struct LayerRef {
  std::string name;  // submodule path, the prefix of its parameter names ("block0.q")
  std::string kind;  // "conv1d", "maxpool2_same", "l2pool2", "linear", "layernorm", "relu",
                     // "gelu_tanh", "flatten_nwc", "attention", "position_embedding",
                     // "symmetric_position_embedding", "mean_time", "dropout"
  torch::nn::Module* module = nullptr;  // nullptr for parameter-free steps
};

class Seq2PointNet : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor windows) = 0;  // [B, W] -> [B]
  virtual std::vector<LayerRef> layers() = 0;
  // The convolutional front end (frozen by --freeze-conv when fine-tuning).
  virtual std::vector<torch::Tensor> front_end_parameters() = 0;
  const ModelSpec& spec() const { return spec_; }

 protected:
  explicit Seq2PointNet(ModelSpec spec) : spec_(std::move(spec)) {}
  ModelSpec spec_;
};

std::shared_ptr<Seq2PointNet> build_model(const ModelSpec&);  // throws on a bad spec
std::int64_t parameter_count(torch::nn::Module&);

}  // namespace nilm::train
