// The quantization debugger on quantized graphs built by hand, where the answer is known:
// rounding alone gives rmse/scale = 1/sqrt(12) on values spread over many steps, a clipped
// range gives far more (and the suspect flag), scale-preserving ops give exactly 0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "model/builder.h"
#include "quant/debugger.h"

namespace nilm::quant {
namespace {

using model::ElementType;
using model::OpKind;
using model::Quantization;

std::vector<float> uniform(std::size_t n, std::uint64_t seed, float lo, float hi) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(gen);
  return v;
}

template <class T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

constexpr int in_features = 64, out_features = 32;

// x f32 [1,64] -> QUANTIZE i8 (scale 1/127, zp 0) -> FULLY_CONNECTED i8 (per-channel weights,
// i32 bias, output scale `out_scale`) -> RESHAPE [1,4,8] -> DEQUANTIZE.
model::Graph int8_dense(float out_scale) {
  model::GraphBuilder b;
  const int x = b.input("x", {1, in_features});
  const float in_scale = 1.0f / 127.0f;
  const int xq = b.quantize(x, ElementType::i8, Quantization{{in_scale}, {0}, 0});
  b.rename(xq, "x/quantized");
  const auto w = uniform(std::size_t(in_features * out_features), 7, -0.5f, 0.5f);
  std::vector<float> w_scales(out_features);
  std::vector<std::int8_t> wq(w.size());
  for (int o = 0; o < out_features; ++o) {
    float m = 0;
    for (int i = 0; i < in_features; ++i) m = std::max(m, std::fabs(w[std::size_t(o * in_features + i)]));
    w_scales[std::size_t(o)] = m / 127.0f;
    for (int i = 0; i < in_features; ++i) {
      const std::size_t k = std::size_t(o * in_features + i);
      wq[k] = static_cast<std::int8_t>(std::lround(w[k] / w_scales[std::size_t(o)]));
    }
  }
  const auto bias = uniform(out_features, 8, -0.2f, 0.2f);
  std::vector<std::int32_t> bq(out_features);
  std::vector<float> b_scales(out_features);
  for (int o = 0; o < out_features; ++o) {
    b_scales[std::size_t(o)] = in_scale * w_scales[std::size_t(o)];
    bq[std::size_t(o)] = static_cast<std::int32_t>(std::lround(bias[std::size_t(o)] / b_scales[std::size_t(o)]));
  }
  const int wt = b.constant_raw("dense/w", {out_features, in_features}, ElementType::i8, bytes_of(wq),
                                Quantization{w_scales, std::vector<std::int64_t>(out_features, 0), 0});
  const int bt = b.constant_raw("dense/b", {out_features}, ElementType::i32, bytes_of(bq),
                                Quantization{b_scales, std::vector<std::int64_t>(out_features, 0), 0});
  const int d = b.op(OpKind::fully_connected, {xq, wt, bt}, model::FullyConnectedAttrs{}, "dense", ElementType::i8);
  b.graph().tensor(d).quantization = Quantization{{out_scale}, {0}, 0};
  const int r = b.reshape(d, {1, 4, 8});
  b.rename(r, "dense/reshaped");
  b.graph().tensor(r).quantization = Quantization{{out_scale}, {0}, 0};
  b.output(b.dequantize(r));
  return b.finish();
}

const LayerError& layer(const DebugReport& report, const std::string& name) {
  for (const auto& e : report.layers)
    if (e.layer == name) return e;
  throw std::runtime_error("no layer " + name);
}

TEST(Debugger, RoundingNoiseOfWellRangedLayersIsOneOverSqrt12) {
  // The dense outputs spread over +-6 (std ~1.3), so with a step of 20/255 rounding is uniform.
  const auto g = int8_dense(20.0f / 255.0f);
  const auto windows = uniform(300 * in_features, 1, -1.0f, 1.0f);
  const auto report = debug_layers(g, windows.data(), 300);
  ASSERT_EQ(report.layers.size(), 3u);  // QUANTIZE, FULLY_CONNECTED, RESHAPE (not DEQUANTIZE)
  EXPECT_EQ(report.windows, 300u);

  const auto& q = layer(report, "x/quantized");
  EXPECT_EQ(q.kind, OpKind::quantize);
  EXPECT_NEAR(q.rmse_over_scale, 0.2887, 0.01);  // a wide uniform input: pure rounding
  EXPECT_EQ(q.clipped, 0u);

  const auto& d = layer(report, "dense");
  EXPECT_EQ(d.kind, OpKind::fully_connected);
  EXPECT_EQ(d.values, 300u * out_features);
  EXPECT_NEAR(d.rmse_over_scale, 0.2887, 0.015);
  EXPECT_FALSE(d.suspect);
  EXPECT_EQ(d.clipped, 0u);
  EXPECT_NEAR(d.range_min, -128 * 20.0 / 255, 1e-4);
  EXPECT_NEAR(d.range_max, 127 * 20.0 / 255, 1e-4);
  EXPECT_LT(d.float_min, -1.0f);  // the float op's results are recorded
  EXPECT_GT(d.float_max, 1.0f);

  // RESHAPE keeps its input's scale: the float op on the dequantized input is exact.
  const auto& r = layer(report, "dense/reshaped");
  EXPECT_EQ(r.kind, OpKind::reshape);
  EXPECT_EQ(r.rmse, 0.0);
  EXPECT_TRUE(suspect_layers(report).empty());

  std::size_t hidden = 0;
  const auto shown = without_exact_moves(report, &hidden);
  EXPECT_EQ(hidden, 1u);
  ASSERT_EQ(shown.layers.size(), 2u);
  EXPECT_EQ(shown.layers[1].layer, "dense");
}

TEST(Debugger, ClippedRangeIsSuspect) {
  // Output step 0.005: the range is +-0.64 while the dense outputs reach +-5.
  const auto g = int8_dense(0.005f);
  const auto windows = uniform(100 * in_features, 2, -1.0f, 1.0f);
  const auto report = debug_layers(g, windows.data(), 100);
  const auto& d = layer(report, "dense");
  EXPECT_GT(d.clipped, d.values / 4);
  EXPECT_GT(d.rmse_over_scale, 50.0);
  EXPECT_TRUE(d.suspect);
  // The layer after it sees the clipped values as its input: locally exact, not a suspect.
  EXPECT_FALSE(layer(report, "dense/reshaped").suspect);
  EXPECT_EQ(suspect_layers(report), std::vector<std::string>{"dense"});
}

TEST(Debugger, ClippedInputQuantizeIsFlaggedButNotAKeepFloatLayer) {
  const auto g = int8_dense(20.0f / 255.0f);
  const auto windows = uniform(50 * in_features, 3, -4.0f, 4.0f);  // input range +-1 clips
  const auto report = debug_layers(g, windows.data(), 50);
  EXPECT_TRUE(layer(report, "x/quantized").suspect);
  for (const auto& name : suspect_layers(report)) EXPECT_NE(name, "x/quantized");
}

TEST(Debugger, ThresholdDecidesTheFlag) {
  const auto g = int8_dense(20.0f / 255.0f);
  const auto windows = uniform(50 * in_features, 4, -1.0f, 1.0f);
  DebugOptions options;
  options.threshold = 0.1;  // below rounding noise: every layer with rounding is a suspect
  const auto report = debug_layers(g, windows.data(), 50, options);
  EXPECT_TRUE(layer(report, "dense").suspect);
  EXPECT_FALSE(layer(report, "dense/reshaped").suspect);  // exact
}

TEST(Debugger, CsvParsesBackToTheReport) {
  const auto g = int8_dense(0.005f);
  const auto windows = uniform(20 * in_features, 5, -1.0f, 1.0f);
  const auto report = debug_layers(g, windows.data(), 20);
  const auto path = std::filesystem::temp_directory_path() / "nilm_debugger_test.csv";
  write_debug_csv(report, path.string());
  std::ifstream f(path);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line.rfind("layer,op,type,scale,", 0), 0u);
  std::size_t rows = 0;
  while (std::getline(f, line)) {
    ASSERT_LT(rows, report.layers.size());
    const auto& e = report.layers[rows++];
    // layer name is quoted; the rest split on commas
    ASSERT_EQ(line.front(), '"');
    const auto close = line.find('"', 1);
    EXPECT_EQ(line.substr(1, close - 1), e.layer);
    std::vector<std::string> cells;
    std::stringstream rest(line.substr(close + 2));
    for (std::string c; std::getline(rest, c, ',');) cells.push_back(c);
    ASSERT_EQ(cells.size(), 13u);
    EXPECT_EQ(cells[0], model::op_name(e.kind));
    EXPECT_NEAR(std::stod(cells[11]), e.rmse_over_scale, 1e-6 * std::max(1.0, e.rmse_over_scale));
    EXPECT_EQ(cells[12], e.suspect ? "1" : "0");
  }
  EXPECT_EQ(rows, report.layers.size());
  std::filesystem::remove(path);

  const auto chart = debug_chart(report, "t");
  EXPECT_EQ(chart.labels.size(), report.layers.size());
  EXPECT_EQ(chart.reference_lines.size(), 2u);
  EXPECT_NEAR(chart.reference_lines[0], 0.2887, 1e-4);
  const auto table = format_debug_table(report);
  EXPECT_NE(table.find("SUSPECT"), std::string::npos);
}

TEST(Debugger, RefusesFloatModelsAndEmptyInput) {
  model::GraphBuilder b;
  const int x = b.input("x", {1, 4});
  b.output(b.unary(OpKind::relu, x));
  const auto g = b.finish();
  const std::vector<float> w(4, 0.5f);
  EXPECT_THROW(debug_layers(g, w.data(), 1), Error);
  const auto q = int8_dense(0.1f);
  EXPECT_THROW(debug_layers(q, w.data(), 0), Error);
}

}  // namespace
}  // namespace nilm::quant
