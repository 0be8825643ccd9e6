#include "train/models.h"

#include <cmath>

#include "core/error.h"

namespace nilm::train {

namespace nn = torch::nn;

namespace {

nn::Conv1d same_conv(int in, int out, int kernel) {
  if (kernel % 2 == 0) fail("convolution kernel " + std::to_string(kernel) + " must be odd for 'same' padding");
  return nn::Conv1d(nn::Conv1dOptions(in, out, kernel).padding(kernel / 2));
}

// The reference's CNN: "same" convolutions, max-pool 2 ("same": ceil(n/2), the last window
// partial) after all but the last, flatten, dense ReLU layers, dense 1.
class CnnNet final : public Seq2PointNet {
 public:
  explicit CnnNet(const ModelSpec& s) : Seq2PointNet(s) {
    int in = 1;
    for (std::size_t i = 0; i < s.conv_filters.size(); ++i) {
      convs_.push_back(register_module("conv" + std::to_string(i + 1),
                                       same_conv(in, s.conv_filters[i], s.conv_kernels[i])));
      in = s.conv_filters[i];
    }
    int features = in * s.flatten_length();
    for (std::size_t i = 0; i < s.dense.size(); ++i) {
      denses_.push_back(register_module("dense" + std::to_string(i + 1), nn::Linear(features, s.dense[i])));
      features = s.dense[i];
    }
    out_ = register_module("out", nn::Linear(features, 1));
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = x.unsqueeze(1);  // [B, 1, W]
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      x = torch::relu(convs_[i]->forward(x));
      if (i + 1 < convs_.size()) x = torch::max_pool1d(x, 2, 2, 0, 1, /*ceil_mode=*/true);
    }
    // Channels-last flatten ([B, L, C] -> [B, L*C]) as Keras and TFLite do, so the dense
    // weights convert without a permutation.
    x = x.permute({0, 2, 1}).flatten(1);
    for (auto& d : denses_) x = torch::relu(d->forward(x));
    return out_->forward(x).squeeze(1);
  }

  std::vector<LayerRef> layers() override {
    std::vector<LayerRef> l;
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      std::string n = "conv" + std::to_string(i + 1);
      l.push_back({n, "conv1d", convs_[i].get()});
      l.push_back({n + ".relu", "relu", nullptr});
      if (i + 1 < convs_.size()) l.push_back({n + ".pool", "maxpool2_same", nullptr});
    }
    l.push_back({"flatten", "flatten_nwc", nullptr});
    for (std::size_t i = 0; i < denses_.size(); ++i) {
      std::string n = "dense" + std::to_string(i + 1);
      l.push_back({n, "linear", denses_[i].get()});
      l.push_back({n + ".relu", "relu", nullptr});
    }
    l.push_back({"out", "linear", out_.get()});
    return l;
  }

  std::vector<torch::Tensor> front_end_parameters() override {
    std::vector<torch::Tensor> p;
    for (auto& c : convs_)
      for (auto& t : c->parameters()) p.push_back(t);
    return p;
  }

 private:
  std::vector<nn::Conv1d> convs_;
  std::vector<nn::Linear> denses_;
  nn::Linear out_{nullptr};
};

// Multi-head self-attention from Linear + matmul (batch-first), no mask, no branches.
class AttentionImpl : public nn::Module {
 public:
  AttentionImpl(int d_model, int heads, int head_dim) : heads_(heads), head_dim_(head_dim) {
    q = register_module("q", nn::Linear(d_model, heads * head_dim));
    k = register_module("k", nn::Linear(d_model, heads * head_dim));
    v = register_module("v", nn::Linear(d_model, heads * head_dim));
    o = register_module("o", nn::Linear(heads * head_dim, d_model));
  }
  torch::Tensor forward(const torch::Tensor& x) {  // [B, L, D]
    auto b = x.size(0), len = x.size(1);
    auto split = [&](const torch::Tensor& t) {  // [B, L, H*E] -> [B, H, L, E]
      return t.view({b, len, heads_, head_dim_}).permute({0, 2, 1, 3});
    };
    auto qh = split(q->forward(x)), kh = split(k->forward(x)), vh = split(v->forward(x));
    auto scores = torch::matmul(qh, kh.transpose(-2, -1)) * (1.0 / std::sqrt(double(head_dim_)));
    auto ctx = torch::matmul(torch::softmax(scores, -1), vh);  // [B, H, L, E]
    return o->forward(ctx.permute({0, 2, 1, 3}).reshape({b, len, heads_ * head_dim_}));
  }
  nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};

 private:
  std::int64_t heads_, head_dim_;
};
TORCH_MODULE(Attention);

// One post-norm encoder block: x = LN(x + drop(attn(x))); x = LN(x + drop(ff(x))).
class EncoderBlockImpl : public nn::Module {
 public:
  EncoderBlockImpl(const ModelSpec& s) {
    attn = register_module("attn", Attention(s.d_model, s.heads, s.head_dim));
    attn_norm = register_module("attn_norm", nn::LayerNorm(nn::LayerNormOptions({s.d_model})));
    ff1 = register_module("ff1", nn::Linear(s.d_model, s.ff_dim));
    ff2 = register_module("ff2", nn::Linear(s.ff_dim, s.d_model));
    ff_norm = register_module("ff_norm", nn::LayerNorm(nn::LayerNormOptions({s.d_model})));
    drop = register_module("drop", nn::Dropout(s.dropout));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = attn_norm->forward(x + drop->forward(attn->forward(x)));
    auto h = ff2->forward(torch::gelu(ff1->forward(x), "tanh"));
    return ff_norm->forward(x + drop->forward(h));
  }
  Attention attn{nullptr};
  nn::LayerNorm attn_norm{nullptr}, ff_norm{nullptr};
  nn::Linear ff1{nullptr}, ff2{nullptr};
  nn::Dropout drop{nullptr};
};
TORCH_MODULE(EncoderBlock);

// The BERT-style seq2point transformer of NILM.md section 4.
class TransformerNet final : public Seq2PointNet {
 public:
  explicit TransformerNet(const ModelSpec& s) : Seq2PointNet(s) {
    const int len = s.pooled_length();
    const int half = (len + 1) / 2;
    embed_conv_ = register_module("embed_conv", same_conv(1, s.d_model, s.embed_kernel));
    position_ = register_parameter("position", torch::randn({len, s.d_model}) * 0.02);
    embed_norm_ = register_module("embed_norm", nn::LayerNorm(nn::LayerNormOptions({s.d_model})));
    embed_drop_ = register_module("embed_drop", nn::Dropout(s.dropout));
    for (int i = 0; i < s.blocks; ++i)
      blocks_.push_back(register_module("block" + std::to_string(i), EncoderBlock(s)));
    // ceil(L/2) vectors mirrored around the midpoint: position i uses vector min(i, L-1-i).
    relative_ = register_parameter("relative", torch::randn({half, s.d_model}) * 0.02);
    auto idx = torch::arange(len, torch::kLong);
    relative_index_ = register_buffer("relative_index", torch::minimum(idx, (len - 1) - idx));
    relative_norm_ = register_module("relative_norm", nn::LayerNorm(nn::LayerNormOptions({s.d_model})));
    head_ = register_module("head", nn::Linear(s.d_model, s.head_hidden));
    out_ = register_module("out", nn::Linear(s.head_hidden, 1));
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = embed_conv_->forward(x.unsqueeze(1));                              // [B, D, W]
    x = torch::sqrt(torch::avg_pool1d(x * x, 2, 2) + 1e-10);               // L2-norm pool
    x = x.permute({0, 2, 1});                                              // [B, L, D]
    x = embed_drop_->forward(embed_norm_->forward(x + position_));
    for (auto& b : blocks_) x = b->forward(x);
    x = relative_norm_->forward(x + relative_.index_select(0, relative_index_));
    x = x.mean(1);                                                         // [B, D]
    return out_->forward(torch::relu(head_->forward(x))).squeeze(1);
  }

  std::vector<LayerRef> layers() override {
    std::vector<LayerRef> l = {{"embed_conv", "conv1d", embed_conv_.get()},
                               {"embed_pool", "l2pool2", nullptr},
                               {"position", "position_embedding", nullptr},
                               {"embed_norm", "layernorm", embed_norm_.get()},
                               {"embed_drop", "dropout", embed_drop_.get()}};
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      std::string n = "block" + std::to_string(i);
      auto& b = blocks_[i];
      l.push_back({n + ".attn", "attention", b->attn.get()});
      l.push_back({n + ".attn_norm", "layernorm", b->attn_norm.get()});
      l.push_back({n + ".ff1", "linear", b->ff1.get()});
      l.push_back({n + ".gelu", "gelu_tanh", nullptr});
      l.push_back({n + ".ff2", "linear", b->ff2.get()});
      l.push_back({n + ".ff_norm", "layernorm", b->ff_norm.get()});
    }
    l.push_back({"relative", "symmetric_position_embedding", nullptr});
    l.push_back({"relative_norm", "layernorm", relative_norm_.get()});
    l.push_back({"pool", "mean_time", nullptr});
    l.push_back({"head", "linear", head_.get()});
    l.push_back({"head.relu", "relu", nullptr});
    l.push_back({"out", "linear", out_.get()});
    return l;
  }

  std::vector<torch::Tensor> front_end_parameters() override { return embed_conv_->parameters(); }

 private:
  nn::Conv1d embed_conv_{nullptr};
  torch::Tensor position_, relative_, relative_index_;
  nn::LayerNorm embed_norm_{nullptr}, relative_norm_{nullptr};
  nn::Dropout embed_drop_{nullptr};
  std::vector<EncoderBlock> blocks_;
  nn::Linear head_{nullptr}, out_{nullptr};
};

}  // namespace

std::shared_ptr<Seq2PointNet> build_model(const ModelSpec& s) {
  if (s.window < 4) fail("model window " + std::to_string(s.window) + " is too short");
  if (s.arch == "cnn") {
    if (s.conv_filters.empty() || s.conv_filters.size() != s.conv_kernels.size())
      fail("cnn: conv_filters and conv_kernels must be non-empty and of equal length");
    return std::make_shared<CnnNet>(s);
  }
  if (s.arch == "transformer") {
    if (s.d_model <= 0 || s.heads <= 0 || s.head_dim <= 0 || s.blocks < 0)
      fail("transformer: sizes must be positive");
    return std::make_shared<TransformerNet>(s);
  }
  fail("unknown model architecture '" + s.arch + "' (expected cnn or transformer)");
}

std::int64_t parameter_count(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace nilm::train
