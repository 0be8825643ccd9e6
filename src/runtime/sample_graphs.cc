#include "runtime/sample_graphs.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "model/builder.h"

namespace nilm::runtime {
namespace {

using model::Activation;
using model::GraphBuilder;
using model::Padding;

struct Weights {
  GraphBuilder& b;
  std::mt19937_64 rng;
  int count = 0;
  // Uniform in +-sqrt(3 / fan_in) * gain: unit variance in, unit variance out.
  int random(const std::string& name, model::Shape shape, int fan_in, float gain = 1.0f) {
    std::int64_t n = 1;
    for (int d : shape) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    const float a = gain * std::sqrt(3.0f / float(fan_in));
    std::uniform_real_distribution<float> u(-a, a);
    for (auto& x : v) x = u(rng);
    return b.constant(name, std::move(shape), v);
  }
  int filled(const std::string& name, model::Shape shape, float value) {
    std::int64_t n = 1;
    for (int d : shape) n *= d;
    return b.constant(name, std::move(shape), std::vector<float>(std::size_t(n), value));
  }
};

int dense(Weights& w, int x, int in, int out, Activation act, const std::string& name, bool keep = false) {
  const int k = w.random(name + "/w", {out, in}, in, act == Activation::relu ? 1.41f : 1.0f);
  const int bias = w.random(name + "/b", {out}, 1, 0.1f);
  return w.b.fully_connected(x, k, bias, act, keep);
}

int conv(Weights& w, int x, int in, int out, int k, const std::string& name) {
  const int kernel = w.random(name + "/w", {out, 1, k, in}, k * in, 1.41f);
  const int bias = w.random(name + "/b", {out}, 1, 0.1f);
  return w.b.conv1d(x, kernel, bias, Padding::same, Activation::relu);
}

// x [1, L, d]: (x - mean) * rsqrt(var + eps) * gamma + beta over the last axis.
int layer_norm(Weights& w, int x, int d, const std::string& name) {
  GraphBuilder& b = w.b;
  const int mu = b.mean(x, {-1}, true);
  const int var = b.mean(b.squared_difference(x, mu), {-1}, true);
  const int inv = b.unary(model::OpKind::rsqrt, b.add(var, w.filled(name + "/eps", {1}, 1e-6f)));
  const int y = b.mul(b.sub(x, mu), inv);
  return b.add(b.mul(y, w.random(name + "/gamma", {d}, 3, 1.0f)), w.random(name + "/beta", {d}, 3, 0.1f));
}

// [1, L, heads * 64] -> [1, heads, L, 64]
int split_heads(GraphBuilder& b, int x, int len, int heads, int width) {
  return b.transpose(b.reshape(x, {1, len, heads, width}), {0, 2, 1, 3});
}

}  // namespace

model::Graph cnn_graph(std::uint64_t seed, int window) {
  GraphBuilder b;
  Weights w{b, std::mt19937_64(seed)};
  int x = b.input("aggregate", {1, window, 1});
  const int filters[] = {16, 32, 64, 128, 256};
  const int kernels[] = {5, 3, 3, 3, 3};
  int channels = 1;
  for (int i = 0; i < 5; ++i) {
    x = conv(w, x, channels, filters[i], kernels[i], "conv" + std::to_string(i + 1));
    channels = filters[i];
    if (i < 4) x = b.max_pool1d(x, 2, 2, Padding::same);
  }
  const auto& s = b.tensor(x).shape;
  const int flat = s[1] * s[2];
  x = b.flatten(x);
  x = dense(w, x, flat, 1024, Activation::relu, "dense1");
  x = dense(w, x, 1024, 512, Activation::relu, "dense2");
  x = dense(w, x, 512, 1, Activation::none, "out");
  b.output(x);
  return b.finish();
}

model::Graph transformer_graph(std::uint64_t seed, int window, int d, int blocks) {
  GraphBuilder b;
  Weights w{b, std::mt19937_64(seed)};
  constexpr int heads = 2, head_width = 64, inner = heads * head_width;
  int x = b.input("aggregate", {1, window, 1});
  x = b.conv1d(x, w.random("embed/w", {d, 1, 5, 1}, 5), w.random("embed/b", {d}, 1, 0.1f),
               Padding::same, Activation::none);
  // L2-norm pooling: sqrt(avgpool2(x^2) + 1e-10)
  x = b.unary(model::OpKind::sqrt,
              b.add(b.average_pool1d(b.mul(x, x), 2, 2, Padding::valid), w.filled("l2/eps", {1}, 1e-10f)));
  const int len = b.tensor(x).shape[1];
  x = b.add(x, w.random("position", {1, len, d}, 3, 0.1f));
  x = layer_norm(w, x, d, "embed_norm");
  const int scale = w.filled("attention/scale", {1}, 1.0f / std::sqrt(float(head_width)));
  for (int i = 0; i < blocks; ++i) {
    const std::string n = "block" + std::to_string(i);
    const int q = split_heads(b, dense(w, x, d, inner, Activation::none, n + "/q", true), len, heads, head_width);
    const int k = split_heads(b, dense(w, x, d, inner, Activation::none, n + "/k", true), len, heads, head_width);
    const int v = split_heads(b, dense(w, x, d, inner, Activation::none, n + "/v", true), len, heads, head_width);
    const int probs = b.softmax(b.mul(b.batch_matmul(q, k, false, true), scale));
    int a = b.batch_matmul(probs, v);                                    // [1, heads, L, 64]
    a = b.reshape(b.transpose(a, {0, 2, 1, 3}), {1, len, inner});
    a = dense(w, a, inner, d, Activation::none, n + "/out", true);
    x = layer_norm(w, b.add(x, a), d, n + "/norm1");
    int f = b.gelu(dense(w, x, d, 4 * d, Activation::none, n + "/ff1", true), true);
    f = dense(w, f, 4 * d, d, Activation::none, n + "/ff2", true);
    x = layer_norm(w, b.add(x, f), d, n + "/norm2");
  }
  // Symmetric relative position embedding: ceil(L/2) vectors mirrored around the midpoint,
  // folded into one constant at conversion time.
  {
    const int half = (len + 1) / 2;
    std::uniform_real_distribution<float> u(-0.1f, 0.1f);
    std::vector<float> table(std::size_t(half) * d), full(std::size_t(len) * d);
    for (auto& v : table) v = u(w.rng);
    for (int t = 0; t < len; ++t) {
      const int r = t < half ? t : len - 1 - t;
      std::copy_n(table.begin() + std::ptrdiff_t(r) * d, d, full.begin() + std::ptrdiff_t(t) * d);
    }
    x = b.add(x, b.constant("relative_position", {1, len, d}, full));
  }
  x = layer_norm(w, x, d, "final_norm");
  x = b.mean(x, {1}, false);  // [1, d]
  x = dense(w, x, d, 256, Activation::relu, "dense1");
  x = dense(w, x, 256, 1, Activation::none, "out");
  b.output(x);
  return b.finish();
}

}  // namespace nilm::runtime
