// The int8 / int16 element-wise and transformer kernels against TFLite itself: one-op graphs
// (float32 in, QUANTIZE -> op -> DEQUANTIZE, float32 out) written as .tflite and run by
// LiteRT.js (tests/peers/litert_run.mjs) and by nilm's runtime (reference tier; the optimized
// tier must give the same floats). The inputs lie
// exactly on their grids, so both sides start from the same integers; the outputs must agree
// within one output step. Prints, per case, the worst difference in steps and the share of
// bit-exact values. An op TFLite has no integer kernel for (int16 SQUARED_DIFFERENCE), or
// quantization TFLite's Prepare refuses (concatenation inputs on another grid, a wrong fixed
// output grid), must be refused by LiteRT.js and by nilm's runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "model/builder.h"
#include "model/tflite.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "peer_files.h"

namespace nilm::runtime::testing {
namespace {

namespace fs = std::filesystem;
using model::ElementType;
using model::OpKind;

using test_peers::env_or;
using test_peers::read_bytes;

struct Grid {
  float scale = 1.f;
  std::int64_t zero_point = 0;
};

struct PeerCase {
  std::string name;
  model::Graph graph;
  std::vector<std::vector<float>> inputs;  // on the input grids
  Grid out;
  bool expect_refusal = false;  // TFLite has no such integer kernel or refuses the quantization
  bool only_nilm_refuses = false;  // LiteRT.js runs it but computes nonsense (see the case)
};

// x_i (f32) -> QUANTIZE(grid_i) -> op -> output grid -> DEQUANTIZE -> y (f32).
template <class Make>
model::Graph wrapped(ElementType type, const std::vector<model::Shape>& shapes, const std::vector<Grid>& grids,
                     const Grid& out, Make make) {
  model::GraphBuilder b;
  std::vector<int> qs;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const int x = b.input("x" + std::to_string(i), shapes[i]);
    qs.push_back(b.quantize(x, type, model::Quantization{{grids[i].scale}, {grids[i].zero_point}, 0}));
  }
  const int y = make(b, qs);
  b.graph().tensor(y).quantization = model::Quantization{{out.scale}, {out.zero_point}, 0};
  b.output(b.dequantize(y));
  return b.finish();
}

// Random values exactly on a grid (q in [lo, hi]).
std::vector<float> on_grid(std::mt19937& rng, std::size_t n, const Grid& g, int lo, int hi) {
  std::uniform_int_distribution<int> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = g.scale * float(u(rng) - g.zero_point);
  return v;
}

std::vector<PeerCase> cases() {
  std::vector<PeerCase> all;
  std::mt19937 rng(2024);
  for (const ElementType t : {ElementType::i8, ElementType::i16}) {
    const bool is16 = t == ElementType::i16;
    const std::string ty = is16 ? "s16" : "s8";
    const int lo = is16 ? -32768 : -128, hi = is16 ? 32767 : 127;
    auto grid = [&](float scale8, std::int64_t zp) { return is16 ? Grid{scale8 / 256, 0} : Grid{scale8, zp}; };
    auto add_case = [&](const std::string& name, const std::vector<model::Shape>& shapes, const std::vector<Grid>& grids,
                        const Grid& out, auto make, int qlo, int qhi, bool refuse = false) {
      PeerCase c;
      c.name = name + "_" + ty;
      c.graph = wrapped(t, shapes, grids, out, make);
      for (std::size_t i = 0; i < shapes.size(); ++i)
        c.inputs.push_back(on_grid(rng, std::size_t(model::element_count(shapes[i])), grids[i], qlo, qhi));
      c.out = out;
      c.expect_refusal = refuse;
      all.push_back(std::move(c));
    };
    using B = model::GraphBuilder;
    using V = const std::vector<int>&;
    const Grid ga = grid(0.02f, 5), gb = grid(0.03f, -7);
    add_case("add", {{2, 5, 8}, {2, 5, 8}}, {ga, gb}, grid(0.05f, 3), [](B& b, V x) { return b.add(x[0], x[1]); }, lo, hi);
    add_case("add_broadcast_relu", {{1, 7, 16}, {16}}, {ga, gb}, grid(0.03f, -128),
             [](B& b, V x) { return b.add(x[0], x[1], model::Activation::relu); }, lo, hi);
    add_case("sub_broadcast", {{1, 7, 16}, {1, 7, 1}}, {ga, gb}, grid(0.05f, 0), [](B& b, V x) { return b.sub(x[0], x[1]); },
             lo, hi);
    add_case("mul_broadcast", {{1, 7, 16}, {16}}, {ga, gb}, grid(0.012f, 2), [](B& b, V x) { return b.mul(x[0], x[1]); },
             lo, hi);
    add_case("squared_difference", {{1, 7, 16}, {1, 7, 1}}, {ga, gb}, grid(0.1f, -128),
             [](B& b, V x) { return b.squared_difference(x[0], x[1]); }, lo, hi, is16);
    add_case("mean_last_axis", {{1, 9, 32}}, {ga}, grid(0.01f, 4), [](B& b, V x) { return b.mean(x[0], {-1}, true); }, lo,
             hi);
    add_case("mean_axis1", {{2, 6, 5}}, {ga}, grid(0.01f, -4), [](B& b, V x) { return b.mean(x[0], {1}, false); }, lo, hi);
    const Grid soft_out = is16 ? Grid{1.0f / 32768, 0} : Grid{1.0f / 256, -128};
    add_case("softmax", {{3, 4, 37}}, {grid(0.06f, 10)}, soft_out, [](B& b, V x) { return b.softmax(x[0]); }, lo, hi);
    add_case("softmax_beta", {{5, 12}}, {grid(0.02f, 0)}, soft_out, [](B& b, V x) { return b.softmax(x[0], 0.7f); }, lo, hi);
    add_case("logistic", {{4, 64}}, {grid(0.05f, 3)}, soft_out, [](B& b, V x) { return b.unary(OpKind::logistic, x[0]); },
             lo, hi);
    const Grid tanh_out = is16 ? Grid{1.0f / 32768, 0} : Grid{1.0f / 128, 0};
    add_case("tanh", {{4, 64}}, {grid(0.03f, -2)}, tanh_out, [](B& b, V x) { return b.unary(OpKind::tanh, x[0]); }, lo, hi);
    add_case("gelu", {{4, 64}}, {grid(0.04f, 10)}, grid(0.03f, -100), [](B& b, V x) { return b.gelu(x[0], false); }, lo, hi);
    add_case("gelu_approximate", {{4, 64}}, {grid(0.04f, 10)}, grid(0.03f, -100),
             [](B& b, V x) { return b.gelu(x[0], true); }, lo, hi);
    add_case("relu", {{4, 64}}, {grid(0.02f, 5)}, grid(0.015f, -128), [](B& b, V x) { return b.unary(OpKind::relu, x[0]); },
             lo, hi);
    // RSQRT: int8 of positive values only (TFLite refuses negatives at run time), int16 from 0.
    const Grid rin = grid(0.01f, -128);
    add_case("rsqrt", {{4, 64}}, {rin}, grid(0.05f, -128), [](B& b, V x) { return b.unary(OpKind::rsqrt, x[0]); },
             is16 ? 0 : -127, hi);
    if (is16) {  // power-of-two scales: TFLite's pot_scale_int16 path for ADD / SUB
      const Grid p10{1.0f / 1024, 0}, p12{1.0f / 4096, 0};
      add_case("add_power_of_two_scales", {{4, 32}, {4, 32}}, {p10, p12}, p10, [](B& b, V x) { return b.add(x[0], x[1]); },
               lo, hi);
      add_case("sub_power_of_two_scales", {{4, 32}, {32}}, {p12, p10}, p10, [](B& b, V x) { return b.sub(x[0], x[1]); },
               lo, hi);
    }
    add_case("reshape", {{2, 3, 4}}, {ga}, ga, [](B& b, V x) { return b.reshape(x[0], {6, 4}); }, lo, hi);
    add_case("transpose", {{1, 5, 2, 3}}, {ga}, ga, [](B& b, V x) { return b.transpose(x[0], {0, 2, 1, 3}); }, lo, hi);
    add_case("concatenation", {{2, 3}, {2, 4}}, {ga, ga}, ga, [](B& b, V x) { return b.concatenation(x, -1); }, lo, hi);
    // What TFLite's Prepare refuses, nilm's prepare refuses too.
    // int8: refused (by the XNNPACK delegate, then TFLite's Prepare). int16: LiteRT.js copies
    // the raw integers and ignores the second input's grid (wrong values); nilm refuses both.
    add_case("concatenation_other_grid", {{2, 3}, {2, 4}}, {ga, gb}, ga,
             [](B& b, V x) { return b.concatenation(x, -1); }, lo, hi, true);
    all.back().only_nilm_refuses = is16;
    add_case("softmax_wrong_output_grid", {{2, 8}}, {ga}, grid(0.01f, 0), [](B& b, V x) { return b.softmax(x[0]); }, lo,
             hi, true);
    // int8 LOGISTIC on another output grid: LiteRT.js runs the same table (TFLite's builtin
    // kernel would refuse); int16: refused.
    if (!is16)
      add_case("tanh_other_output_grid", {{16, 16}}, {grid(0.03f, -9)}, grid(0.009f, 4),
               [](B& b, V x) { return b.unary(OpKind::tanh, x[0]); }, lo, hi);
    add_case("logistic_other_output_grid", {{16, 16}}, {grid(0.04f, 3)}, grid(0.005f, -100),
             [](B& b, V x) { return b.unary(OpKind::logistic, x[0]); }, lo, hi, is16);
  }
  // A layer norm chain (MEAN, SUB, MUL(d, d), MEAN, ADD of a constant, RSQRT, MUL), each op on
  // its own grid: constants, a tensor read twice, arena reuse between integer ops.
  for (const ElementType t : {ElementType::i8, ElementType::i16}) {
    const bool is16 = t == ElementType::i16;
    const double qmax = is16 ? 32767.0 : 127.0;
    auto sym = [&](double range) { return model::Quantization{{float(range / qmax)}, {0}, 0}; };
    model::GraphBuilder b;
    const int x = b.input("x", {1, 9, 32});
    const int xq = b.quantize(x, t, sym(3.0));
    const int mean = b.mean(xq, {-1}, true);
    b.graph().tensor(mean).quantization = sym(3.0);
    const int d = b.sub(xq, mean);
    b.graph().tensor(d).quantization = sym(6.0);
    const int d2 = b.mul(d, d);
    b.graph().tensor(d2).quantization = sym(36.0);
    const int var = b.mean(d2, {-1}, true);
    b.graph().tensor(var).quantization = sym(12.0);
    const float eps_scale = float(12.0 / qmax);
    std::vector<std::uint8_t> eps_bytes(is16 ? 2 : 1, 0);
    eps_bytes[0] = 3;  // 3 steps of var's grid
    const int eps = b.constant_raw("eps", {1}, t, eps_bytes, model::Quantization{{eps_scale}, {0}, 0});
    const int ve = b.add(var, eps);
    b.graph().tensor(ve).quantization = sym(12.0);
    const int rs = b.unary(OpKind::rsqrt, ve);
    b.graph().tensor(rs).quantization = sym(is16 ? 40.0 : 12.0);
    const int y = b.mul(d, rs);
    b.graph().tensor(y).quantization = sym(6.0);
    b.output(b.dequantize(y));
    PeerCase c;
    c.name = std::string("layer_norm_chain_") + (is16 ? "s16" : "s8");
    c.graph = b.finish();
    c.inputs.push_back(on_grid(rng, 9 * 32, Grid{float(3.0 / qmax), 0}, int(-qmax), int(qmax)));
    c.out = Grid{float(6.0 / qmax), 0};
    all.push_back(std::move(c));
  }

  // Random grids, larger tensors: every int8 input value through each table op on three grids,
  // every int16 value through each int16 unary op, binary ops and reductions on 1-2k values.
  using B = model::GraphBuilder;
  using V = const std::vector<int>&;
  std::uniform_real_distribution<float> log_scale(-7.f, -3.f);
  std::uniform_int_distribution<int> zp8(-60, 60);
  auto random_grid = [&](bool is16) {
    const float sc = std::exp2(log_scale(rng));
    return is16 ? Grid{sc / 64, 0} : Grid{sc, zp8(rng)};
  };
  for (int variant = 0; variant < 3; ++variant) {
    for (const bool is16 : {false, true}) {
      const ElementType t = is16 ? ElementType::i16 : ElementType::i8;
      const std::string tag = std::string(is16 ? "_s16_" : "_s8_") + std::to_string(variant);
      const int lo = is16 ? -32768 : -128, hi = is16 ? 32767 : 127;
      auto push = [&](const std::string& name, const std::vector<model::Shape>& shapes, const std::vector<Grid>& grids,
                      const Grid& out, auto make, std::vector<std::vector<float>> inputs = {}) {
        PeerCase c;
        c.name = name + tag;
        c.graph = wrapped(t, shapes, grids, out, make);
        if (inputs.empty())
          for (std::size_t i = 0; i < shapes.size(); ++i)
            inputs.push_back(on_grid(rng, std::size_t(model::element_count(shapes[i])), grids[i], lo, hi));
        c.inputs = std::move(inputs);
        c.out = out;
        all.push_back(std::move(c));
      };
      // Every input value once (a permutation, so neighbours differ).
      auto every_value = [&](const Grid& g) {
        std::vector<float> v;
        for (int q = lo; q <= hi; ++q) v.push_back(g.scale * float(q - g.zero_point));
        std::shuffle(v.begin(), v.end(), rng);
        return v;
      };
      const model::Shape all_shape = is16 ? model::Shape{256, 256} : model::Shape{16, 16};
      const Grid fixed = is16 ? Grid{1.0f / 32768, 0} : Grid{1.0f / 256, -128};
      const Grid tanh_fixed = is16 ? Grid{1.0f / 32768, 0} : Grid{1.0f / 128, 0};
      Grid gx = random_grid(is16);
      gx.scale = std::max(gx.scale, is16 ? 1e-4f : 0.01f);  // inputs that reach the saturated tails
      push("logistic_all", {all_shape}, {gx}, fixed, [](B& b, V x) { return b.unary(OpKind::logistic, x[0]); },
           {every_value(gx)});
      push("tanh_all", {all_shape}, {gx}, tanh_fixed, [](B& b, V x) { return b.unary(OpKind::tanh, x[0]); },
           {every_value(gx)});
      const Grid gelu_out = random_grid(is16);
      push("gelu_all", {all_shape}, {gx}, gelu_out, [](B& b, V x) { return b.gelu(x[0], false); }, {every_value(gx)});
      push("gelu_approximate_all", {all_shape}, {gx}, gelu_out, [](B& b, V x) { return b.gelu(x[0], true); },
           {every_value(gx)});
      push("relu_all", {all_shape}, {gx}, random_grid(is16), [](B& b, V x) { return b.unary(OpKind::relu, x[0]); },
           {every_value(gx)});
      {  // RSQRT: every value >= 0 (TFLite refuses negative inputs at run time)
        Grid pos = gx;
        pos.zero_point = is16 ? 0 : -128;
        std::vector<float> v;
        for (int q = int(pos.zero_point); q <= hi; ++q) v.push_back(pos.scale * float(q - pos.zero_point));
        std::shuffle(v.begin(), v.end(), rng);
        const model::Shape shape = is16 ? model::Shape{128, 256} : model::Shape{16, 16};
        push("rsqrt_all", {shape}, {pos}, random_grid(is16), [](B& b, V x) { return b.unary(OpKind::rsqrt, x[0]); },
             {v});
      }
      const Grid a = random_grid(is16), bg = random_grid(is16);
      const double range = double(a.scale + bg.scale) * (is16 ? 32768.0 : 128.0);
      const Grid sum_out = is16 ? Grid{float(range / 32767), 0} : Grid{float(range / 127), zp8(rng)};
      push("add_random", {{16, 64}, {64}}, {a, bg}, sum_out, [](B& b, V x) { return b.add(x[0], x[1]); });
      push("sub_random", {{16, 64}, {16, 1}}, {a, bg}, sum_out, [](B& b, V x) { return b.sub(x[0], x[1]); });
      const double prod = double(a.scale) * double(bg.scale) * (is16 ? 32768.0 * 32768.0 : 128.0 * 128.0);
      const Grid mul_out = is16 ? Grid{float(prod / 32767 / 4), 0} : Grid{float(prod / 127 / 4), zp8(rng)};
      push("mul_random", {{16, 64}, {16, 64}}, {a, bg}, mul_out, [](B& b, V x) { return b.mul(x[0], x[1]); });
      if (!is16)
        push("squared_difference_random", {{16, 64}, {16, 1}}, {a, bg},
             Grid{float(range * range / 255 / 4), -128}, [](B& b, V x) { return b.squared_difference(x[0], x[1]); });
      push("mean_random", {{4, 32, 64}}, {a}, random_grid(is16), [](B& b, V x) { return b.mean(x[0], {-1}, true); });
      push("softmax_random", {{2, 37, 64}}, {a}, fixed, [](B& b, V x) { return b.softmax(x[0]); });
      const float beta = std::uniform_real_distribution<float>(0.1f, 3.0f)(rng);
      push("softmax_random_beta", {{2, 37, 64}}, {a}, fixed, [beta](B& b, V x) { return b.softmax(x[0], beta); });
    }
  }
  return all;
}

// nilm's runtime (reference tier) on the same graph.
std::vector<float> run_ours(const model::Graph& g, const std::vector<std::vector<float>>& inputs,
                            Tier tier = Tier::reference, int threads = 1) {
  CompileOptions options;
  options.tier = tier;
  const Model model = Model::from_graph(g, options);
  Interpreter run(model, threads);
  for (std::size_t i = 0; i < inputs.size(); ++i) std::copy(inputs[i].begin(), inputs[i].end(), run.input(i));
  run.invoke();
  return {run.output(0), run.output(0) + run.output_elements(0)};
}

TEST(ElementwiseIntLiteRt, OneOpGraphsAgreeWithTfliteWithinOneStep) {
  const fs::path dir = fs::path(::testing::TempDir()) / "nilm_elementwise_int_litert";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<PeerCase> all = cases();
  std::ofstream jobs(dir / "jobs.txt");
  for (const auto& c : all) {
    const std::string base = (dir / c.name).string();
    model::save_tflite(c.graph, base + ".tflite");
    std::ofstream in(base + ".in", std::ios::binary);
    for (const auto& v : c.inputs) in.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
    jobs << base << ".tflite " << base << ".in " << base << ".out\n";
  }
  jobs.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_PEERS_DIR", NILM_PEERS_DIR) +
                              "/litert_run.mjs --batch " + (dir / "jobs.txt").string() + " > " +
                              (dir / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "LiteRT.js runner failed:\n" << read_bytes(dir / "log.txt");
  std::printf("%-32s %8s %12s %10s\n", "case", "values", "worst steps", "bit-exact");
  for (const auto& c : all) {
    SCOPED_TRACE(c.name);
    const std::string base = (dir / c.name).string();
    if (c.only_nilm_refuses) {
      std::printf("%-32s LiteRT.js runs it (raw copy, wrong values); nilm refuses\n", c.name.c_str());
      EXPECT_THROW(run_ours(c.graph, c.inputs), Error);
      continue;
    }
    if (c.expect_refusal) {
      const bool refused = fs::exists(base + ".out.error");
      std::string message = refused ? read_bytes(base + ".out.error") : "(accepted)";
      std::replace(message.begin(), message.end(), '\n', ' ');
      std::printf("%-32s LiteRT.js: %s\n", c.name.c_str(), message.substr(0, 150).c_str());
      EXPECT_TRUE(refused) << "LiteRT.js accepts this now: nilm should too";
      EXPECT_THROW(run_ours(c.graph, c.inputs), Error) << "nilm accepts what TFLite refuses";
      continue;
    }
    ASSERT_FALSE(fs::exists(base + ".out.error")) << "LiteRT.js refused: " << read_bytes(base + ".out.error");
    const std::string bytes = read_bytes(base + ".out");
    const std::vector<float> ours = run_ours(c.graph, c.inputs);
    EXPECT_EQ(run_ours(c.graph, c.inputs, Tier::optimized, 2), ours) << "the optimized tier differs from the reference";
    ASSERT_EQ(bytes.size(), ours.size() * 4);
    std::vector<float> litert(ours.size());
    std::memcpy(litert.data(), bytes.data(), bytes.size());
    // Back to the output integers (both sides dequantized exactly these grid points).
    auto q = [&](float v) { return std::lround(double(v) / double(c.out.scale)) + c.out.zero_point; };
    long worst = 0;
    std::size_t exact = 0, first_diff = ours.size();
    for (std::size_t i = 0; i < ours.size(); ++i) {
      const long steps = std::labs(q(ours[i]) - q(litert[i]));
      worst = std::max(worst, steps);
      exact += steps == 0;
      if (steps && first_diff == ours.size()) first_diff = i;
    }
    std::printf("%-32s %8zu %12ld %9.2f%%", c.name.c_str(), ours.size(), worst,
                100.0 * double(exact) / double(ours.size()));
    if (first_diff < ours.size()) {
      std::size_t at = first_diff;
      std::printf("   e.g. output %zu: nilm %ld, LiteRT.js %ld", at, q(ours[at]), q(litert[at]));
    }
    std::printf("\n");
    EXPECT_LE(worst, 1);
  }
}

}  // namespace
}  // namespace nilm::runtime::testing
