// XNNPACK's float32 requantization (requantize_fp32, what TFLite's default delegate and so
// LiteRT.js run for int8 CONV_2D): hand-computed cases, then every int8 GEMM variant this CPU
// has (portable, AVX2 and AVX-512 VNNI rows and panels, AArch64 SDOT) against the scalar formula
// output by output, on accumulators that land on exact halves and on random problems.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int8_gemm_dotprod.h"

namespace nilm::runtime::kernels {
namespace {

TEST(FloatRequantization, RoundsHalvesToEvenAndClampsInFloat) {
  // float(acc) * scale rounded to nearest even (TFLite's fixed-point path rounds halves away
  // from zero: 3, -3 and 3 for the first three)
  EXPECT_EQ(requantize_fp32(5, 0.5f, 0, -128, 127), 2);     // 2.5 -> 2
  EXPECT_EQ(requantize_fp32(-5, 0.5f, 0, -128, 127), -2);   // -2.5 -> -2
  EXPECT_EQ(requantize_fp32(7, 0.5f, 0, -128, 127), 4);     // 3.5 -> 4
  EXPECT_EQ(requantize_fp32(11, 0.25f, 10, -128, 127), 13); // 2.75 -> 3, + 10
  EXPECT_EQ(requantize_fp32(1000, 0.5f, -3, -128, 127), 127);   // clamped before the zero point
  EXPECT_EQ(requantize_fp32(-1000, 0.5f, -3, -128, 127), -128);
  EXPECT_EQ(requantize_fp32(-9, 0.5f, -128, -128, 127), -128);  // RELU on a zero point of -128
  // the accumulator becomes a float first: 2^24 + 1 rounds to 2^24, so 0.50000003 becomes 0.5 -> 0
  EXPECT_EQ(requantize_fp32(16777217, 1.0f / 33554432, 0, -128, 127), 0);
}

struct Problem {
  int m, n, k;
  std::vector<std::int8_t> a, w, packed;
  std::vector<std::int32_t> bias, sums;
  std::vector<QuantizedMultiplier> mult;
  ExpandedMultipliers expanded;
  std::vector<float> scales;  // padded to whole panels
};

QGemmS8Args args_of(const Problem& p, std::vector<std::int8_t>& out) {
  QGemmS8Args g;
  g.m = p.m, g.n = p.n, g.k = p.k;
  g.a = p.a.data(), g.a_row = p.k;
  g.b = p.w.data(), g.b_packed = p.packed.data();
  g.bias = p.bias.data(), g.b_sums = p.sums.data();
  g.mult = p.mult.data(), g.mult_count = p.n;
  p.expanded.attach(g);
  g.f_scale = p.scales.data();
  g.out_offset = -3, g.act_min = -128, g.act_max = 100;
  out.assign(std::size_t(p.m) * p.n, 0);
  g.c = out.data(), g.ldc = p.n;
  return g;
}

// The scalar formula, output by output: exact integer dot product, then requantize_fp32.
std::vector<std::int8_t> expected(const Problem& p) {
  std::vector<std::int8_t> out(std::size_t(p.m) * p.n);
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      std::int32_t acc = p.bias[std::size_t(j)];
      for (int t = 0; t < p.k; ++t) acc += std::int32_t{p.a[std::size_t(i * p.k + t)]} * p.w[std::size_t(j * p.k + t)];
      out[std::size_t(i * p.n + j)] = std::int8_t(requantize_fp32(acc, p.scales[std::size_t(j)], -3, -128, 100));
    }
  return out;
}

void finish(Problem& p, const std::vector<std::int32_t>& raw_bias, std::int32_t input_offset) {
  fold_input_offset(p.w.data(), p.n, p.k, raw_bias.data(), input_offset, p.bias, p.sums);
  p.expanded = ExpandedMultipliers(p.mult, p.n);
  p.packed = pack_panels_s8(p.w.data(), p.n, p.k);
  p.scales.resize(std::size_t((p.n + kPanelS8 - 1) / kPanelS8 * kPanelS8), p.scales.back());
}

void check_every_variant(const Problem& p) {
  const std::vector<std::int8_t> want = expected(p);
  std::vector<std::int8_t> got;
  qgemm_s8_portable(args_of(p, got), 0, p.n);
  EXPECT_EQ(got, want) << "portable";
  const std::pair<const char*, QGemmS8Fn> rows[] = {{"avx2", qgemm_s8_avx2()},
                                                    {"avx512vnni", qgemm_s8_avx512vnni()},
                                                    {"neon_dotprod", qgemm_s8_neon_dotprod()}};
  for (const auto& [name, fn] : rows)
    if (fn) {
      fn(args_of(p, got), 0, p.n);
      EXPECT_EQ(got, want) << name << " rows m " << p.m << " n " << p.n << " k " << p.k;
    }
  const std::pair<const char*, QGemmS8Fn> panels[] = {{"avx2", qgemm_s8_packed_avx2()},
                                                      {"avx512vnni", qgemm_s8_packed_avx512vnni()},
                                                      {"neon_dotprod", qgemm_s8_packed_neon_dotprod()}};
  for (const auto& [name, fn] : panels)
    if (fn) {
      const QGemmS8Args g = args_of(p, got);
      fn(g, 0, std::min(p.n, kPanelS8));  // split at a panel boundary, as threads do
      if (p.n > kPanelS8) fn(g, kPanelS8, p.n);
      EXPECT_EQ(got, want) << name << " panels m " << p.m << " n " << p.n << " k " << p.k;
    }
}

// Every accumulator from -600 to 600 against scales whose products end in exact halves.
TEST(FloatRequantization, EveryVariantRoundsHalvesAsTheFormula) {
  const int n = 1201, k = 3;
  const float reals[] = {0.25f, 0.5f, 0.375f, 1.5f, 0.1f, 0.0078125f};  // output j: reals[j % 6]
  Problem p{1, n, k, {1, -2, 3}, std::vector<std::int8_t>(std::size_t(n) * k, 0), {}, {}, {}, {}, {}, {}};
  std::vector<std::int32_t> raw_bias;
  for (int j = 0; j < n; ++j) {
    raw_bias.push_back(j - 600);
    p.scales.push_back(reals[j % 6]);
    p.mult.push_back(quantize_multiplier(double(reals[j % 6])));
  }
  finish(p, raw_bias, 0);
  check_every_variant(p);
  const std::vector<std::int8_t> want = expected(p);
  EXPECT_EQ(want[595], -2 - 3);  // -5 * 0.5 = -2.5 -> -2 (the fixed-point path gives -3)
  EXPECT_EQ(want[607], 4 - 3);   // 7 * 0.5 = 3.5 -> 4
  EXPECT_EQ(want[606], 2 - 3);   // 6 * 0.25 = 1.5 -> 2
  EXPECT_EQ(want[600 - 18], -4 - 3);  // -18 * 0.25 = -4.5 -> -4
}

TEST(FloatRequantization, EveryVariantMatchesTheFormulaOnRandomProblems) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(-128, 127), weight(-127, 127), b(-5000, 5000);
  std::uniform_real_distribution<float> scale(1e-4f, 2e-2f);
  for (int k = 1; k <= 70; k += 3) {
    const int m = 1 + k % 9, n = 1 + (k * 7) % 40;
    Problem p{m, n, k, {}, {}, {}, {}, {}, {}, {}, {}};
    for (int i = 0; i < m * k; ++i) p.a.push_back(std::int8_t(byte(rng)));
    for (int i = 0; i < n * k; ++i) p.w.push_back(std::int8_t(weight(rng)));
    std::vector<std::int32_t> raw_bias;
    for (int j = 0; j < n; ++j) {
      raw_bias.push_back(b(rng));
      p.scales.push_back(scale(rng));
      p.mult.push_back(quantize_multiplier(double(p.scales.back())));
    }
    finish(p, raw_bias, byte(rng));
    check_every_variant(p);
  }
}

}  // namespace
}  // namespace nilm::runtime::kernels
