// One-op quantized graphs for the integer kernel tests (test_runtime and the LiteRT.js check):
// a graph with integer inputs and output, their scales and zero points, and the float twin of
// the op evaluated in double on dequantized values.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/builder.h"
#include "model/graph.h"

namespace nilm::runtime::testing {

struct QuantSpec {
  model::Shape shape;
  float scale = 1.f;
  std::int64_t zero_point = 0;
};

inline double type_lo(model::ElementType t) { return t == model::ElementType::i16 ? -32768.0 : -128.0; }
inline double type_hi(model::ElementType t) { return t == model::ElementType::i16 ? 32767.0 : 127.0; }

// q = clamp(round(x / scale) + zp), halves away from zero.
inline std::int32_t quantize_value(double x, float scale, std::int64_t zp, model::ElementType t) {
  return static_cast<std::int32_t>(std::clamp(std::round(x / double(scale)) + double(zp), type_lo(t), type_hi(t)));
}
inline double dequantize_value(std::int32_t q, float scale, std::int64_t zp) {
  return double(scale) * (double(q) - double(zp));
}

// Builds `op(inputs...)` where every input and the output are `type` with the given grids.
// `make` receives the builder and the input tensor indices and returns the op's output.
template <class Make>
model::Graph one_op_graph(model::ElementType type, const std::vector<QuantSpec>& inputs, const QuantSpec& output,
                          Make make) {
  model::GraphBuilder b;
  std::vector<int> xs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int x = b.input("x" + std::to_string(i), inputs[i].shape, type);
    b.graph().tensor(x).quantization = model::Quantization{{inputs[i].scale}, {inputs[i].zero_point}, 0};
    xs.push_back(x);
  }
  const int y = make(b, xs);
  b.graph().tensor(y).quantization = model::Quantization{{output.scale}, {output.zero_point}, 0};
  b.rename(y, "y");
  b.output(y);
  return b.finish();
}

// Random integer values in [lo, hi].
template <class T>
std::vector<T> random_q(std::mt19937& rng, std::size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> u(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

}  // namespace nilm::runtime::testing
