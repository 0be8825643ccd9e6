// The integer kernels against TFLite itself: one-op quantized graphs (float32 inputs and outputs,
// QUANTIZE -> op -> DEQUANTIZE, or a hybrid op) written as .tflite, run by LiteRT.js
// (tests/peers/litert_run.mjs, TFLite compiled to wasm) and by nilm's reference and optimized
// tiers. Integer outputs must agree within one output step; the test prints, per kernel, the
// worst difference in steps and how many values are bit-exact. Hybrid outputs are floats: they
// must agree within the input-quantization error bound.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/tflite.h"
#include "runtime/quantized_graphs.h"
#include "peer_files.h"

namespace nilm::runtime::testing {
namespace {

namespace fs = std::filesystem;

using test_peers::env_or;
using test_peers::read_bytes;

struct PeerCase {
  QuantCase c;
  double hybrid_tolerance = 0;  // absolute, for float outputs
};

std::vector<PeerCase> cases() {
  std::vector<PeerCase> all;
  std::uint32_t seed = 900;
  for (bool conv : {true, false})
    for (QuantKind k : {QuantKind::s8, QuantKind::s16, QuantKind::hybrid, QuantKind::hybrid_asymmetric}) {
      if (conv && k == QuantKind::hybrid_asymmetric) continue;  // conv has no such attribute
      for (int variant = 0; variant < 2; ++variant) {
        LayerShape s;
        s.conv = conv;
        s.batch = variant ? 3 : 1;
        s.width = variant ? 33 : 17;
        s.in_c = variant ? 5 : 3;
        s.out_c = variant ? 7 : 16;
        s.kernel = variant ? 5 : 3;
        s.stride = variant ? 2 : 1;
        s.padding = variant ? model::Padding::valid : model::Padding::same;
        s.act = variant ? model::Activation::relu : model::Activation::none;
        s.dead_channel = variant ? 2 : -1;
        PeerCase p{layer_case(k, s, seed++)};
        const int patch = conv ? s.kernel * s.in_c : s.in_c;
        // Both sides quantize each input to the same grid up to a rounding tie or the
        // (a)symmetric choice: at most two input steps per weight of at most 0.5.
        p.hybrid_tolerance = patch * 0.5 * 2.0 / 127.0;
        all.push_back(std::move(p));
      }
    }
  // Many rows (the transformer's tokens): the tiled dense kernels (8-row tiles, row tails).
  for (QuantKind k : {QuantKind::s8, QuantKind::hybrid, QuantKind::hybrid_asymmetric}) {
    LayerShape s;
    s.conv = false;
    s.batch = 27;
    s.in_c = 70;
    s.out_c = 40;
    s.act = k == QuantKind::s8 ? model::Activation::relu : model::Activation::none;
    PeerCase p{layer_case(k, s, seed++)};
    p.c.name += "_many_rows";
    p.hybrid_tolerance = s.in_c * 0.5 * 2.0 / 127.0;
    all.push_back(std::move(p));
  }
  // Inputs on a half-step grid whose range is 255 exactly: scale 1, so every other value is an
  // exact rounding tie of x / scale; an odd zero point (-29) tells "round, then add the zero
  // point" from "add, then round". The transformer's first conv (one input channel, 256 filters)
  // met one such tie in 4792 inputs and moved its w8 output 1.5% away from LiteRT.js's.
  for (bool conv : {true, false}) {
    LayerShape s;
    s.conv = conv;
    s.batch = 2;
    s.width = 40;
    s.in_c = conv ? 1 : 511;
    s.out_c = 8;
    s.kernel = 5;
    PeerCase p{layer_case(conv ? QuantKind::hybrid : QuantKind::hybrid_asymmetric, s, seed++)};
    p.c.name += "_rounding_ties";
    const std::size_t row = conv ? std::size_t(s.width) : std::size_t(s.in_c);  // quantized together
    for (std::size_t i = 0; i < p.c.inputs[0].size(); ++i)  // each row: -99, -98.5, ..., and 156
      p.c.inputs[0][i] = i % row == row - 1 ? 156.f : float(i % row) * 0.5f - 99.f;
    p.hybrid_tolerance = 1e-4;  // float rounding of outputs of a few hundred; a moved input costs > 0.1
    all.push_back(std::move(p));
  }
  for (bool int16 : {false, true}) {
    all.push_back({matmul_case(int16, 2, 7, 24, 5, false, false, seed++)});
    all.push_back({matmul_case(int16, 1, 9, 16, 8, false, true, seed++)});
    for (bool max : {true, false}) {
      all.push_back({pool_case(int16, max, 1, 37, 4, 2, 2, model::Padding::same, model::Activation::none, seed++)});
      all.push_back({pool_case(int16, max, 2, 20, 3, 3, 1, model::Padding::valid, model::Activation::relu, seed++)});
    }
  }
  return all;
}

TEST(IntKernelsLiteRt, OneOpQuantizedGraphsAgreeWithTflite) {
  const fs::path dir = fs::path(::testing::TempDir()) / "nilm_int_kernels_litert";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<PeerCase> all = cases();
  std::ofstream jobs(dir / "jobs.txt");
  for (const auto& p : all) {
    const std::string base = (dir / p.c.name).string();
    model::save_tflite(p.c.quantized, base + ".tflite");
    std::ofstream in(base + ".in", std::ios::binary);
    for (const auto& v : p.c.inputs) in.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
    jobs << base << ".tflite " << base << ".in " << base << ".out\n";
  }
  jobs.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_PEERS_DIR", NILM_PEERS_DIR) +
                              "/litert_run.mjs --batch " + (dir / "jobs.txt").string() + " > " +
                              (dir / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "LiteRT.js runner failed:\n" << read_bytes(dir / "log.txt");
  std::printf("%-34s %-34s %8s %12s %10s\n", "case", "nilm kernel", "values", "worst", "bit-exact");
  for (const auto& p : all) {
    const QuantCase& c = p.c;
    SCOPED_TRACE(c.name);
    const std::string base = (dir / c.name).string();
    ASSERT_FALSE(fs::exists(base + ".out.error")) << "LiteRT.js refused: " << read_bytes(base + ".out.error");
    const std::string bytes = read_bytes(base + ".out");
    const std::vector<float> ref = run_float_io(c.quantized, c.inputs, Tier::reference);
    const std::vector<float> opt = run_float_io(c.quantized, c.inputs, Tier::optimized, 2);
    ASSERT_EQ(bytes.size(), ref.size() * 4);
    std::vector<float> litert(ref.size());
    std::memcpy(litert.data(), bytes.data(), bytes.size());
    EXPECT_EQ(opt, ref) << "optimized tier differs from the reference tier";
    double worst = 0;
    std::size_t exact = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const double d = std::abs(double(ref[i]) - double(litert[i]));
      // in steps, less the float rounding of two dequantized values (int16: up to 32767 steps)
      const double noise = c.out_scale > 0 ? std::abs(double(ref[i]) / c.out_scale) * std::ldexp(1.0, -21) : 0.0;
      worst = std::max(worst, c.out_scale > 0 ? d / c.out_scale - noise : d);
      exact += ref[i] == litert[i];
    }
    const std::string kernel = kernel_of(c.quantized, c.quantized.ops[c.quantized.ops.size() > 2 ? c.quantized.ops.size() - 2 : 0].kind);
    std::printf("%-34s %-34s %8zu %9.3g %s %6.1f%%\n", c.name.c_str(), kernel.c_str(), ref.size(), worst,
                c.out_scale > 0 ? "st" : "ab", 100.0 * double(exact) / double(ref.size()));
    if (c.out_scale > 0) EXPECT_LE(worst, 1.0);
    else EXPECT_LE(worst, p.hybrid_tolerance);
  }
}

}  // namespace
}  // namespace nilm::runtime::testing
