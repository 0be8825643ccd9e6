// The AArch64 SDOT integer GEMMs against the portable ones (themselves bit-identical to the
// reference kernels, test_int_kernels.cc) on every depth remainder, row tile and panel edge:
// depths 1..70 cover each 16-byte block tail (0..15 bytes) several times, rows 1..9 every row
// tile (4 + 1..3), outputs 1..40 partial panels and partial 4-output blocks. Skipped where the
// CPU (or the build) has no dot product; scripts/cross_test.sh runs it under qemu's "max" core.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/int8_gemm_dotprod.h"

namespace nilm::runtime::kernels {
namespace {

struct Problem {
  int m, n, k;
  std::vector<std::int8_t> a, w, packed;
  std::vector<std::int32_t> bias, sums;
  std::vector<QuantizedMultiplier> mult;
  ExpandedMultipliers expanded;
  std::vector<float> w_scales, fbias;
};

Problem make_problem(std::mt19937& rng, int m, int n, int k) {
  Problem p{m, n, k, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  std::uniform_int_distribution<int> byte(-128, 127), weight(-127, 127), b(-5000, 5000);
  std::uniform_real_distribution<double> scale(1e-4, 2e-2);
  for (int i = 0; i < m * k; ++i) p.a.push_back(std::int8_t(byte(rng)));
  for (int i = 0; i < n * k; ++i) p.w.push_back(std::int8_t(weight(rng)));
  std::vector<std::int32_t> raw_bias;
  for (int j = 0; j < n; ++j) {
    raw_bias.push_back(b(rng));
    // small multipliers shift right after the high multiply, some above 1 shift left before it
    p.mult.push_back(quantize_multiplier(j % 3 == 2 ? 40.0 * scale(rng) : scale(rng)));
    p.w_scales.push_back(float(scale(rng)));
    p.fbias.push_back(float(b(rng)) * 1e-3f);
  }
  p.w_scales.resize(std::size_t((n + 15) / 16 * 16), 0.f);
  fold_input_offset(p.w.data(), n, k, raw_bias.data(), byte(rng), p.bias, p.sums);
  p.expanded = ExpandedMultipliers(p.mult, n);
  p.packed = pack_panels_s8(p.w.data(), n, k);
  return p;
}

QGemmS8Args s8_args(const Problem& p, std::vector<std::int8_t>& out) {
  QGemmS8Args g;
  g.m = p.m, g.n = p.n, g.k = p.k;
  g.a = p.a.data(), g.a_row = p.k;
  g.b = p.w.data(), g.b_packed = p.packed.data();
  g.bias = p.bias.data(), g.b_sums = p.sums.data();
  g.mult = p.mult.data(), g.mult_count = p.n;
  p.expanded.attach(g);
  g.out_offset = -3, g.act_min = -128, g.act_max = 100;
  out.assign(std::size_t(p.m) * p.n, 0);
  g.c = out.data(), g.ldc = p.n;
  return g;
}

HybridS8Args hybrid_args(const Problem& p, std::vector<float>& out, bool scale_first) {
  HybridS8Args g;
  g.m = p.m, g.n = p.n, g.k = p.k;
  g.a = p.a.data(), g.a_row = p.k;
  g.b = p.w.data(), g.b_packed = p.packed.data(), g.b_sums = p.sums.data();
  g.w_scales = p.w_scales.data(), g.bias = p.fbias.data();
  g.input_offset = 7, g.input_scale = 0.013f, g.scale_first = scale_first;
  g.lo = -1e30f, g.hi = 1e30f;
  out.assign(std::size_t(p.m) * p.n, 0.f);
  g.c = out.data(), g.ldc = p.n;
  return g;
}

TEST(Int8DotProd, RowsAndPanelsMatchThePortableGemmBitForBit) {
  if (!qgemm_s8_neon_dotprod()) GTEST_SKIP() << "no SDOT (not AArch64, or the core lacks it)";
  ASSERT_NE(qgemm_s8_packed_neon_dotprod(), nullptr);
  std::mt19937 rng(42);
  int cases = 0;
  for (int k = 1; k <= 70; ++k) {
    const int m = 1 + k % 9, n = 1 + (k * 7) % 40;
    const Problem p = make_problem(rng, m, n, k);
    std::vector<std::int8_t> want, rows, packed;
    qgemm_s8_portable(s8_args(p, want), 0, n);
    qgemm_s8_neon_dotprod()(s8_args(p, rows), 0, n);
    EXPECT_EQ(rows, want) << "rows m " << m << " n " << n << " k " << k;
    // Two calls split at a panel boundary, as the thread split does.
    const QGemmS8Args g = s8_args(p, packed);
    qgemm_s8_packed_neon_dotprod()(g, 0, std::min(n, 16));
    if (n > 16) qgemm_s8_packed_neon_dotprod()(g, 16, n);
    EXPECT_EQ(packed, want) << "packed m " << m << " n " << n << " k " << k;
    ++cases;
  }
  EXPECT_EQ(cases, 70);
}

// Random accumulators almost never land on a rounding half; here every accumulator from -600 to
// 600 meets multipliers whose products end in exact halves (0.25 and 0.375 shift right after
// the high multiply, 1.5 and 3 shift left before it), negative ones included.
TEST(Int8DotProd, RequantizationRoundsHalvesAsTheReference) {
  if (!qgemm_s8_neon_dotprod()) GTEST_SKIP() << "no SDOT (not AArch64, or the core lacks it)";
  const int n = 1201, k = 3;
  const double reals[] = {0.25, 0.375, 0.75, 1.5, 3.0, 0.1};
  Problem p{1, n, k, {1, -2, 3}, std::vector<std::int8_t>(std::size_t(n) * k, 0), {}, {}, {}, {}, {}, {}, {}};
  std::vector<std::int32_t> raw_bias;
  for (int j = 0; j < n; ++j) {
    raw_bias.push_back(j - 600);
    p.mult.push_back(quantize_multiplier(reals[j % 6]));
  }
  fold_input_offset(p.w.data(), n, k, raw_bias.data(), 0, p.bias, p.sums);
  p.expanded = ExpandedMultipliers(p.mult, n);
  p.packed = pack_panels_s8(p.w.data(), n, k);
  std::vector<std::int8_t> want, rows, packed;
  qgemm_s8_portable(s8_args(p, want), 0, n);
  qgemm_s8_neon_dotprod()(s8_args(p, rows), 0, n);
  qgemm_s8_packed_neon_dotprod()(s8_args(p, packed), 0, n);
  EXPECT_EQ(rows, want);
  EXPECT_EQ(packed, want);
  // By hand (output offset -3): the high multiply rounds halves up, the right shift away from 0.
  EXPECT_EQ(want[590], -7 - 3);  // -10 * 0.75 = -7.5 (shift 0) -> -7
  EXPECT_EQ(want[602], 2 - 3);   // 2 * 0.75 = 1.5 -> 2
  EXPECT_EQ(want[594], -2 - 3);  // -6 * 0.25: x 2^30 high -> -3, then / 2 -> -1.5 -> -2
}

TEST(Int8DotProd, HybridRowsAndPanelsMatchThePortableKernel) {
  if (!hybrid_s8_neon_dotprod()) GTEST_SKIP() << "no SDOT (not AArch64, or the core lacks it)";
  ASSERT_NE(hybrid_s8_packed_neon_dotprod(), nullptr);
  std::mt19937 rng(43);
  for (int k = 1; k <= 40; ++k) {
    const int m = 1 + k % 7, n = 1 + (k * 5) % 37;
    const Problem p = make_problem(rng, m, n, k);
    for (bool scale_first : {true, false}) {
      std::vector<float> want, rows, packed;
      hybrid_s8_portable(hybrid_args(p, want, scale_first), 0, n);
      hybrid_s8_neon_dotprod()(hybrid_args(p, rows, scale_first), 0, n);
      EXPECT_EQ(rows, want) << "rows m " << m << " n " << n << " k " << k;
      hybrid_s8_packed_neon_dotprod()(hybrid_args(p, packed, scale_first), 0, n);
      EXPECT_EQ(packed, want) << "packed m " << m << " n " << n << " k " << k;
    }
  }
}

}  // namespace
}  // namespace nilm::runtime::kernels

namespace nilm::runtime::kernels {
namespace {

// int16x8 (w8_a16) NEON rows against the portable kernel: depths across the 256-product int32
// blocks (1..700), and all-extreme operands (-32768 x -128 = 2^22 per product, 2^30 per block)
// that would overflow a wider int32 block.
TEST(Int16Neon, RowsMatchThePortableGemmBitForBit) {
  if (!qgemm_s16_neon()) GTEST_SKIP() << "not AArch64";
  std::mt19937 rng(44);
  std::uniform_int_distribution<int> act(-32768, 32767), weight(-127, 127);
  std::uniform_real_distribution<double> scale(1e-6, 1e-3);
  for (int c = 0; c < 24; ++c) {
    const bool extreme = c % 6 == 5;
    const int m = 1 + c % 4, n = 1 + (c * 5) % 23, k = c < 12 ? 1 + c * 13 : 250 + (c - 12) * 41;
    std::vector<std::int16_t> a(std::size_t(m) * k);
    std::vector<std::int8_t> w(std::size_t(n) * k);
    for (auto& v : a) v = std::int16_t(extreme ? -32768 : act(rng));
    for (auto& v : w) v = std::int8_t(extreme ? -128 : weight(rng));
    std::vector<std::int64_t> raw_bias(std::size_t(n), -123456), bias;
    std::vector<std::int32_t> sums;
    fold_input_offset(w.data(), n, k, raw_bias.data(), 0, bias, sums);
    std::vector<QuantizedMultiplier> mult;
    for (int j = 0; j < n; ++j) mult.push_back(quantize_multiplier(extreme ? 2e-6 : scale(rng)));
    const ExpandedMultipliers expanded(mult, n);
    auto args = [&](std::vector<std::int16_t>& out) {
      QGemmS16Args g;
      g.m = m, g.n = n, g.k = k, g.a = a.data(), g.a_row = k, g.b = w.data();
      g.bias = bias.data(), g.b_sums = sums.data(), g.mult = mult.data(), g.mult_count = n;
      expanded.attach(g);
      g.out_offset = 0, g.act_min = -32768, g.act_max = 32767;
      out.assign(std::size_t(m) * n, 0);
      g.c = out.data(), g.ldc = n;
      return g;
    };
    std::vector<std::int16_t> want, got;
    qgemm_s16_portable(args(want), 0, n);
    qgemm_s16_neon()(args(got), 0, n);
    EXPECT_EQ(got, want) << "m " << m << " n " << n << " k " << k << (extreme ? " extreme" : "");
  }
}

}  // namespace
}  // namespace nilm::runtime::kernels
