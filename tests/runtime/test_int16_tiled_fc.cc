// The int16x8 GEMM on the int8 VNNI tiles (kernels/int16_fc_vnni_tiled.cc: each int16
// activation split into two int8 planes) against the int16x8 FULLY_CONNECTED reference, bit
// for bit: random shapes with row / column / depth tails, the full int16 and int8 ranges
// (-32768, 32767, -128, 127, and layers made only of extremes), per-tensor and per-channel
// double scales (halves included, the rounding ties), clamps, calls split at panel boundaries
// and row blocks as the op's threads split them. Skipped where the CPU lacks AVX-512 VNNI.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/kernels/int8_gemm.h"
#include "runtime/kernels/int_reference.h"

namespace nilm::runtime::kernels {
namespace {

struct Case {
  int m, n, k;
  int fill;  // 0 random, 1 random with extremes, 2 extremes only
};

const Case kCases[] = {{8, 16, 4, 0},     {9, 33, 65, 1},   {17, 48, 256, 1}, {64, 31, 3, 1},  {65, 100, 130, 0},
                       {33, 17, 1024, 1}, {299, 128, 256, 1}, {40, 256, 1023, 2}, {12, 7, 1, 2}, {100, 64, 5, 2},
                       {8, 1, 2, 1},      {71, 1030, 37, 1},
                       // one row (batch-1 dense: planes split once per call, up to 16384 deep)
                       {1, 33, 65, 1},    {1, 16, 4, 2},    {1, 100, 1023, 1}, {1, 64, 37, 0}, {1, 7, 1, 2},
                       {1, 40, 16384, 1}, {1, 17, 16389, 2}};

std::int16_t activation(std::mt19937& rng, int fill) {
  static const std::int16_t extremes[] = {-32768, 32767, -32767, -1, 0, 255, 256, -256, -129, 128};
  std::uniform_int_distribution<int> pick(0, 9), any(-32768, 32767), small(-300, 300);
  if (fill == 2) return pick(rng) < 5 ? extremes[pick(rng) % 2] : extremes[pick(rng)];
  if (fill == 1 && pick(rng) < 3) return extremes[pick(rng)];
  return static_cast<std::int16_t>(pick(rng) < 2 ? small(rng) : any(rng));
}

std::int8_t weight(std::mt19937& rng, int fill) {
  std::uniform_int_distribution<int> any(-128, 127), coin(0, 3);
  if (fill == 2) return coin(rng) < 2 ? std::int8_t(-128) : std::int8_t(127);
  if (fill == 1 && coin(rng) == 0) return coin(rng) < 2 ? std::int8_t(-128) : std::int8_t(127);
  return static_cast<std::int8_t>(any(rng));
}

TEST(TiledGemmS16, OutputsEqualTheInt16x8Reference) {
  const QGemmS16Fn fn = qgemm_s16_tiled_avx512vnni();
  if (!fn) GTEST_SKIP() << "no AVX-512 VNNI / BMI2";
  std::mt19937 rng(16);
  int trial = 0;
  for (const Case& c : kCases)
    for (int variant = 0; variant < 3; ++variant) {
      ++trial;
      SCOPED_TRACE(testing::Message() << "m " << c.m << " n " << c.n << " k " << c.k << " variant " << variant);
      std::vector<std::int16_t> a(std::size_t(c.m) * c.k);
      for (auto& v : a) v = activation(rng, c.fill);
      std::vector<std::int8_t> w(std::size_t(c.n) * c.k);
      for (auto& v : w) v = weight(rng, c.fill);
      std::vector<std::int64_t> bias(std::size_t(c.n));
      std::uniform_int_distribution<std::int64_t> b(-(std::int64_t{1} << 40), std::int64_t{1} << 40);
      for (auto& v : bias) v = variant == 2 ? 0 : b(rng);

      Requantization rq;
      rq.output_offset = variant == 1 ? std::uniform_int_distribution<int>(-100, 100)(rng) : 0;
      rq.act_min = variant == 1 ? -1000 : -32768;
      rq.act_max = variant == 1 ? 20000 : 32767;
      std::uniform_real_distribution<double> log_scale(-36, -14);
      const int channels = variant == 0 ? 1 : c.n;
      for (int j = 0; j < channels; ++j)  // every 5th a power of two (exact ties when rounding)
        rq.double_scales.push_back(j % 5 == 2 ? 0.5 : std::exp2(log_scale(rng)));
      if (variant == 2) rq.double_scales.assign(std::size_t(channels), 0.5);  // small sums: ties everywhere
      const FcParams p{c.m, c.k, c.n, Activation::none};
      std::vector<std::int16_t> want(std::size_t(c.m) * c.n), got(want.size(), std::int16_t(0x5A5A));
      fully_connected_s16s8_ref(p, rq, a.data(), w.data(), bias.data(), want.data());

      std::vector<std::int64_t> folded;
      std::vector<std::int32_t> sums;
      fold_input_offset(w.data(), c.n, c.k, bias.data(), 0, folded, sums);
      const std::vector<std::int8_t> flipped = pack_panels_s8_flipped(w.data(), c.n, c.k);
      const std::vector<double> scales = padded_double_scales(rq.double_scales, c.n);
      QGemmS16Args g;
      g.n = c.n;
      g.k = c.k;
      g.a_row = c.k;
      g.b = w.data();
      g.bias = folded.data();
      g.b_sums = sums.data();
      g.d_scale = scales.data();
      g.out_offset = rq.output_offset;
      g.act_min = rq.act_min;
      g.act_max = rq.act_max;
      g.b_flipped = flipped.data();
      g.ldc = c.n;
      // rows in blocks (the op's 32-row tasks, or others), outputs split at a panel boundary
      const int block = trial % 2 ? 32 : 13;
      const int split_panels = 1 + trial % 3;
      for (int i0 = 0; i0 < c.m; i0 += block) {
        auto t = g;
        t.m = std::min(block, c.m - i0);
        t.a = a.data() + std::size_t(i0) * c.k;
        t.c = got.data() + std::size_t(i0) * c.n;
        const int cut = std::min(c.n, split_panels * kPanelS8);
        fn(t, 0, cut);
        if (cut < c.n) fn(t, cut, c.n);
      }
      ASSERT_EQ(got, want);
    }
}

}  // namespace
}  // namespace nilm::runtime::kernels
