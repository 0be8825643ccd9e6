// The vectorized integer kernels of the transformer's quantized modes against their reference
// kernels, bit for bit, on random inputs and sizes with tails: QUANTIZE / DEQUANTIZE /
// requantize (kernels/quantize_x86.h). Skipped where the CPU lacks the variant's features.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "runtime/kernel_registry.h"
#include "runtime/cpu_features.h"
#include "runtime/kernels/int16_matmul_x86.h"
#include "runtime/kernels/int_reference.h"
#include "runtime/kernels/lut_x86.h"
#include "runtime/kernels/quantized_reference.h"
#include "runtime/kernels/quantized_rows.h"
#include "runtime/kernels/quantize_x86.h"
#include "runtime/kernels/softmax_s16_x86.h"
#include "quantized_graphs.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

using testing::random_int;

const std::size_t kSizes[] = {1, 7, 15, 16, 17, 31, 33, 100, 257, 1000, 4099};

template <class T>
std::vector<T> random_ints(std::mt19937& rng, std::size_t n) {
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(random_int(rng, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  return v;
}

float random_scale(std::mt19937& rng) { return std::exp(std::uniform_real_distribution<float>(-12.f, 3.f)(rng)); }

template <class Out>
void check_quantize() {
  const auto fn = kernels::quantize_f32_avx2<Out>();
  if (!fn) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial)
    for (std::size_t n : kSizes) {
      const float scale = random_scale(rng);
      const bool symmetric = sizeof(Out) == 2;
      const std::int32_t zp = symmetric ? 0 : random_int(rng, -128, 127);
      std::vector<float> x(n);
      const float range = scale * (sizeof(Out) == 1 ? 300.f : 70000.f);
      for (auto& v : x) {
        switch (random_int(rng, 0, 9)) {
          case 0: v = scale * (float(random_int(rng, -400, 400)) + 0.5f); break;  // exact halves
          case 1: v = float(random_int(rng, -3, 3)) * std::numeric_limits<float>::infinity(); break;
          case 2: v = std::numeric_limits<float>::quiet_NaN(); break;
          case 3: v = std::uniform_real_distribution<float>(-1e30f, 1e30f)(rng); break;
          default: v = std::uniform_real_distribution<float>(-range, range)(rng);
        }
        if (std::isnan(v)) v = std::numeric_limits<float>::quiet_NaN();  // 0 * inf
      }
      std::vector<Out> want(n), got(n);
      if constexpr (sizeof(Out) == 1) kernels::quantize_f32_s8_ref(n, x.data(), scale, zp, want.data());
      else kernels::quantize_f32_s16_ref(n, x.data(), scale, zp, want.data());
      fn(n, x.data(), scale, zp, got.data());
      ASSERT_EQ(got, want) << "n " << n << " scale " << scale << " zp " << zp;
    }
}

TEST(VectorizedQuantize, F32ToS8IsBitIdenticalToTheReference) { check_quantize<std::int8_t>(); }
TEST(VectorizedQuantize, F32ToS16IsBitIdenticalToTheReference) { check_quantize<std::int16_t>(); }

template <class In, class Out>
void check_requantize() {
  const auto fn = kernels::requantize_avx2<In, Out>();
  if (!fn) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial)
    for (std::size_t n : kSizes) {
      // in_scale / out_scale from 2^-20 to 2^12: right shifts, no shift and wrapping left shifts
      const double real = std::exp2(std::uniform_real_distribution<double>(-20, 12)(rng));
      const auto m = kernels::quantize_multiplier(trial == 0 ? 1.0 : real);
      const std::int32_t in_zp = sizeof(In) == 1 ? random_int(rng, -128, 127) : 0;
      const std::int32_t out_zp = sizeof(Out) == 1 ? random_int(rng, -128, 127) : 0;
      const auto x = random_ints<In>(rng, n);
      std::vector<Out> want(n), got(n);
      kernels::requantize_ref(n, x.data(), in_zp, m, out_zp, want.data());
      fn(n, x.data(), in_zp, m, out_zp, got.data());
      ASSERT_EQ(got, want) << "n " << n << " multiplier " << m.multiplier << " shift " << m.shift;
    }
}

TEST(VectorizedQuantize, RequantizeS8ToS8IsBitIdentical) { check_requantize<std::int8_t, std::int8_t>(); }
TEST(VectorizedQuantize, RequantizeS8ToS16IsBitIdentical) { check_requantize<std::int8_t, std::int16_t>(); }
TEST(VectorizedQuantize, RequantizeS16ToS8IsBitIdentical) { check_requantize<std::int16_t, std::int8_t>(); }
TEST(VectorizedQuantize, RequantizeS16ToS16IsBitIdentical) { check_requantize<std::int16_t, std::int16_t>(); }

template <class In>
void check_dequantize() {
  const auto fn = kernels::dequantize_avx2<In>();
  if (!fn) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(13);
  for (int trial = 0; trial < 40; ++trial)
    for (std::size_t n : kSizes) {
      float scale = random_scale(rng);
      if (trial == 1) scale = 1e-40f;  // subnormal products
      if (trial == 2) scale = 3e36f;   // overflow to infinity
      const std::int32_t zp = sizeof(In) == 1 ? random_int(rng, -128, 127) : 0;
      const std::int64_t zp64 = zp;
      const auto x = random_ints<In>(rng, n);
      std::vector<float> want(n), got(n);
      kernels::dequantize_ref(n, x.data(), &scale, &zp64, 1, 1, want.data());
      fn(n, x.data(), scale, zp, got.data());
      ASSERT_EQ(0, std::memcmp(got.data(), want.data(), n * sizeof(float))) << "n " << n << " scale " << scale;
    }
}

TEST(VectorizedQuantize, DequantizeS8IsBitIdentical) { check_dequantize<std::int8_t>(); }
TEST(VectorizedQuantize, DequantizeS16IsBitIdentical) { check_dequantize<std::int16_t>(); }

TEST(VectorizedQuantize, VariantsAreRegisteredBesideTheReference) {
  for (const char* name : {"quantize_f32_s8_avx2", "quantize_f32_s16_avx2", "requantize_s8_s16_avx2",
                           "requantize_s16_s8_avx2", "dequantize_s8_avx2", "dequantize_s16_avx2"})
    EXPECT_NE(find_kernel(name), nullptr) << name;
}

// int16 BATCH_MATMUL kernel on one matrix: random sizes (k past the 256-value flush, odd k,
// partial panels and row tiles), values with many -32768 / 32767 (the sums vpmaddwd cannot hold
// in int32), random multipliers and clamps, adj_y through the packing strides.
TEST(VectorizedInt16MatMul, KernelIsBitIdenticalToTheReference) {
  const auto fn = kernels::matmul_s16_avx512vnni();
  if (!fn) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(21);
  for (int trial = 0; trial < 60; ++trial) {
    kernels::BatchMatMulParams p;
    p.m = random_int(rng, 1, 23);
    p.n = random_int(rng, 1, 40);
    p.k = trial % 3 == 0 ? random_int(rng, 250, 700) : random_int(rng, 1, 70);
    p.adj_y = trial % 2 == 1;
    const bool extreme = trial % 4 == 0;
    auto values = [&](std::size_t n) {
      std::vector<std::int16_t> v(n);
      for (auto& x : v)
        x = extreme ? std::int16_t(random_int(rng, 0, 3) ? -32768 : 32767)
                    : std::int16_t(random_int(rng, -32768, 32767));
      return v;
    };
    const auto a = values(std::size_t(p.m) * std::size_t(p.k)), b = values(std::size_t(p.k) * std::size_t(p.n));
    kernels::Requantization rq;
    rq.multipliers = {kernels::quantize_multiplier(std::exp2(std::uniform_real_distribution<double>(-30, -12)(rng)))};
    rq.act_min = trial % 5 == 0 ? -1000 : -32768;
    rq.act_max = trial % 5 == 0 ? 20000 : 32767;
    std::vector<std::int16_t> want(std::size_t(p.m) * std::size_t(p.n)), got(want.size(), 7);
    kernels::batch_matmul_s16_ref(p, rq, a.data(), b.data(), want.data());
    std::vector<std::int16_t> packed(kernels::packed_s16_rhs_bytes(p.n, p.k) / sizeof(std::int16_t));
    kernels::pack_s16_rhs(b.data(), p.n, p.k, p.adj_y ? p.k : 1, p.adj_y ? 1 : p.n, packed.data());
    kernels::MatMulS16Args g;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.a = a.data();
    g.a_row = p.k;
    g.b_packed = packed.data();
    g.mult = rq.multipliers[0];
    g.act_min = rq.act_min;
    g.act_max = rq.act_max;
    g.c = got.data();
    g.ldc = p.n;
    fn(g);
    ASSERT_EQ(got, want) << "m " << p.m << " n " << p.n << " k " << p.k << " adj_y " << p.adj_y;
  }
}

// The op: chosen in the optimized tier, equal to the reference tier at 1-3 threads, with
// batches, broadcasting and adj_x / adj_y.
TEST(VectorizedInt16MatMul, OpIsBitIdenticalToTheReferenceTier) {
  if (!kernels::matmul_s16_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(22);
  for (int i = 0; i < 12; ++i) {
    const testing::QuantCase c =
        testing::matmul_case(true, 1 + i % 3, random_int(rng, 1, 70), random_int(rng, 1, 300), random_int(rng, 1, 40),
                             i % 2 == 1, i % 4 >= 2, 900 + std::uint32_t(i));
    SCOPED_TRACE(c.name);
    EXPECT_EQ(testing::kernel_of(c.quantized, model::OpKind::batch_matmul, Tier::optimized),
              "batch_matmul_s16_avx512vnni");
    const std::vector<float> want = testing::run_float_io(c.quantized, c.inputs, Tier::reference);
    for (int threads : {1, 2, 3})
      EXPECT_EQ(testing::run_float_io(c.quantized, c.inputs, Tier::optimized, threads), want) << threads;
  }
}

// int16 SOFTMAX rows: random row lengths (tails of the 16- and 32-lane steps), input scales and
// betas (left and right shifts of the difference rescaling), values spread wide or bunched near
// the maximum, rows of one repeated value.
TEST(VectorizedSoftmaxS16, RowsAreBitIdenticalToTheReference) {
  const auto fn = kernels::softmax_s16_rows_avx512();
  if (!fn) GTEST_SKIP() << "no AVX-512 BW";
  std::mt19937 rng(31);
  for (int trial = 0; trial < 80; ++trial) {
    const int rows = random_int(rng, 1, 5), cols = trial % 7 == 0 ? random_int(rng, 250, 700) : random_int(rng, 1, 70);
    const float input_scale = std::exp2(std::uniform_real_distribution<float>(-16, -2)(rng));
    const float beta = trial % 3 == 0 ? 1.f : std::uniform_real_distribution<float>(0.1f, 2.f)(rng);
    const auto p = kernels::make_softmax_s16_params(rows, cols, beta, input_scale);
    const int spread = trial % 4 == 0 ? 300 : 32767;
    const int centre = random_int(rng, -32768 + spread, 32767);
    std::vector<std::int16_t> x(std::size_t(rows) * std::size_t(cols));
    for (auto& v : x) v = static_cast<std::int16_t>(trial % 11 == 5 ? centre : random_int(rng, centre - spread, centre));
    std::vector<std::int16_t> want(x.size()), got(x.size(), 7);
    kernels::softmax_s16_ref(p, x.data(), want.data());
    fn(p, x.data(), got.data(), 0, rows);
    ASSERT_EQ(got, want) << "cols " << cols << " scale " << input_scale << " beta " << beta;
  }
}

TEST(VectorizedSoftmaxS16, IsRegisteredBesideTheReference) {
  EXPECT_NE(find_kernel("softmax_s16_avx512"), nullptr);
  EXPECT_NE(find_kernel("softmax_s16_ref"), nullptr);
}

// int8 / int16 table lookups: every input value (and random tails) through random tables, and
// through GELU / RSQRT tables as the ops build them.
TEST(VectorizedLut, S8IsBitIdenticalToTheReference) {
  const auto fn = kernels::lut_s8_avx512vbmi();
  if (!fn) GTEST_SKIP() << "no AVX-512 VBMI";
  std::mt19937 rng(41);
  for (int trial = 0; trial < 30; ++trial) {
    kernels::LutS8 lut{};
    for (auto& v : lut) v = static_cast<std::int8_t>(random_int(rng, -128, 127));
    if (trial == 0) lut = kernels::make_lut_s8(0.05f, 3, 0.02f, -100, kernels::gelu_transform);
    const std::size_t n = trial == 0 ? 256 : std::size_t(random_int(rng, 1, 300));
    std::vector<std::int8_t> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<std::int8_t>(trial == 0 ? int(i) - 128 : random_int(rng, -128, 127));
    std::vector<std::int8_t> want(n), got(n, 7);
    kernels::lut_s8_ref(lut, n, x.data(), want.data());
    fn(lut, n, x.data(), got.data());
    ASSERT_EQ(got, want) << "n " << n;
  }
}

TEST(VectorizedLut, S16IsBitIdenticalToTheReference) {
  const auto fn = kernels::lut_s16_avx512();
  if (!fn) GTEST_SKIP() << "no AVX-512 BW";
  std::mt19937 rng(42);
  const std::vector<kernels::LutS16> tables = {kernels::make_gelu_s16_lut(1e-3f, 5e-4f, false),
                                               kernels::make_gelu_s16_lut(2e-4f, 1e-4f, true),
                                               kernels::make_rsqrt_s16_lut(1e-3f, 2e-3f), [&] {
                                                 kernels::LutS16 t{};  // wrapping slopes and sums
                                                 for (auto& v : t) v = static_cast<std::int16_t>(random_int(rng, -32768, 32767));
                                                 return t;
                                               }()};
  for (const auto& lut : tables) {
    std::vector<std::int16_t> all(65536);
    for (int v = 0; v < 65536; ++v) all[std::size_t(v)] = static_cast<std::int16_t>(v - 32768);
    std::vector<std::int16_t> want(all.size()), got(all.size());
    kernels::lut_s16_ref(lut, all.size(), all.data(), want.data());
    fn(lut, all.size(), all.data(), got.data());
    ASSERT_EQ(got, want);
    for (std::size_t n : kSizes) {  // tails
      const auto x = random_ints<std::int16_t>(rng, n);
      std::vector<std::int16_t> w(n), g(n, 7);
      kernels::lut_s16_ref(lut, n, x.data(), w.data());
      fn(lut, n, x.data(), g.data());
      ASSERT_EQ(g, w) << "n " << n;
    }
  }
}

// TFLite's ADD / MUL multipliers for input scales s1, s2 and output scale so (ADD: inputs
// rescaled to twice the larger scale, with `left_shift` bits of headroom).
void set_tflite_multipliers(kernels::QuantizedBinaryParams& p, kernels::BinaryOp op, double s1, double s2, double so,
                            int left_shift) {
  if (op == kernels::BinaryOp::mul) {
    p.output = kernels::quantize_multiplier(s1 * s2 / so);
    return;
  }
  p.left_shift = left_shift;
  const double twice_max = 2 * std::max(s1, s2);
  p.input1 = kernels::quantize_multiplier(s1 / twice_max);
  p.input2 = kernels::quantize_multiplier(s2 / twice_max);
  p.output = kernels::quantize_multiplier(twice_max / (double(1 << left_shift) * so));
}

// int16 ADD / SUB / MUL rows (AVX2 inside binary_s16_rows where the CPU has it, and the
// portable rows) against binary_s16_ref: broadcast patterns, random scales (both multiplier
// shift directions), clamps from fused activations.
TEST(VectorizedBinaryS16, RowsAreBitIdenticalToTheReference) {
  std::mt19937 rng(51);
  const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> shapes = {
      {{3, 37}, {3, 37}}, {{3, 37}, {37}}, {{3, 37}, {3, 1}}, {{1}, {4, 29}}, {{2, 1, 5}, {1, 3, 1}}, {{7}, {1}},
      {{2, 299, 17}, {1}}};
  for (int trial = 0; trial < 40; ++trial)
    for (const auto& [sa, sb] : shapes) {
      const kernels::BinaryOp ops[] = {kernels::BinaryOp::add, kernels::BinaryOp::sub, kernels::BinaryOp::mul};
      const auto op = ops[trial % 3];
      kernels::QuantizedBinaryParams p;
      p.geometry = kernels::make_binary_params(op, sa.data(), int(sa.size()), sb.data(), int(sb.size()),
                                               kernels::Activation::none);
      auto scale = [&] { return std::exp2(std::uniform_real_distribution<double>(-16, -4)(rng)); };
      const double s1 = scale(), s2 = scale(), so = scale();
      set_tflite_multipliers(p, op, s1, s2, so, 15);
      p.act_min = trial % 4 == 1 ? 0 : -32768;
      p.act_max = trial % 4 == 1 ? 20000 : 32767;
      std::int64_t na = 1, nb = 1, no = 1;
      for (auto d : sa) na *= d;
      for (auto d : sb) nb *= d;
      for (int d = 0; d < kernels::kMaxRank; ++d) no *= p.geometry.shape[std::size_t(d)];
      const auto a = random_ints<std::int16_t>(rng, std::size_t(na)), b = random_ints<std::int16_t>(rng, std::size_t(nb));
      std::vector<std::int16_t> want(static_cast<std::size_t>(no)), got(want.size(), 7), portable(want.size(), 7);
      kernels::binary_s16_ref(p, a.data(), b.data(), want.data());
      const auto c = kernels::collapse_binary(p.geometry);
      kernels::binary_s16_rows(p, c, a.data(), b.data(), got.data(), 0, c.rows);
      kernels::binary_s16_rows_portable(p, c, a.data(), b.data(), portable.data(), 0, c.rows);
      ASSERT_EQ(got, want) << "trial " << trial << " shape " << sa.size() << "/" << sb.size();
      ASSERT_EQ(portable, want) << "trial " << trial;
    }
}

// int8 binary rows against a broadcast scalar (the VBMI row-table path on CPUs that have it)
// and the other patterns, against binary_s8_ref.
TEST(VectorizedBinaryS8, ScalarBroadcastRowsAreBitIdenticalToTheReference) {
  std::mt19937 rng(52);
  const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> shapes = {
      {{2, 299, 299}, {1}}, {{1}, {3, 300}}, {{3, 257}, {3, 1}}, {{4, 1}, {4, 700}}, {{3, 37}, {37}}, {{5, 300}, {5, 300}}};
  for (int trial = 0; trial < 12; ++trial)
    for (const auto& [sa, sb] : shapes) {
      const auto op = trial % 2 ? kernels::BinaryOp::mul : kernels::BinaryOp::add;
      kernels::QuantizedBinaryParams p;
      p.geometry = kernels::make_binary_params(op, sa.data(), int(sa.size()), sb.data(), int(sb.size()),
                                               kernels::Activation::none);
      const double s1 = 0.01 * (1 + trial), s2 = 0.03, so = 0.05;
      p.input1_offset = -random_int(rng, -128, 127);
      p.input2_offset = -random_int(rng, -128, 127);
      p.output_offset = random_int(rng, -128, 127);
      set_tflite_multipliers(p, op, s1, s2, so, 20);
      p.act_min = -128;
      p.act_max = 127;
      std::int64_t na = 1, nb = 1, no = 1;
      for (auto d : sa) na *= d;
      for (auto d : sb) nb *= d;
      for (int d = 0; d < kernels::kMaxRank; ++d) no *= p.geometry.shape[std::size_t(d)];
      const auto a = random_ints<std::int8_t>(rng, std::size_t(na)), b = random_ints<std::int8_t>(rng, std::size_t(nb));
      std::vector<std::int8_t> want(static_cast<std::size_t>(no)), got(want.size(), 7);
      kernels::binary_s8_ref(p, a.data(), b.data(), want.data());
      const auto table = kernels::make_binary_s8_table(p);
      const auto c = kernels::collapse_binary(p.geometry);
      kernels::binary_s8_rows(table.data(), c, a.data(), b.data(), got.data(), 0, c.rows);
      ASSERT_EQ(got, want) << "trial " << trial << " shape " << sa.size() << "/" << sb.size();
    }
}

}  // namespace
}  // namespace nilm::runtime
