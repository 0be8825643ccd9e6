// The sparse-input batch-1 dense rows (kernels/fc_sparse.h) against the reference formulas,
// bit for bit: int8 (requantize_fp32), hybrid (hybrid_one) and int16x8 (requantize_f64); output
// counts around the 16-output panels and 256-output blocks, depths around the 4-input groups
// and 64-byte chunks, inputs mostly at zero (skipped groups), all at zero, none at zero, and with
// values below the zero point (then nothing is skipped: u = x + 128 / x + 32768); extreme
// weights; calls split at block boundaries; float32 against the reference to rounding. Then whole
// layers through the runtime at 1-3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "quantized_graphs.h"
#include "runtime/kernels/fc_sparse.h"
#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/micro.h"
#include "runtime/kernels/reference.h"
#include "runtime_test_util.h"

namespace nilm::runtime::testing {
namespace {

using namespace kernels;

struct Shape {
  int n, k;
};
const Shape kShapes[] = {{1, 1}, {15, 3}, {16, 4}, {17, 5}, {40, 63}, {64, 64}, {255, 65},
                         {256, 130}, {257, 1027}, {600, 200}, {1024, 9728}};

// Inputs of a dense layer after a ReLU: `zero` of them at the zero point, the rest above it;
// `below`: one value under it.
template <class T>
std::vector<T> inputs(std::mt19937& rng, int k, int zp, double zero, bool below, int hi) {
  std::uniform_real_distribution<double> coin(0, 1);
  std::uniform_int_distribution<int> above(zp + 1, hi);
  std::vector<T> x(static_cast<std::size_t>(k));
  for (auto& v : x) v = static_cast<T>(coin(rng) < zero ? zp : above(rng));
  if (below && zp > std::numeric_limits<T>::min()) x[std::size_t(k) / 2] = static_cast<T>(std::numeric_limits<T>::min());
  return x;
}

std::vector<std::int8_t> weights(std::mt19937& rng, int n, int k, bool extremes) {
  std::uniform_int_distribution<int> any(-128, 127), coin(0, 1);
  std::vector<std::int8_t> w(std::size_t(n) * k);
  for (auto& v : w) v = static_cast<std::int8_t>(extremes ? (coin(rng) ? -128 : 127) : any(rng));
  return w;
}

struct Packed {
  std::vector<std::int8_t> blocks;
  std::vector<std::int32_t> sums;
  SparseWeights view;
  Packed(const std::vector<std::int8_t>& w, int n, int k, int block = kSparseBlock)
      : blocks(packed_blocks_s8_bytes(n, k)), sums(std::size_t((n + 15) / 16 * 16), 0) {
    pack_blocks_s8_into(w.data(), n, k, block, blocks.data());
    for (int j = 0; j < n; ++j)
      for (int t = 0; t < k; ++t) sums[std::size_t(j)] += w[std::size_t(j) * k + t];
    view = {n, k, blocks.data(), sums.data(), block};
  }
};

// fn(j0, j1) over [0, n) in `split` calls at block boundaries.
template <class Fn>
void split_calls(int n, int split, Fn&& fn, int block = kSparseBlock) {
  const int blocks = (n + block - 1) / block;
  const int per = (blocks + split - 1) / split;
  for (int b = 0; b < blocks; b += per) fn(b * block, std::min(n, (b + per) * block));
}

int padded(int n) { return (n + 15) / 16 * 16; }

TEST(SparseFc, InputListsTheNonzeroGroupsAndChoosesTheOffset) {
  const SparseInputS8Fn in8 = sparse_input_s8_avx512();
  const SparseInputS16Fn in16 = sparse_input_s16_avx512();
  if (!in8 || !in16) GTEST_SKIP() << "no AVX-512 VNNI";
  // 10 int8 values at zp -128: groups {0..3} {4..7} {8, 9}; only the second holds a value above
  std::vector<std::int8_t> x(10, -128);
  x[6] = 5;
  std::vector<std::uint8_t> scratch(sparse_input_bytes(10));
  SparseInput r = in8(x.data(), 10, -128, scratch.data());
  EXPECT_EQ(r.c, 128);
  ASSERT_EQ(r.count, 1);
  EXPECT_EQ(r.groups[0], 1);
  EXPECT_EQ(r.plane[0][6], 133);
  x[9] = -1;  // zero point -1: the -128s are below it, so u = x + 128; only groups with u > 0 listed
  r = in8(x.data(), 10, -1, scratch.data());
  EXPECT_EQ(r.c, 128);
  ASSERT_EQ(r.count, 2);
  EXPECT_EQ(r.groups[0], 1);
  EXPECT_EQ(r.groups[1], 2);
  std::vector<std::int8_t> y(10, -1);  // zero point -1, nothing below: u = x + 1, no group listed
  r = in8(y.data(), 10, -1, scratch.data());
  EXPECT_EQ(r.c, 1);
  EXPECT_EQ(r.count, 0);
  // int16: 70 values (18 groups), one nonzero in group 17; then a negative one in group 2
  std::vector<std::int16_t> z(70, 0);
  z[69] = 300;
  std::vector<std::uint8_t> scratch16(sparse_input_bytes(70));
  r = in16(z.data(), 70, scratch16.data());
  EXPECT_EQ(r.c, 0);
  ASSERT_EQ(r.count, 1);
  EXPECT_EQ(r.groups[0], 17);
  EXPECT_EQ(r.plane[0][69], 1);   // 300 >> 8
  EXPECT_EQ(r.plane[1][69], 44);  // 300 & 255
  z[9] = -2;
  r = in16(z.data(), 70, scratch16.data());
  EXPECT_EQ(r.c, 32768);
  EXPECT_EQ(r.count, 18);
  EXPECT_EQ(r.plane[0][9], 127);  // 32766 >> 8
}

TEST(SparseFc, Int8RowEqualsTheReferenceFormula) {
  const SparseS8Fn fn = sparse_s8_avx512vnni();
  const SparseInputS8Fn in = sparse_input_s8_avx512();
  if (!fn || !in) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(81);
  int trial = 0;
  for (const auto& [n, k] : kShapes)
    for (double zero : {0.0, 0.85, 1.0})
      for (bool below : {false, true}) {
        ++trial;
        const int zp = trial % 3 == 0 ? -128 : (trial % 3 == 1 ? -100 : 3);
        const auto x = inputs<std::int8_t>(rng, k, zp, zero, below, 127);
        const auto w = weights(rng, n, k, trial % 4 == 0);
        const Packed pk(w, n, k);
        std::vector<std::int32_t> bias(std::size_t(padded(n)), 0);
        std::vector<float> scale(std::size_t(padded(n)));
        std::uniform_int_distribution<int> b(-50000, 50000);
        std::uniform_real_distribution<float> sd(1e-5f, 3e-3f);
        for (int j = 0; j < n; ++j) bias[std::size_t(j)] = b(rng), scale[std::size_t(j)] = sd(rng);
        const SparseS8 s{pk.view, zp, bias.data(), scale.data(), trial % 2 ? 0 : -20, trial % 2 ? -128 : -60, 127};
        std::vector<std::int8_t> want(static_cast<std::size_t>(n)), got(want.size(), 0x55);
        for (int j = 0; j < n; ++j) {
          std::int32_t acc = bias[std::size_t(j)];
          for (int t = 0; t < k; ++t) acc += std::int32_t(w[std::size_t(j) * k + t]) * (std::int32_t(x[std::size_t(t)]) - zp);
          want[std::size_t(j)] = static_cast<std::int8_t>(requantize_fp32(acc, scale[std::size_t(j)], s.out_offset, s.act_min, s.act_max));
        }
        std::vector<std::uint8_t> scratch(sparse_input_bytes(k));
        const SparseInput u = in(x.data(), k, zp, scratch.data());
        split_calls(n, 1 + trial % 3, [&](int j0, int j1) { fn(s, u, got.data(), j0, j1); });
        ASSERT_EQ(got, want) << "n " << n << " k " << k << " zero " << zero << " below " << below << " zp " << zp;
      }
}

TEST(SparseFc, HybridRowEqualsHybridOne) {
  const SparseHybridFn fn = sparse_hybrid_avx512vnni();
  const SparseInputS8Fn in = sparse_input_s8_avx512();
  if (!fn || !in) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(82);
  int trial = 0;
  for (const auto& [n, k] : kShapes)
    for (double zero : {0.0, 0.85, 1.0})
      for (bool asymmetric : {false, true}) {
        ++trial;
        // symmetric rows (offset 0) may hold negative values; asymmetric ReLU rows have offset -128
        const int offset = asymmetric ? -128 : 0;
        const auto q = inputs<std::int8_t>(rng, k, offset, zero, !asymmetric && trial % 2, 127);
        const auto w = weights(rng, n, k, trial % 4 == 0);
        const Packed pk(w, n, k);
        std::vector<float> w_scales(static_cast<std::size_t>(n)), bias(static_cast<std::size_t>(n));
        std::uniform_real_distribution<float> sd(1e-4f, 1e-1f), bd(-3.f, 3.f);
        for (auto& v : w_scales) v = sd(rng);
        for (auto& v : bias) v = bd(rng);
        HybridS8Args g;
        g.b_sums = pk.sums.data();
        g.w_scales = w_scales.data();
        g.bias = trial % 3 ? bias.data() : nullptr;
        g.input_offset = offset;
        g.input_scale = 0.0123f;
        g.scale_first = trial % 2 == 0;
        g.lo = trial % 2 ? 0.f : -std::numeric_limits<float>::infinity();
        g.hi = std::numeric_limits<float>::infinity();
        std::vector<float> want(static_cast<std::size_t>(n)), got(want.size(), -7.f);
        for (int j = 0; j < n; ++j) {
          std::int32_t dot = 0;
          for (int t = 0; t < k; ++t) dot += std::int32_t(w[std::size_t(j) * k + t]) * q[std::size_t(t)];
          want[std::size_t(j)] = hybrid_one(g, j, dot);
        }
        const SparseHybrid s{pk.view, w_scales.data(), g.bias, g.scale_first, g.lo, g.hi, offset, g.input_scale};
        std::vector<std::uint8_t> scratch(sparse_input_bytes(k));
        const SparseInput u = in(q.data(), k, offset, scratch.data());
        split_calls(n, 1 + trial % 3, [&](int j0, int j1) { fn(s, u, got.data(), j0, j1); });
        for (int j = 0; j < n; ++j)  // bits, so that the sign of a zero counts too
          ASSERT_EQ(std::signbit(got[std::size_t(j)]), std::signbit(want[std::size_t(j)])) << j;
        ASSERT_EQ(got, want) << "n " << n << " k " << k << " zero " << zero << " asymmetric " << asymmetric;
      }
}

TEST(SparseFc, Int16RowEqualsTheReferenceFormula) {
  const SparseS16Fn fn = sparse_s16_avx512vnni();
  const SparseInputS16Fn in = sparse_input_s16_avx512();
  if (!fn || !in) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(83);
  int trial = 0;
  for (const auto& [n, k] : kShapes)
    for (double zero : {0.0, 0.85, 1.0})
      for (bool below : {false, true}) {
        ++trial;
        const auto x = inputs<std::int16_t>(rng, k, 0, zero, below, 32767);
        const auto w = weights(rng, n, k, trial % 4 == 0);
        const Packed pk(w, n, k, kSparseBlockS16);
        std::vector<std::int64_t> bias(std::size_t(padded(n)), 0);
        std::vector<double> scale(std::size_t(padded(n)));
        std::uniform_int_distribution<std::int64_t> b(-(std::int64_t{1} << 36), std::int64_t{1} << 36);
        std::uniform_real_distribution<double> log_scale(-30, -14);
        for (int j = 0; j < n; ++j) bias[std::size_t(j)] = b(rng), scale[std::size_t(j)] = j % 5 == 2 ? 0.5 : std::exp2(log_scale(rng));
        const SparseS16 s{pk.view, bias.data(), scale.data(), trial % 2 ? 0 : 7, trial % 2 ? -32768 : -1000, 32767};
        std::vector<std::int16_t> want(static_cast<std::size_t>(n)), got(want.size(), 0x5A5A);
        for (int j = 0; j < n; ++j) {
          std::int64_t acc = bias[std::size_t(j)];
          for (int t = 0; t < k; ++t) acc += std::int64_t(w[std::size_t(j) * k + t]) * x[std::size_t(t)];
          want[std::size_t(j)] = static_cast<std::int16_t>(requantize_f64(acc, scale[std::size_t(j)], s.out_offset, s.act_min, s.act_max));
        }
        std::vector<std::uint8_t> scratch(sparse_input_bytes(k));
        const SparseInput u = in(x.data(), k, scratch.data());
        split_calls(n, 1 + trial % 3, [&](int j0, int j1) { fn(s, u, got.data(), j0, j1); }, kSparseBlockS16);
        ASSERT_EQ(got, want) << "n " << n << " k " << k << " zero " << zero << " below " << below;
      }
}

// float32: the nonzero inputs' products in input order (FMA), then the bias and the clamp; the
// reference sums in double, so the two agree to float rounding, and exactly where every input is 0.
TEST(SparseFc, Float32RowMatchesTheReference) {
  const SparseF32Fn fn = sparse_f32_avx512();
  const SparseInputF32Fn in = sparse_input_f32_avx512();
  if (!fn || !in) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(84);
  int trial = 0;
  for (const auto& [n, k] : kShapes)
    for (double zero : {0.0, 0.85, 1.0}) {
      ++trial;
      std::uniform_real_distribution<float> coin(0.f, 1.f), value(-1.f, 2.f), wd(-0.1f, 0.1f);
      std::vector<float> x(static_cast<std::size_t>(k)), w(std::size_t(n) * k), bias(static_cast<std::size_t>(n));
      for (auto& v : x) v = coin(rng) < zero ? (coin(rng) < 0.5f ? 0.f : -0.f) : value(rng);
      for (auto& v : w) v = wd(rng);
      for (auto& v : bias) v = value(rng);
      FcParams p{1, k, n, trial % 2 ? Activation::relu : Activation::none};
      std::vector<float> want(static_cast<std::size_t>(n)), got(want.size(), -7.f);
      fully_connected_f32_ref(p, x.data(), w.data(), bias.data(), want.data());
      AlignedFloats blocks;
      blocks.resize(packed_blocks_f32_floats(n, k));
      pack_blocks_f32_into(w.data(), n, k, blocks.data());
      const Clamp cl = clamp_of(p.act);
      const SparseF32 s{n, k, blocks.data(), bias.data(), cl.lo, cl.hi};
      std::vector<std::uint16_t> nonzero(static_cast<std::size_t>(k));
      const int count = in(x.data(), k, nonzero.data());
      int expected = 0;
      for (float v : x) expected += v != 0.f;
      ASSERT_EQ(count, expected);
      split_calls(n, 1 + trial % 3, [&](int j0, int j1) { fn(s, x.data(), nonzero.data(), count, got.data(), j0, j1); });
      for (int j = 0; j < n; ++j) {
        if (zero == 1.0) {
          ASSERT_EQ(got[std::size_t(j)], want[std::size_t(j)]) << j;  // the bias alone, clamped
        }
        double l1 = std::abs(bias[std::size_t(j)]);  // float rounding grows with the sum of |terms|
        for (int t = 0; t < k; ++t) l1 += std::abs(double(x[std::size_t(t)]) * w[std::size_t(j) * k + t]);
        ASSERT_NEAR(got[std::size_t(j)], want[std::size_t(j)], 1e-6 * l1 + 1e-7)
            << "n " << n << " k " << k << " zero " << zero << " output " << j;
      }
    }
}

// Whole FULLY_CONNECTED layers after a ReLU (input zero point -128, 85% of the inputs at it) in
// every integer form, through the runtime at 1-3 threads, against the reference kernels.
TEST(SparseFc, ReluInputLayersAreBitIdenticalToTheReference) {
  if (!sparse_s8_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::uint32_t seed = 8100;
  for (const auto& [out, in] : {Shape{30, 100}, Shape{300, 777}, Shape{512, 1024}})
    for (QuantKind kind : {QuantKind::s8, QuantKind::s16, QuantKind::hybrid, QuantKind::hybrid_asymmetric}) {
      LayerShape s;
      s.conv = false;
      s.in_c = in;
      s.out_c = out;
      s.zero_fraction = 0.85f;
      s.act = seed % 2 ? model::Activation::relu : model::Activation::none;
      const QuantCase c = layer_case(kind, s, seed++);
      SCOPED_TRACE(c.name);
      const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
      for (int threads : {1, 2, 3})
        EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads), want) << threads << " threads";
    }
}

}  // namespace
}  // namespace nilm::runtime::testing
