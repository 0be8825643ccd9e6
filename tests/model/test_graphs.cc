#include "test_graphs.h"

#include <cmath>
#include <cstring>

namespace nilm::model::testing {

std::vector<float> random_values(std::mt19937_64& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

namespace {

std::size_t count(const Shape& s) { return static_cast<std::size_t>(element_count(s)); }

// Random float constant, uniform in [-scale, scale).
int weights(GraphBuilder& b, std::mt19937_64& rng, const std::string& name, const Shape& shape, float scale = 1.0f) {
  return b.constant(name, shape, random_values(rng, count(shape), -scale, scale));
}

// He-style uniform scale for a layer with `fan_in` inputs.
float he(int fan_in) { return std::sqrt(6.0f / static_cast<float>(fan_in)); }

std::uint16_t to_half(float f) {  // round-to-nearest-even float -> IEEE half (normal range only)
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000;
  const int exponent = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
  std::uint32_t mantissa = x & 0x7fffff;
  if (exponent <= 0) return static_cast<std::uint16_t>(sign);
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;
  return static_cast<std::uint16_t>(half);
}

using Build = void (*)(GraphBuilder&, std::mt19937_64&);

struct Case {
  const char* name;
  Build build;
};

const Case cases[] = {
    {"conv2d_same_relu",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 5, 7, 3});
       b.output(b.conv2d(x, weights(b, r, "w", {4, 3, 3, 3}), weights(b, r, "b", {4}), Padding::same, Activation::relu));
     }},
    {"conv2d_valid_stride2",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 9, 11, 2});
       b.output(b.conv2d(x, weights(b, r, "w", {3, 3, 2, 2}), weights(b, r, "b", {3}), Padding::valid, Activation::none, 2));
     }},
    {"conv2d_same_stride2_even",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 8, 10, 2});
       b.output(b.conv2d(x, weights(b, r, "w", {3, 4, 4, 2}), weights(b, r, "b", {3}), Padding::same, Activation::relu6, 2));
     }},
    {"conv2d_dilated",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 1, 20, 2});
       b.output(b.conv2d(x, weights(b, r, "w", {3, 1, 3, 2}), weights(b, r, "b", {3}), Padding::same, Activation::none, 1, 2));
     }},
    {"conv1d_same",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 31, 1});
       b.output(b.conv1d(x, weights(b, r, "w", {8, 1, 5, 1}), weights(b, r, "b", {8}), Padding::same, Activation::relu));
     }},
    {"depthwise_conv2d",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 6, 6, 3});
       DepthwiseConv2DAttrs a;
       a.padding = Padding::same;
       a.depth_multiplier = 2;
       a.activation = Activation::relu_n1_to_1;
       b.output(b.op(OpKind::depthwise_conv2d, {x, weights(b, r, "w", {1, 3, 3, 6}), weights(b, r, "b", {6})}, a));
     }},
    {"max_pool2d_same_odd",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 1, 7, 3});
       b.output(b.max_pool2d(x, 1, 2, 1, 2, Padding::same));
     }},
    {"max_pool1d_599",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 599, 2});
       b.output(b.max_pool1d(x, 2, 2, Padding::same));
     }},
    {"average_pool2d_valid",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 4, 6, 2});
       b.output(b.average_pool2d(x, 2, 2, 2, 2, Padding::valid));
     }},
    {"average_pool2d_same_3x3",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 5, 5, 2});
       b.output(b.average_pool2d(x, 3, 3, 1, 1, Padding::same));
     }},
    {"fully_connected_relu",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {2, 6});
       b.output(b.fully_connected(x, weights(b, r, "w", {4, 6}), weights(b, r, "b", {4}), Activation::relu));
     }},
    {"fully_connected_no_bias_keep_dims",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 5, 6});
       b.output(b.fully_connected(x, weights(b, r, "w", {3, 6}), -1, Activation::none, true));
     }},
    {"fully_connected_flattens",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 2, 3, 4});
       b.output(b.fully_connected(x, weights(b, r, "w", {5, 24}), weights(b, r, "b", {5}), Activation::relu6));
     }},
    {"reshape",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 2, 3, 4});
       b.output(b.add(b.reshape(x, {1, 6, 4}), weights(b, r, "c", {4})));
     }},
    {"transpose",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 2, 3, 4});
       b.output(b.transpose(x, {0, 2, 1, 3}));
     }},
    {"transpose_3d",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {2, 3, 4});
       b.output(b.transpose(x, {2, 0, 1}));
     }},
    {"concatenation_last_axis",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 3, 2});
       int y = b.input("y", {1, 3, 5});
       b.output(b.concatenation({x, y}, -1));
     }},
    {"concatenation_three_axis1",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 2, 4});
       int y = b.input("y", {1, 3, 4});
       b.output(b.concatenation({x, y, weights(b, r, "c", {1, 1, 4})}, 1));
     }},
    {"mean_axis1",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 5, 4});
       b.output(b.mean(x, {1}, false));
     }},
    {"mean_last_keep_dims",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 5, 4});
       b.output(b.mean(x, {-1}, true));
     }},
    {"add_broadcast_relu",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 3, 4});
       b.output(b.add(x, weights(b, r, "c", {4}), Activation::relu));
     }},
    {"sub_two_inputs",
     [](GraphBuilder& b, std::mt19937_64&) {
       // Input names out of alphabetical order: a runner must feed inputs by position.
       int x = b.input("z_minuend", {2, 3});
       int y = b.input("a_subtrahend", {2, 3});
       b.output(b.sub(x, y));
     }},
    {"mul_broadcast_both",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 3, 1});
       int y = b.input("y", {1, 1, 4});
       b.output(b.mul(x, y));
     }},
    {"div_by_constant",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {2, 5});
       b.output(b.div(x, b.constant("d", {5}, random_values(r, 5, 0.5f, 2.0f))));
     }},
    {"squared_difference",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 4, 3});
       b.output(b.squared_difference(x, weights(b, r, "c", {1, 1, 3})));
     }},
    {"pow_cube",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 7});
       b.output(b.pow(x, b.constant("three", {1}, {3.0f})));
     }},
    {"sqrt_positive",
     [](GraphBuilder& b, std::mt19937_64&) { b.output(b.unary(OpKind::sqrt, b.input("x", {1, 9}))); }},
    {"rsqrt_positive",
     [](GraphBuilder& b, std::mt19937_64&) { b.output(b.unary(OpKind::rsqrt, b.input("x", {1, 9}))); }},
    {"tanh", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.unary(OpKind::tanh, b.input("x", {2, 5}))); }},
    {"relu", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.unary(OpKind::relu, b.input("x", {2, 5}))); }},
    {"logistic", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.unary(OpKind::logistic, b.input("x", {2, 5}))); }},
    {"gelu_exact", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.gelu(b.input("x", {1, 3, 8}), false)); }},
    {"gelu_tanh_approximation",
     [](GraphBuilder& b, std::mt19937_64&) { b.output(b.gelu(b.input("x", {1, 3, 8}), true)); }},
    {"softmax", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.softmax(b.input("x", {1, 3, 7}))); }},
    {"softmax_beta", [](GraphBuilder& b, std::mt19937_64&) { b.output(b.softmax(b.input("x", {2, 6}), 0.5f)); }},
    {"batch_matmul_4d",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 2, 3, 4});
       int y = b.input("y", {1, 2, 4, 5});
       b.output(b.batch_matmul(x, y));
     }},
    {"batch_matmul_adj_y",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {2, 3, 4});
       int y = b.input("y", {2, 5, 4});
       b.output(b.batch_matmul(x, y, false, true));
     }},
    {"batch_matmul_adj_x_broadcast",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {2, 4, 3});
       int y = b.input("y", {1, 4, 5});
       b.output(b.batch_matmul(x, y, true, false));
     }},
    {"quantize_dequantize_i8",
     [](GraphBuilder& b, std::mt19937_64&) {
       int x = b.input("x", {1, 10});
       b.output(b.dequantize(b.quantize(x, ElementType::i8, Quantization{{0.0125f}, {3}, 0})));
     }},
    {"dequantize_i8_per_channel_weights",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 6});
       std::vector<std::uint8_t> q(24);
       for (auto& v : q) v = static_cast<std::uint8_t>(static_cast<std::int8_t>(std::uniform_int_distribution<int>(-127, 127)(r)));
       int w = b.constant_raw("w_q", {4, 6}, ElementType::i8, q,
                              Quantization{{0.01f, 0.02f, 0.005f, 0.03f}, {0, 0, 0, 0}, 0});
       b.output(b.fully_connected(x, b.dequantize(w), weights(b, r, "b", {4})));
     }},
    {"dequantize_f16_weights",
     [](GraphBuilder& b, std::mt19937_64& r) {
       int x = b.input("x", {1, 6});
       std::vector<std::uint8_t> bytes;
       for (float v : random_values(r, 24)) {
         const std::uint16_t h = to_half(v);
         bytes.push_back(static_cast<std::uint8_t>(h & 0xff));
         bytes.push_back(static_cast<std::uint8_t>(h >> 8));
       }
       int w = b.constant_raw("w_f16", {4, 6}, ElementType::f16, bytes);
       b.output(b.fully_connected(x, b.dequantize(w), weights(b, r, "b", {4})));
     }},
};

int layer_norm(GraphBuilder& b, std::mt19937_64& r, int x, int d, const std::string& name) {
  const int mean = b.mean(x, {-1}, true);
  const int variance = b.mean(b.squared_difference(x, mean), {-1}, true);
  const int inv = b.unary(OpKind::rsqrt, b.add(variance, b.constant(name + "/eps", {1}, {1e-5f})));
  const int normalised = b.mul(b.sub(x, mean), inv);
  const int gamma = b.constant(name + "/gamma", {d}, random_values(r, static_cast<std::size_t>(d), 0.8f, 1.2f));
  return b.add(b.mul(normalised, gamma), weights(b, r, name + "/beta", {d}, 0.1f));
}

}  // namespace

std::vector<NamedGraph> every_op_graphs(std::uint64_t seed) {
  std::vector<NamedGraph> out;
  std::mt19937_64 rng(seed);
  for (const Case& c : cases) {
    GraphBuilder b;
    c.build(b, rng);
    out.push_back({c.name, b.finish()});
  }
  return out;
}

Graph cnn_graph(std::uint64_t seed, int window, double width) {
  std::mt19937_64 r(seed);
  auto scaled = [&](int n) { return std::max(1, static_cast<int>(std::lround(n * width))); };
  GraphBuilder b;
  int x = b.input("aggregate", {1, window, 1});
  int h = b.reshape(x, {1, 1, window, 1});
  const int filters[] = {16, 32, 64, 128, 256};
  const int kernels[] = {5, 3, 3, 3, 3};
  int channels = 1;
  for (int i = 0; i < 5; ++i) {
    const int f = scaled(filters[i]);
    const std::string name = "conv" + std::to_string(i + 1);
    h = b.conv2d(h, weights(b, r, name + "/w", {f, 1, kernels[i], channels}, he(kernels[i] * channels)),
                 weights(b, r, name + "/b", {f}, 0.05f), Padding::same, Activation::relu);
    if (i < 4) h = b.max_pool2d(h, 1, 2, 1, 2, Padding::same);
    channels = f;
  }
  h = b.flatten(h);
  int features = b.tensor(h).shape[1];
  const int dense[] = {scaled(1024), scaled(512)};
  for (int i = 0; i < 2; ++i) {
    const std::string name = "dense" + std::to_string(i + 1);
    h = b.fully_connected(h, weights(b, r, name + "/w", {dense[i], features}, he(features)),
                          weights(b, r, name + "/b", {dense[i]}, 0.05f), Activation::relu);
    features = dense[i];
  }
  h = b.fully_connected(h, weights(b, r, "out/w", {1, features}, he(features)), weights(b, r, "out/b", {1}, 0.05f));
  b.rename(h, "prediction");
  b.output(h);
  return b.finish();
}

Graph transformer_graph(std::uint64_t seed, int window, int d, int blocks) {
  std::mt19937_64 r(seed);
  const int heads = 2, attention = d / 2, head = attention / heads, ff = 4 * d;
  GraphBuilder b;
  int x = b.input("aggregate", {1, window, 1});
  int h = b.reshape(x, {1, 1, window, 1});
  h = b.conv2d(h, weights(b, r, "embed/w", {d, 1, 5, 1}, he(5)), weights(b, r, "embed/b", {d}, 0.05f), Padding::same,
               Activation::none);
  // L2-norm pooling by 2: sqrt(avgpool(x^2) + 1e-10).
  h = b.unary(OpKind::sqrt, b.add(b.average_pool2d(b.mul(h, h), 1, 2, 1, 2, Padding::valid),
                                  b.constant("l2pool/eps", {1}, {1e-10f})));
  const int length = b.tensor(h).shape[2];
  h = b.reshape(h, {1, length, d});
  h = b.add(h, weights(b, r, "position", {1, length, d}, 0.1f));
  h = layer_norm(b, r, h, d, "embed/norm");
  for (int k = 0; k < blocks; ++k) {
    const std::string p = "block" + std::to_string(k);
    auto project = [&](const std::string& name) {
      int y = b.fully_connected(h, weights(b, r, p + "/" + name + "/w", {attention, d}, he(d)),
                                weights(b, r, p + "/" + name + "/b", {attention}, 0.05f), Activation::none, true);
      return b.transpose(b.reshape(y, {1, length, heads, head}), {0, 2, 1, 3});  // [1, heads, L, head]
    };
    const int q = project("query"), key = project("key"), v = project("value");
    int scores = b.batch_matmul(q, key, false, true);  // [1, heads, L, L]
    scores = b.mul(scores, b.constant(p + "/scale", {1}, {1.0f / std::sqrt(static_cast<float>(head))}));
    int context = b.batch_matmul(b.softmax(scores), v);  // [1, heads, L, head]
    context = b.reshape(b.transpose(context, {0, 2, 1, 3}), {1, length, attention});
    int attended = b.fully_connected(context, weights(b, r, p + "/out/w", {d, attention}, he(attention)),
                                     weights(b, r, p + "/out/b", {d}, 0.05f), Activation::none, true);
    h = layer_norm(b, r, b.add(h, attended), d, p + "/norm1");
    int f = b.fully_connected(h, weights(b, r, p + "/ff1/w", {ff, d}, he(d)), weights(b, r, p + "/ff1/b", {ff}, 0.05f),
                              Activation::none, true);
    f = b.gelu(f, true);
    f = b.fully_connected(f, weights(b, r, p + "/ff2/w", {d, ff}, he(ff)), weights(b, r, p + "/ff2/b", {d}, 0.05f),
                          Activation::none, true);
    h = layer_norm(b, r, b.add(h, f), d, p + "/norm2");
  }
  // Symmetric relative position embedding: ceil(L/2) vectors mirrored around the midpoint.
  const int half = (length + 1) / 2;
  const std::vector<float> table = random_values(r, static_cast<std::size_t>(half) * d, -0.1f, 0.1f);
  std::vector<float> mirrored(static_cast<std::size_t>(length) * d);
  for (int t = 0; t < length; ++t) {
    const int source = t < half ? t : length - 1 - t;
    std::memcpy(&mirrored[static_cast<std::size_t>(t) * d], &table[static_cast<std::size_t>(source) * d], sizeof(float) * d);
  }
  h = layer_norm(b, r, b.add(h, b.constant("relative_position", {1, length, d}, mirrored)), d, "head/norm");
  h = b.mean(h, {1}, false);  // [1, d]
  h = b.fully_connected(h, weights(b, r, "head/dense/w", {d, d}, he(d)), weights(b, r, "head/dense/b", {d}, 0.05f),
                        Activation::relu);
  h = b.fully_connected(h, weights(b, r, "head/out/w", {1, d}, he(d)), weights(b, r, "head/out/b", {1}, 0.05f));
  b.rename(h, "prediction");
  b.output(h);
  return b.finish();
}

std::vector<std::vector<float>> random_inputs(const Graph& graph, std::uint64_t seed, bool positive) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<float>> inputs;
  for (int t : graph.inputs)
    inputs.push_back(random_values(rng, count(graph.tensor(t).shape), positive ? 0.1f : -1.0f, positive ? 2.0f : 1.0f));
  return inputs;
}

}  // namespace nilm::model::testing
