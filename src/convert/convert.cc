#include "convert/convert.h"

#include <cmath>
#include <functional>
#include <map>

#include "core/error.h"
#include "model/builder.h"
#include "model/tflite.h"
#include "train/model_spec.h"

namespace nilm::convert {
namespace {

using model::Activation;
using model::GraphBuilder;
using model::OpKind;
using model::Padding;
using nlohmann::json;

constexpr float kLayerNormEps = 1e-5f;  // torch::nn::LayerNorm's default, which the trainer uses
constexpr float kL2PoolEps = 1e-10f;    // sqrt(avg_pool(x^2) + 1e-10) in TransformerNet

struct Layer {
  std::string name, kind;
};

// The state of one conversion: the checkpoint, the graph being built and the running tensor.
struct Lowering {
  const train::CheckpointFile& file;
  const train::ModelSpec& spec;
  const std::string& where;
  int batch;
  GraphBuilder b;
  int x = -1;  // the current activation

  const train::TensorBlob& param(const std::string& name, std::vector<std::int64_t> shape) const {
    const train::TensorBlob* t = file.find(name);
    if (!t) fail(where + ": tensor '" + name + "' is missing");
    if (t->shape != shape)
      fail(where + ": tensor '" + name + "' has shape " + json(t->shape).dump() + ", expected " +
           json(shape).dump());
    return *t;
  }
  // A tensor's leading/trailing dimension without knowing the size in advance.
  std::int64_t dim(const std::string& name, std::size_t axis) const {
    const train::TensorBlob* t = file.find(name);
    if (!t) fail(where + ": tensor '" + name + "' is missing");
    if (axis >= t->shape.size()) fail(where + ": tensor '" + name + "' has too few dimensions");
    return t->shape[axis];
  }
  const model::Shape& shape(int tensor) { return b.tensor(tensor).shape; }
  int channels() { return shape(x).back(); }
  int scalar(const std::string& name, float value) { return b.constant(name, {1}, {value}); }
};

std::string tensor_name(const std::string& param) {  // "block0.attn.q.weight" -> "block0/attn/q/weight"
  std::string s = param;
  for (char& c : s)
    if (c == '.') c = '/';
  return s;
}

// Linear [out, in] is TFLite's FULLY_CONNECTED layout as it is.
int linear(Lowering& l, int x, const std::string& name, Activation act) {
  const int in = l.b.tensor(x).shape.back();
  const std::int64_t out = l.dim(name + ".weight", 0);
  const auto& w = l.param(name + ".weight", {out, in});
  const auto& bias = l.param(name + ".bias", {out});
  const int wt = l.b.constant(tensor_name(w.name), {int(out), in}, w.data);
  const int bt = l.b.constant(tensor_name(bias.name), {int(out)}, bias.data);
  const bool keep = l.b.tensor(x).shape.size() > 2;  // [N, L, in] -> [N, L, out]
  return l.b.fully_connected(x, wt, bt, act, keep);
}

// Conv1d [out, in, k] (PyTorch) -> CONV_2D OHWI [out, 1, k, in]; odd k with padding k/2 and
// stride 1 is TFLite's 'same'.
int conv1d(Lowering& l, const std::string& name, Activation act) {
  const int in = l.channels();
  const std::int64_t out = l.dim(name + ".weight", 0), k = l.dim(name + ".weight", 2);
  const auto& w = l.param(name + ".weight", {out, in, k});
  if (k % 2 == 0) fail(l.where + ": layer '" + name + "': even kernel " + std::to_string(k) + " is not 'same'");
  const auto& bias = l.param(name + ".bias", {out});
  std::vector<float> ohwi(w.data.size());
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t i = 0; i < in; ++i)
      for (std::int64_t t = 0; t < k; ++t) ohwi[std::size_t((o * k + t) * in + i)] = w.data[std::size_t((o * in + i) * k + t)];
  const int wt = l.b.constant(tensor_name(w.name), {int(out), 1, int(k), in}, ohwi);
  const int bt = l.b.constant(tensor_name(bias.name), {int(out)}, bias.data);
  return l.b.conv1d(l.x, wt, bt, Padding::same, act);
}

// (x - mean) * rsqrt(biased variance + eps) * gamma + beta over the last axis.
int layer_norm(Lowering& l, int x, const std::string& name) {
  GraphBuilder& b = l.b;
  const int d = b.tensor(x).shape.back();
  const auto& gamma = l.param(name + ".weight", {d});
  const auto& beta = l.param(name + ".bias", {d});
  const int mu = b.mean(x, {-1}, true);
  const int var = b.mean(b.squared_difference(x, mu), {-1}, true);
  const int inv = b.unary(OpKind::rsqrt, b.add(var, l.scalar(name + "/eps", kLayerNormEps)));
  const int y = b.mul(b.sub(x, mu), inv);
  return b.add(b.mul(y, b.constant(tensor_name(gamma.name), {d}, gamma.data)),
               b.constant(tensor_name(beta.name), {d}, beta.data));
}

// Multi-head self-attention of train/models.cc: q, k, v projections split into heads,
// softmax(q k^T / sqrt(E)) v, heads merged, output projection.
int attention(Lowering& l, const std::string& name) {
  GraphBuilder& b = l.b;
  const int len = l.shape(l.x)[1], heads = l.spec.heads, width = l.spec.head_dim;
  if (l.dim(name + ".q.weight", 0) != std::int64_t(heads) * width)
    fail(l.where + ": layer '" + name + "': q has " + std::to_string(l.dim(name + ".q.weight", 0)) +
         " outputs, the spec says heads x head_dim = " + std::to_string(heads * width));
  auto split = [&](int t) {  // [N, L, H*E] -> [N, H, L, E]
    return b.transpose(b.reshape(t, {l.batch, len, heads, width}), {0, 2, 1, 3});
  };
  const int q = split(linear(l, l.x, name + ".q", Activation::none));
  const int k = split(linear(l, l.x, name + ".k", Activation::none));
  const int v = split(linear(l, l.x, name + ".v", Activation::none));
  const float scale = float(1.0 / std::sqrt(double(width)));
  const int probs = b.softmax(b.mul(b.batch_matmul(q, k, false, true), l.scalar(name + "/scale", scale)));
  const int ctx = b.reshape(b.transpose(b.batch_matmul(probs, v), {0, 2, 1, 3}), {l.batch, len, heads * width});
  return linear(l, ctx, name + ".o", Activation::none);
}

// Post-norm encoder sub-layers are listed one by one; the residual additions are implied by
// the table's order (attention then attn_norm; ff1, gelu, ff2 then ff_norm), so the lowering
// remembers the block input.
struct Residual {
  int input = -1;
  std::string closer;  // the layernorm that adds it back ("block0.attn_norm")
  void open(int x, const std::string& block, const std::string& norm) {
    input = x;
    closer = block + norm;
  }
};

std::string block_of(const std::string& name) { return name.substr(0, name.rfind('.')); }

using Handler = std::function<void(Lowering&, const Layer&, Activation fused, Residual&)>;

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> table = {
      {"conv1d", [](Lowering& l, const Layer& layer, Activation act, Residual&) { l.x = conv1d(l, layer.name, act); }},
      {"relu", [](Lowering& l, const Layer&, Activation, Residual&) { l.x = l.b.unary(OpKind::relu, l.x); }},
      {"maxpool2_same", [](Lowering& l, const Layer&, Activation, Residual&) {
         // ceil_mode max pool 2/2 = TFLite 'same' (one padded column at the end, ignored by max)
         l.x = l.b.max_pool1d(l.x, 2, 2, Padding::same);
       }},
      {"flatten_nwc", [](Lowering& l, const Layer&, Activation, Residual&) { l.x = l.b.flatten(l.x); }},
      {"linear", [](Lowering& l, const Layer& layer, Activation act, Residual& r) {
         if (layer.name.ends_with(".ff1")) {
           if (r.input >= 0) fail("feed-forward inside an unclosed residual sub-layer (expected '" + r.closer + "')");
           r.open(l.x, block_of(layer.name), ".ff_norm");
         }
         l.x = linear(l, l.x, layer.name, act);
       }},
      {"dropout", [](Lowering&, const Layer&, Activation, Residual&) {}},  // identity at inference
      {"l2pool2", [](Lowering& l, const Layer& layer, Activation, Residual&) {
         GraphBuilder& b = l.b;
         const int pooled = b.average_pool1d(b.mul(l.x, l.x), 2, 2, Padding::valid);
         l.x = b.unary(OpKind::sqrt, b.add(pooled, l.scalar(layer.name + "/eps", kL2PoolEps)));
       }},
      {"position_embedding", [](Lowering& l, const Layer& layer, Activation, Residual&) {
         const int len = l.shape(l.x)[1], d = l.channels();
         const auto& p = l.param(layer.name, {len, d});
         l.x = l.b.add(l.x, l.b.constant(tensor_name(p.name), {1, len, d}, p.data));
       }},
      {"symmetric_position_embedding", [](Lowering& l, const Layer& layer, Activation, Residual&) {
         // ceil(L/2) vectors, position t uses vector min(t, L-1-t): unfolded into one constant.
         const int len = l.shape(l.x)[1], d = l.channels(), half = (len + 1) / 2;
         const auto& p = l.param(layer.name, {half, d});
         std::vector<float> full(std::size_t(len) * std::size_t(d));
         for (int t = 0; t < len; ++t) {
           const int r = std::min(t, len - 1 - t);
           std::copy_n(p.data.begin() + std::ptrdiff_t(r) * d, d, full.begin() + std::ptrdiff_t(t) * d);
         }
         l.x = l.b.add(l.x, l.b.constant(tensor_name(p.name), {1, len, d}, full));
       }},
      {"layernorm", [](Lowering& l, const Layer& layer, Activation, Residual& r) {
         if (r.input >= 0) {  // attn_norm / ff_norm close a residual sub-layer
           if (layer.name != r.closer)
             fail("expected '" + r.closer + "' to close the residual sub-layer before this layer norm");
           l.x = l.b.add(r.input, l.x);
           r.input = -1;
         }
         l.x = layer_norm(l, l.x, layer.name);
       }},
      {"attention", [](Lowering& l, const Layer& layer, Activation, Residual& r) {
         if (r.input >= 0) fail("attention inside an unclosed residual sub-layer (expected '" + r.closer + "')");
         r.open(l.x, block_of(layer.name), ".attn_norm");
         l.x = attention(l, layer.name);
       }},
      {"gelu_tanh", [](Lowering& l, const Layer&, Activation, Residual&) { l.x = l.b.gelu(l.x, true); }},
      {"mean_time", [](Lowering& l, const Layer&, Activation, Residual&) { l.x = l.b.mean(l.x, {1}, false); }},
  };
  return table;
}

bool fuses_relu(const std::string& kind) { return kind == "conv1d" || kind == "linear"; }

std::vector<Layer> layer_table(const train::CheckpointFile& file, const std::string& where) {
  if (!file.meta.contains("layers") || !file.meta["layers"].is_array())
    fail(where + ": the checkpoint has no layer table (meta.layers); it was not written by nilm train");
  std::vector<Layer> layers;
  for (std::size_t i = 0; i < file.meta["layers"].size(); ++i) {
    const json& e = file.meta["layers"][i];
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("kind") || !e["kind"].is_string())
      fail(where + ": meta.layers[" + std::to_string(i) + "] needs string fields name and kind");
    layers.push_back({e["name"].get<std::string>(), e["kind"].get<std::string>()});
  }
  if (layers.empty()) fail(where + ": the layer table (meta.layers) is empty");
  return layers;
}

}  // namespace

model::ModelInfo model_info_from_checkpoint(const train::CheckpointFile& file, const std::string& where) {
  const train::CheckpointMeta meta = train::checkpoint_meta_from_json(file.meta, where);
  model::ModelInfo info;
  info.appliance = meta.appliance.name;
  info.architecture = meta.model.arch;
  info.window = meta.model.window;
  info.period_s = meta.period_s;
  info.aggregate_mean = meta.aggregate_mean;
  info.aggregate_std = meta.aggregate_std;
  info.max_power_w = meta.appliance.max_power_w;
  info.on_threshold_w = meta.appliance.on_threshold_w;
  info.min_on_s = meta.appliance.min_on_s;
  info.min_off_s = meta.appliance.min_off_s;
  info.quantization = "float32";
  json training = meta.training;
  if (training.is_object()) training.erase("history");  // per-epoch curves stay in the checkpoint
  info.training = json{{"data", meta.data}, {"training", training}}.dump();
  return info;
}

model::Graph checkpoint_to_graph(const train::CheckpointFile& file, const std::string& where,
                                 const ConvertOptions& options) {
  if (options.batch < 1) fail(where + ": batch " + std::to_string(options.batch) + " must be at least 1");
  const model::ModelInfo info = model_info_from_checkpoint(file, where);
  const train::ModelSpec spec = train::model_spec_from_json(file.meta.at("model"), where);
  const std::vector<Layer> layers = layer_table(file, where);

  Lowering l{file, spec, where, options.batch, {}, -1};
  l.x = l.b.input("aggregate", {options.batch, spec.window, 1});
  Residual residual;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = layers[i];
    const auto h = handlers().find(layer.kind);
    if (h == handlers().end())
      fail(where + ": layer '" + layer.name + "' has kind '" + layer.kind + "', which the converter does not know");
    Activation fused = Activation::none;
    if (fuses_relu(layer.kind) && i + 1 < layers.size() && layers[i + 1].kind == "relu") fused = Activation::relu;
    try {
      h->second(l, layer, fused, residual);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(where, 0) == 0) throw;
      fail(where + ": layer '" + layer.name + "' (" + layer.kind + "): " + what);
    }
    if (fused != Activation::none) ++i;  // the ReLU went into the op
  }
  if (residual.input >= 0) fail(where + ": the layer table ends inside an encoder block (no closing layernorm)");
  const auto& out_shape = l.shape(l.x);
  if (model::element_count(out_shape) != options.batch)
    fail(where + ": the model ends with shape " + model::shape_string(out_shape) + ", expected one value per window");
  l.b.rename(l.x, "prediction");
  l.b.output(l.x);
  model::Graph graph = l.b.finish();
  model::set_model_info(graph, info);
  graph.description = "nilm " + info.architecture + " seq2point model for " + info.appliance +
                      " (converted from a checkpoint)";
  return graph;
}

model::Graph convert_checkpoint(const std::string& checkpoint_path, const std::string& tflite_path,
                                const ConvertOptions& options) {
  const train::CheckpointFile file = train::read_checkpoint_file(checkpoint_path);
  model::Graph graph = checkpoint_to_graph(file, checkpoint_path, options);
  model::save_tflite(graph, tflite_path);
  return graph;
}

}  // namespace nilm::convert
