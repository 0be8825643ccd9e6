// The register-tiled AVX-512 VNNI GEMM (kernels/int8_gemm_vnni_tiled.cc) against plain
// formulas, bit for bit: int8 outputs (float and fixed-point requantization, row biases),
// hybrid float outputs with per-row offsets and scales, the full int8 range (-128 included on
// both sides), row / column / depth tails, calls split at panel boundaries as threads split
// them; and the vectorized hybrid row quantizers against the reference ones. Skipped where the
// CPU lacks AVX-512 VNNI.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int_reference.h"

namespace nilm::runtime::kernels {
namespace {

std::vector<std::int8_t> random_bytes(std::mt19937& rng, std::size_t n, int lo = -128) {
  std::uniform_int_distribution<int> d(lo, 127);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(d(rng));
  return v;
}

std::int32_t dot(const std::int8_t* x, const std::int8_t* w, int k) {
  std::int32_t s = 0;
  for (int t = 0; t < k; ++t) s += std::int32_t{x[t]} * std::int32_t{w[t]};
  return s;
}

// Outputs [0, n) in calls of whole panels (first split after `split` panels), as threads do.
template <class Args, class Fn>
void run_split(Fn fn, const Args& g, int split) {
  const int cut = std::min(g.n, split * kPanelS8);
  if (cut > 0) fn(g, 0, cut);
  if (cut < g.n) fn(g, cut, g.n);
}

const int kShapes[][3] = {{1, 1, 1},   {3, 5, 7},     {8, 32, 64},   {9, 33, 65},  {17, 48, 256},
                          {64, 31, 3}, {65, 100, 130}, {80, 17, 1024}, {299, 128, 256}, {7, 64, 4}};

TEST(TiledGemm, Int8OutputsEqualTheFormula) {
  const QGemmS8Fn fn = qgemm_s8_tiled_avx512vnni();
  if (!fn) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(21);
  int trial = 0;
  for (const auto& [m, n, k] : kShapes)
    for (bool float_scales : {true, false}) {
      ++trial;
      const int a_row = k + trial % 3;  // rows need not be contiguous
      const std::vector<std::int8_t> a = random_bytes(rng, std::size_t(m) * a_row);
      const std::vector<std::int8_t> w = random_bytes(rng, std::size_t(n) * k);  // -128 included
      std::uniform_int_distribution<int> b(-20000, 20000);
      std::vector<std::int32_t> raw_bias(static_cast<std::size_t>(n)), row_bias(static_cast<std::size_t>(m));
      for (auto& v : raw_bias) v = b(rng);
      for (auto& v : row_bias) v = b(rng);
      std::vector<std::int32_t> folded, sums;
      const std::int32_t input_offset = std::uniform_int_distribution<int>(-127, 128)(rng);
      fold_input_offset(w.data(), n, k, raw_bias.data(), input_offset, folded, sums);
      std::vector<float> scales;
      std::vector<QuantizedMultiplier> mult;
      std::uniform_real_distribution<float> sd(1e-5f, 3e-3f);
      for (int j = 0; j < n; ++j) {  // a few above 1 (left shifts of the fixed-point path)
        scales.push_back(j % 7 == 3 ? sd(rng) * 1000.f : sd(rng));
        mult.push_back(quantize_multiplier(double(scales.back())));
      }
      const std::vector<float> padded = padded_float_scales(scales, n);
      const ExpandedMultipliers expanded(mult, n);
      const std::vector<std::int8_t> flipped = pack_panels_s8_flipped(w.data(), n, k);
      const bool with_row_bias = trial % 2 == 0;
      const std::int32_t zp = -5, lo = -128, hi = 100;
      std::vector<std::int8_t> want(std::size_t(m) * n), got(std::size_t(m) * n, 0);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          // sum w (x + input_offset) + bias, the offset folded into the bias as the callers do
          const std::int32_t acc = dot(a.data() + i * a_row, w.data() + std::size_t(j) * k, k) + folded[std::size_t(j)] +
                                   (with_row_bias ? row_bias[std::size_t(i)] : 0);
          want[std::size_t(i) * n + j] = static_cast<std::int8_t>(
              float_scales ? requantize_fp32(acc, scales[std::size_t(j)], zp, lo, hi)
                           : requantize_one(acc, mult[std::size_t(j)], zp, lo, hi));
        }
      QGemmS8Args g;
      g.m = m;
      g.n = n;
      g.k = k;
      g.a = a.data();
      g.a_row = a_row;
      g.b = w.data();
      g.bias = folded.data();
      g.row_bias = with_row_bias ? row_bias.data() : nullptr;
      g.b_sums = sums.data();
      g.mult = mult.data();
      g.mult_count = n;
      expanded.attach(g);
      g.f_scale = float_scales ? padded.data() : nullptr;
      g.out_offset = zp;
      g.act_min = lo;
      g.act_max = hi;
      g.b_flipped = flipped.data();
      g.c = got.data();
      g.ldc = n;
      run_split(fn, g, 1 + trial % 3);
      ASSERT_EQ(got, want) << "m " << m << " n " << n << " k " << k << " float " << float_scales;
    }
}

TEST(TiledGemm, HybridOutputsEqualThePortableKernelWithPerRowQuantization) {
  const HybridS8Fn fn = hybrid_s8_tiled_avx512vnni();
  if (!fn) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(22);
  int trial = 0;
  for (const auto& [m, n, k] : kShapes)
    for (bool scale_first : {true, false}) {
      ++trial;
      const std::vector<std::int8_t> a = random_bytes(rng, std::size_t(m) * k);
      const std::vector<std::int8_t> w = random_bytes(rng, std::size_t(n) * k, -127);
      std::vector<std::int32_t> unused, sums, offsets(static_cast<std::size_t>(m));
      fold_input_offset<std::int32_t, std::int32_t>(w.data(), n, k, nullptr, 0, unused, sums);
      std::uniform_real_distribution<float> sd(1e-4f, 1e-1f), bd(-3.f, 3.f);
      std::vector<float> w_scales(static_cast<std::size_t>(n)), bias(static_cast<std::size_t>(n)), row_scales(static_cast<std::size_t>(m));
      for (auto& v : w_scales) v = sd(rng);
      for (auto& v : bias) v = bd(rng);
      for (auto& v : row_scales) v = sd(rng);
      for (auto& v : offsets) v = std::uniform_int_distribution<int>(-128, 127)(rng);
      const std::vector<std::int8_t> flipped = pack_panels_s8_flipped(w.data(), n, k);
      HybridS8Args g;
      g.n = n;
      g.k = k;
      g.a_row = k;
      g.b = w.data();
      g.b_sums = sums.data();
      g.w_scales = w_scales.data();
      g.bias = trial % 3 == 0 ? nullptr : bias.data();
      g.scale_first = scale_first;
      g.lo = trial % 2 ? 0.f : -std::numeric_limits<float>::infinity();
      g.hi = std::numeric_limits<float>::infinity();
      g.ldc = n;
      std::vector<float> want(std::size_t(m) * n), got(std::size_t(m) * n, -1.f);
      for (int i = 0; i < m; ++i) {  // the portable kernel, one row at a time with that row's parameters
        auto r = g;
        r.m = 1;
        r.a = a.data() + std::size_t(i) * k;
        r.input_offset = offsets[std::size_t(i)];
        r.input_scale = row_scales[std::size_t(i)];
        r.c = want.data() + std::size_t(i) * n;
        hybrid_s8_portable(r, 0, n);
      }
      g.m = m;
      g.a = a.data();
      g.row_offsets = offsets.data();
      g.row_scales = row_scales.data();
      g.b_flipped = flipped.data();
      g.c = got.data();
      run_split(fn, g, 2);
      ASSERT_EQ(got, want) << "m " << m << " n " << n << " k " << k << " scale_first " << scale_first;
    }
}

TEST(TiledGemm, VectorizedRowQuantizersEqualTheReference) {
  const RowQuantizers q = row_quantizers_avx512();
  if (!q.symmetric) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(23);
  for (std::size_t n : {std::size_t(1), std::size_t(5), std::size_t(16), std::size_t(17), std::size_t(256),
                        std::size_t(1000), std::size_t(1024)})
    for (int trial = 0; trial < 30; ++trial) {
      std::vector<float> x(n);
      const float range = std::exp(std::uniform_real_distribution<float>(-8.f, 8.f)(rng));
      const int kind = trial % 5;
      for (auto& v : x) {
        v = std::uniform_real_distribution<float>(kind == 1 ? 0.f : -range, kind == 2 ? 0.f : range)(rng);
        if (kind == 3) v = range / 254.f * float(std::uniform_int_distribution<int>(-254, 254)(rng));  // halves
      }
      if (kind == 4 && trial % 2) std::fill(x.begin(), x.end(), 0.f);  // all zero
      std::vector<std::int8_t> want(n), got(n);
      const float ws = symmetric_quantize_floats(x.data(), n, want.data());
      const float gs = q.symmetric(x.data(), n, got.data());
      ASSERT_EQ(gs, ws);
      ASSERT_EQ(got, want) << "symmetric n " << n;
      std::int32_t wo = 0, go = 0;
      const float wa = asymmetric_quantize_floats(x.data(), n, want.data(), wo);
      const float ga = q.asymmetric(x.data(), n, got.data(), go);
      ASSERT_EQ(ga, wa);
      ASSERT_EQ(go, wo);
      ASSERT_EQ(got, want) << "asymmetric n " << n;
    }
}

}  // namespace
}  // namespace nilm::runtime::kernels
