// One-op quantized graphs with float32 inputs and outputs (QUANTIZE -> op -> DEQUANTIZE, or a
// hybrid op reading floats), each with its float twin: the same op on the dequantized input,
// weights and bias. Used by the integer-kernel tests (against the twin and across tiers) and by
// the LiteRT.js agreement test. Weights and biases are quantized as TFLite's converter does
// (symmetric per-channel int8 weights, bias scale = input scale * weight scale).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/builder.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace nilm::runtime::testing {

enum class QuantKind { s8, s16, hybrid, hybrid_asymmetric };

inline const char* quant_kind_name(QuantKind k) {
  switch (k) {
    case QuantKind::s8: return "s8";
    case QuantKind::s16: return "s16";
    case QuantKind::hybrid: return "hybrid";
    case QuantKind::hybrid_asymmetric: return "hybrid_asym";
  }
  return "?";
}

struct QuantCase {
  std::string name;
  model::Graph quantized;   // float inputs / outputs
  model::Graph float_twin;  // the op in float on dequantized values
  std::vector<std::vector<float>> inputs;       // for `quantized`
  std::vector<std::vector<float>> twin_inputs;  // dequantized inputs, for `float_twin`
  float out_scale = 0;        // output grid; 0 for hybrid (float output)
  std::int64_t out_zero = 0;
  double q_lo = 0, q_hi = 0;
  std::string kernel;         // the reference kernel the op must get
  // Relative error of TFLite's fixed-point multiplier: its 64-bit-accumulator path (int16)
  // rounds the multiplier to 15 bits, so a large output may be off by |q| * 2^-15 more.
  double multiplier_error = 0;
};

// An activation grid over [lo, hi] as TFLite's calibration would choose it.
struct Grid {
  float scale;
  std::int64_t zero;
  double q_lo, q_hi;
};
inline Grid grid_for(float lo, float hi, bool int16) {
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  if (hi - lo < 1e-6f) hi = lo + 1e-6f;
  if (int16) return {std::max(hi, -lo) / 32767.f, 0, -32768, 32767};
  const float scale = (hi - lo) / 255.f;
  const auto zero = std::clamp<std::int64_t>(std::llround(-128.0 - lo / scale), -128, 127);
  return {scale, zero, -128, 127};
}
inline float snap(float x, const Grid& g) {  // quantize then dequantize (reference formula)
  const double q = std::clamp(std::round(double(x) / g.scale) + double(g.zero), g.q_lo, g.q_hi);
  return float(double(g.scale) * (q - double(g.zero)));
}

inline std::vector<float> uniform(std::mt19937& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

template <class T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Symmetric per-channel int8 weights along axis 0; returns the quantized bytes, fills scales and
// the dequantized values. Channel `dead` (if >= 0) is all zero (scale must stay positive).
inline std::vector<std::int8_t> quantize_weights(const std::vector<float>& w, int channels, std::vector<float>& scales,
                                                 std::vector<float>& dequantized, int dead = -1) {
  const std::size_t per = w.size() / std::size_t(channels);
  std::vector<std::int8_t> q(w.size());
  scales.assign(std::size_t(channels), 1.f);
  dequantized.assign(w.size(), 0.f);
  for (int c = 0; c < channels; ++c) {
    float top = 0;
    for (std::size_t i = 0; i < per; ++i) top = c == dead ? 0.f : std::max(top, std::abs(w[c * per + i]));
    const float s = top > 0 ? top / 127.f : 1.f;
    scales[std::size_t(c)] = s;
    for (std::size_t i = 0; i < per; ++i) {
      const long v = c == dead ? 0 : std::lround(w[c * per + i] / s);
      q[c * per + i] = static_cast<std::int8_t>(std::clamp(v, -127L, 127L));
      dequantized[c * per + i] = s * float(q[c * per + i]);
    }
  }
  return q;
}

// Runs `g` (float I/O) with the given tier; returns output 0.
inline std::vector<float> run_float_io(const model::Graph& g, const std::vector<std::vector<float>>& inputs,
                                       Tier tier = Tier::reference, int threads = 1,
                                       CpuFeatures features = detect_cpu_features()) {
  const Model m = Model::from_graph(g, {tier, features}, "quantized case");
  Interpreter run(m, threads);
  for (std::size_t i = 0; i < inputs.size(); ++i) std::copy(inputs[i].begin(), inputs[i].end(), run.input(i));
  run.invoke();
  return {run.output(0), run.output(0) + run.output_elements(0)};
}

// The kernel the model chose for its node running `op`.
inline std::string kernel_of(const model::Graph& g, model::OpKind op, Tier tier = Tier::reference,
                             CpuFeatures features = detect_cpu_features()) {
  const Model m = Model::from_graph(g, {tier, features}, "quantized case");
  for (int i = 0; i < m.node_count(); ++i)
    if (m.graph().ops[std::size_t(i)].kind == op) return m.kernel(i).name;
  return "";
}

struct LayerShape {
  bool conv = true;
  int batch = 1, width = 16, in_c = 3, out_c = 4, kernel = 3, stride = 1;
  model::Padding padding = model::Padding::same;
  model::Activation act = model::Activation::none;
  int dead_channel = -1;
  // > 0: ReLU-like inputs, this fraction exactly 0 and the rest in (0, 0.8], on an int8 grid of
  // [0, 0.8] (zero point -128), as a dense layer after a ReLU sees them
  float zero_fraction = 0;
};

// CONV_2D ([N, 1, W, C] input, [O, 1, K, C] weights) or FULLY_CONNECTED ([N, C] input, [O, C]).
inline QuantCase layer_case(QuantKind kind, const LayerShape& s, std::uint32_t seed) {
  using model::ElementType;
  std::mt19937 rng(seed);
  QuantCase c;
  const bool int16 = kind == QuantKind::s16;
  const bool hybrid = kind == QuantKind::hybrid || kind == QuantKind::hybrid_asymmetric;
  c.name = std::string(s.conv ? "conv2d_" : "fully_connected_") + quant_kind_name(kind) + "_" + std::to_string(seed);
  const model::Shape in_shape = s.conv ? model::Shape{s.batch, 1, s.width, s.in_c} : model::Shape{s.batch, s.in_c};
  const model::Shape w_shape = s.conv ? model::Shape{s.out_c, 1, s.kernel, s.in_c} : model::Shape{s.out_c, s.in_c};
  std::size_t in_n = 1, w_n = 1;
  for (int d : in_shape) in_n *= std::size_t(d);
  for (int d : w_shape) w_n *= std::size_t(d);
  std::vector<float> x = uniform(rng, in_n, -1.f, 0.8f);
  if (s.zero_fraction > 0) {
    std::uniform_real_distribution<float> coin(0.f, 1.f);
    for (float& v : x) v = coin(rng) < s.zero_fraction ? 0.f : std::abs(v);
  }
  const std::vector<float> w = uniform(rng, w_n, -0.5f, 0.5f);
  const std::vector<float> b = uniform(rng, std::size_t(s.out_c), -0.3f, 0.3f);
  std::vector<float> w_scales, w_deq;
  const std::vector<std::int8_t> w_q = quantize_weights(w, s.out_c, w_scales, w_deq, s.dead_channel);
  const Grid in_grid = grid_for(s.zero_fraction > 0 ? 0.f : -1.f, 0.8f, int16);

  auto layer = [&](model::GraphBuilder& g, int input, int weights, int bias) {
    if (s.conv) {
      model::Conv2DAttrs a;
      a.padding = s.padding;
      a.stride_w = s.stride;
      a.activation = s.act;
      return g.op(model::OpKind::conv2d, {input, weights, bias}, a, "y", g.tensor(input).type);
    }
    model::FullyConnectedAttrs a;
    a.activation = s.act;
    a.asymmetric_quantize_inputs = kind == QuantKind::hybrid_asymmetric;
    return g.op(model::OpKind::fully_connected, {input, weights, bias}, a, "y", g.tensor(input).type);
  };

  // Bias: float for hybrid, else quantized with scale in_scale * w_scale[c].
  std::vector<float> b_deq = b;
  std::vector<std::int32_t> b32(b.size());
  std::vector<std::int64_t> b64(b.size());
  if (!hybrid)
    for (std::size_t o = 0; o < b.size(); ++o) {
      const double bs = double(in_grid.scale) * double(w_scales[o]);
      b64[o] = std::llround(b[o] / bs);
      b32[o] = static_cast<std::int32_t>(b64[o]);
      b_deq[o] = float(bs * double(b64[o]));
    }

  c.inputs = {x};
  c.twin_inputs = {x};
  if (!hybrid)
    for (auto& v : c.twin_inputs[0]) v = snap(v, in_grid);
  {
    model::GraphBuilder g;
    const int in = g.input("x", in_shape);
    g.output(layer(g, in, g.constant("w", w_shape, w_deq), g.constant("b", {s.out_c}, b_deq)));
    c.float_twin = g.finish();
  }
  const std::vector<float> y = run_float_io(c.float_twin, c.twin_inputs);
  model::GraphBuilder g;
  const int in = g.input("x", in_shape);
  const std::vector<std::int64_t> zeros(std::size_t(s.out_c), 0);
  const int wq = g.constant_raw("w_q", w_shape, ElementType::i8, bytes_of(w_q), model::Quantization{w_scales, zeros, 0});
  if (hybrid) {
    g.output(layer(g, in, wq, g.constant("b", {s.out_c}, b)));
    c.kernel = s.conv ? "conv2d_f32s8_hybrid_ref" : "fully_connected_f32s8_hybrid_ref";
  } else {
    const ElementType act = int16 ? ElementType::i16 : ElementType::i8;
    const int xq = g.quantize(in, act, model::Quantization{{in_grid.scale}, {in_grid.zero}, 0});
    std::vector<float> b_scales;
    for (float ws : w_scales) b_scales.push_back(in_grid.scale * ws);
    const int bq = int16 ? g.constant_raw("b_q", {s.out_c}, ElementType::i64, bytes_of(b64), model::Quantization{b_scales, zeros, 0})
                         : g.constant_raw("b_q", {s.out_c}, ElementType::i32, bytes_of(b32), model::Quantization{b_scales, zeros, 0});
    const int yq = layer(g, xq, wq, bq);
    const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
    const Grid out = grid_for(*lo, *hi, int16);
    g.graph().tensor(yq).quantization = model::Quantization{{out.scale}, {out.zero}, 0};
    g.output(g.dequantize(yq));
    c.out_scale = out.scale;
    c.out_zero = out.zero;
    c.q_lo = out.q_lo;
    c.q_hi = out.q_hi;
    c.kernel = std::string(s.conv ? "conv2d_" : "fully_connected_") + (int16 ? "s16s8_ref" : "s8_ref");
    c.multiplier_error = int16 ? std::ldexp(1.0, -15) : 0.0;
  }
  c.quantized = g.finish();
  return c;
}

// BATCH_MATMUL of two activations [B, M, K] x [B, K, N] (adj flags optional), int8 or int16.
inline QuantCase matmul_case(bool int16, int batch, int m, int k, int n, bool adj_x, bool adj_y, std::uint32_t seed) {
  using model::ElementType;
  std::mt19937 rng(seed);
  QuantCase c;
  c.name = std::string("batch_matmul_") + (int16 ? "s16_" : "s8_") + std::to_string(seed);
  const model::Shape sa = adj_x ? model::Shape{batch, k, m} : model::Shape{batch, m, k};
  const model::Shape sb = adj_y ? model::Shape{batch, n, k} : model::Shape{batch, k, n};
  const std::vector<float> a = uniform(rng, std::size_t(batch * m * k), -1.f, 0.6f);
  const std::vector<float> b = uniform(rng, std::size_t(batch * k * n), -0.4f, 1.f);
  const Grid ga = grid_for(-1.f, 0.6f, int16), gb = grid_for(-0.4f, 1.f, int16);
  c.inputs = {a, b};
  c.twin_inputs = {a, b};
  for (auto& v : c.twin_inputs[0]) v = snap(v, ga);
  for (auto& v : c.twin_inputs[1]) v = snap(v, gb);
  {
    model::GraphBuilder g;
    const int ia = g.input("a", sa);  // in this order: argument evaluation order is unspecified
    const int ib = g.input("b", sb);
    g.output(g.batch_matmul(ia, ib, adj_x, adj_y));
    c.float_twin = g.finish();
  }
  const std::vector<float> y = run_float_io(c.float_twin, c.twin_inputs);
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  const Grid out = grid_for(*lo, *hi, int16);
  const ElementType t = int16 ? ElementType::i16 : ElementType::i8;
  model::GraphBuilder g;
  const int qa = g.quantize(g.input("a", sa), t, model::Quantization{{ga.scale}, {ga.zero}, 0});
  const int qb = g.quantize(g.input("b", sb), t, model::Quantization{{gb.scale}, {gb.zero}, 0});
  const int yq = g.batch_matmul(qa, qb, adj_x, adj_y);
  g.graph().tensor(yq).quantization = model::Quantization{{out.scale}, {out.zero}, 0};
  g.output(g.dequantize(yq));
  c.quantized = g.finish();
  c.out_scale = out.scale;
  c.out_zero = out.zero;
  c.q_lo = out.q_lo;
  c.q_hi = out.q_hi;
  c.kernel = int16 ? "batch_matmul_s16_ref" : "batch_matmul_s8_ref";
  c.multiplier_error = int16 ? std::ldexp(1.0, -15) : 0.0;
  return c;
}

// MAX_POOL_2D / AVERAGE_POOL_2D over [N, 1, W, C] (1-D pooling as the CNN does it).
inline QuantCase pool_case(bool int16, bool max, int batch, int width, int channels, int size, int stride,
                           model::Padding padding, model::Activation act, std::uint32_t seed) {
  using model::ElementType;
  std::mt19937 rng(seed);
  QuantCase c;
  c.name = std::string(max ? "max_pool2d_" : "average_pool2d_") + (int16 ? "s16_" : "s8_") + std::to_string(seed);
  const model::Shape shape{batch, 1, width, channels};
  const std::vector<float> x = uniform(rng, std::size_t(batch * width * channels), -1.f, 0.7f);
  const Grid grid = grid_for(-1.f, 0.7f, int16);
  c.inputs = {x};
  c.twin_inputs = {x};
  for (auto& v : c.twin_inputs[0]) v = snap(v, grid);
  auto pool = [&](model::GraphBuilder& g, int in) {
    model::Pool2DAttrs a;
    a.padding = padding;
    a.filter_w = size;
    a.stride_w = stride;
    a.activation = act;
    return g.op(max ? model::OpKind::max_pool2d : model::OpKind::average_pool2d, {in}, a, "y", g.tensor(in).type);
  };
  {
    model::GraphBuilder g;
    g.output(pool(g, g.input("x", shape)));
    c.float_twin = g.finish();
  }
  const ElementType t = int16 ? ElementType::i16 : ElementType::i8;
  model::GraphBuilder g;
  const int q = g.quantize(g.input("x", shape), t, model::Quantization{{grid.scale}, {grid.zero}, 0});
  const int yq = pool(g, q);
  g.graph().tensor(yq).quantization = model::Quantization{{grid.scale}, {grid.zero}, 0};
  g.output(g.dequantize(yq));
  c.quantized = g.finish();
  c.out_scale = grid.scale;
  c.out_zero = grid.zero;
  c.q_lo = grid.q_lo;
  c.q_hi = grid.q_hi;
  c.kernel = std::string(max ? "max_pool2d_" : "average_pool2d_") + (int16 ? "s16_ref" : "s8_ref");
  return c;
}

// Largest distance, in output steps, between `got` and the twin's output snapped to the grid,
// less what the multiplier's precision allows (c.multiplier_error): at most 1 when the kernel
// rounds as it should (each side rounds once, possibly in opposite directions).
inline double worst_steps(const QuantCase& c, const std::vector<float>& got, const std::vector<float>& twin) {
  double worst = 0;
  const Grid g{c.out_scale, c.out_zero, c.q_lo, c.q_hi};
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double want = snap(twin[i], g);
    // + float rounding of the twin's output and the dequantized values (a few ulps of |want|)
    const double allowance = std::abs(want / c.out_scale) * (c.multiplier_error + std::ldexp(1.0, -21));
    worst = std::max(worst, std::abs(double(got[i]) - want) / c.out_scale - allowance);
  }
  return worst;
}

}  // namespace nilm::runtime::testing
