// The AVX-512 float micro-kernels called directly, on shapes the whole-op tests do not reach
// one by one: GEMM tiles over any panel sub-range (a lone trailing panel, partial column
// panels, 1..13 rows, transposed / strided A), against a double-precision reference and
// bit for bit against the AVX2 GEMM (both compute bias + fma(a, b, acc) in k order), so an
// x86 machine's results do not depend on which of the two sets it runs; and the batch-1 dense
// rows, whose bits must not depend on the weights' address.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/cpu_features.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/micro.h"
#include "runtime/kernels/reference.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

namespace k = kernels;
using testing::random_floats;
using testing::random_int;

const k::MicroKernels* avx512_or_skip() {
  const CpuFeatures need = cpu_avx2 | cpu_fma | cpu_avx512f;
  if ((detect_cpu_features() & need) != need) return nullptr;
  return micro_kernels(MicroSet::avx512);
}

TEST(FloatAvx512, GemmMatchesDoubleReferenceAndAvx2BitForBit) {
  const k::MicroKernels* mk = avx512_or_skip();
  if (!mk) GTEST_SKIP() << "no AVX-512F on this CPU / build";
  const k::MicroKernels* avx2 = micro_kernels(MicroSet::avx2);
  ASSERT_NE(avx2, nullptr);
  std::mt19937 rng(42);
  for (int trial = 0; trial < 60; ++trial) {
    const int m = random_int(rng, 1, 40), kk = random_int(rng, 1, 300), n = random_int(rng, 1, 100);
    const bool transposed_a = random_int(rng, 0, 1);
    const auto a = random_floats(rng, std::size_t(m) * kk);
    const auto b = random_floats(rng, std::size_t(kk) * n);  // [n x k] as FULLY_CONNECTED weights
    const auto bias = random_floats(rng, std::size_t(n));
    k::AlignedFloats packed;
    packed.resize(k::packed_panels_size(kk, n));
    k::pack_panels(b.data(), kk, n, kk, 1, packed.data());
    const int panels = (n + k::kPanel - 1) / k::kPanel;
    const int pb = random_int(rng, 0, panels - 1), pe = random_int(rng, pb + 1, panels);
    k::GemmArgs g;
    g.m = m;
    g.n = n;
    g.k = kk;
    g.a = a.data();
    g.a_row = transposed_a ? 1 : kk;  // A(i, k) at a[i * a_row + k * a_col]
    g.a_col = transposed_a ? m : 1;
    g.b_packed = packed.data();
    g.bias = random_int(rng, 0, 3) ? bias.data() : nullptr;
    g.clamp = k::clamp_of(random_int(rng, 0, 1) ? k::Activation::relu : k::Activation::none);
    g.ldc = n;
    const float sentinel = 12345.f;  // columns outside [pb, pe) panels must stay untouched
    std::vector<float> got(std::size_t(m) * n, sentinel), want2(got);
    g.c = got.data();
    mk->gemm(g, pb, pe);
    g.c = want2.data();
    avx2->gemm(g, pb, pe);
    ASSERT_EQ(got, want2) << "trial " << trial << ": " << m << "x" << kk << "x" << n;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        const float v = got[std::size_t(i) * n + j];
        if (j < pb * k::kPanel || j >= pe * k::kPanel) {
          ASSERT_EQ(v, sentinel) << "wrote outside its panels at (" << i << ", " << j << ")";
          continue;
        }
        double s = g.bias ? g.bias[j] : 0.0;
        for (int t = 0; t < kk; ++t) s += double(a[std::size_t(i) * g.a_row + std::size_t(t) * g.a_col]) * b[std::size_t(j) * kk + t];
        s = std::min<double>(std::max<double>(s, g.clamp.lo), g.clamp.hi);
        ASSERT_NEAR(v, s, 1e-5 * (1 + std::sqrt(double(kk)))) << "(" << i << ", " << j << ")";
      }
  }
}

// The batch-1 dense rows read their weights with aligned loads from each row's first cache-line
// boundary; their sums must not depend on where the weights lie (a .tflite file aligns buffers
// to 16 bytes only, a graph in memory anywhere): every float offset within a line gives the same
// bits, rows that start at different offsets included (depths not a multiple of 16), and the
// result is the double-precision dot within float tolerance.
TEST(FloatAvx512, DenseRowsSameBitsAtEveryAlignmentAndMatchTheReference) {
  const k::MicroKernels* mk = avx512_or_skip();
  if (!mk) GTEST_SKIP() << "no AVX-512F on this CPU / build";
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    k::FcParams p;
    p.rows = random_int(rng, 1, 3);
    p.depth = trial < 4 ? 16 * random_int(rng, 1, 8) : random_int(rng, 1, 300);
    p.outputs = random_int(rng, 1, 40);
    p.act = random_int(rng, 0, 1) ? k::Activation::relu : k::Activation::none;
    const auto x = random_floats(rng, std::size_t(p.rows) * p.depth);
    const auto w = random_floats(rng, std::size_t(p.outputs) * p.depth);
    const auto bias = random_floats(rng, std::size_t(p.outputs));
    const float* b = random_int(rng, 0, 3) ? bias.data() : nullptr;
    const int o0 = random_int(rng, 0, p.outputs - 1), o1 = random_int(rng, o0 + 1, p.outputs);
    k::AlignedFloats buffer;
    buffer.resize(w.size() + 16);
    std::vector<float> first;
    for (int shift = 0; shift < 16; ++shift) {
      std::copy(w.begin(), w.end(), buffer.data() + shift);
      std::vector<float> got(std::size_t(p.rows) * p.outputs, 0.f);
      mk->fc_dot(p, x.data(), buffer.data() + shift, b, got.data(), o0, o1);
      if (shift == 0) first = got;
      ASSERT_EQ(got, first) << "trial " << trial << ", weights " << shift << " floats into a line, depth " << p.depth;
    }
    const k::Clamp cl = k::clamp_of(p.act);
    for (int r = 0; r < p.rows; ++r)
      for (int o = o0; o < o1; ++o) {
        double s = b ? b[o] : 0.0;
        for (int d = 0; d < p.depth; ++d) s += double(x[std::size_t(r) * p.depth + d]) * w[std::size_t(o) * p.depth + d];
        s = std::min<double>(std::max<double>(s, cl.lo), cl.hi);
        ASSERT_NEAR(first[std::size_t(r) * p.outputs + o], s, 1e-5 * (1 + std::sqrt(double(p.depth)))) << "(" << r << ", " << o << ")";
      }
  }
}

TEST(FloatAvx512, SoftmaxGeluAndBinaryRowsMatchTheReference) {
  const k::MicroKernels* mk = avx512_or_skip();
  if (!mk) GTEST_SKIP() << "no AVX-512F on this CPU / build";
  std::mt19937 rng(7);
  for (int cols : {1, 15, 16, 17, 299}) {
    k::SoftmaxParams p;
    p.rows = 3;
    p.cols = cols;
    p.beta = 0.125f;
    const auto x = random_floats(rng, std::size_t(p.rows) * cols, -30.f, 30.f);
    std::vector<float> got(x.size()), want(x.size());
    mk->softmax(p, x.data(), got.data(), 0, p.rows);
    k::softmax_f32_ref(p, x.data(), want.data());
    EXPECT_TRUE(testing::close(got, want, 1e-6f, 2e-6f)) << cols << " columns";
  }
  for (k::UnaryOp op : {k::UnaryOp::gelu_tanh, k::UnaryOp::exp, k::UnaryOp::tanh, k::UnaryOp::logistic}) {
    const auto x = random_floats(rng, 1000 + 13, -10.f, 10.f);
    std::vector<float> got(x.size()), want(x.size());
    mk->unary(op, x.size(), x.data(), got.data());
    k::unary_f32_ref(op, x.size(), x.data(), want.data());
    EXPECT_TRUE(testing::close(got, want, 2e-6f, 2e-6f)) << "unary op " << int(op);
  }
  // Binary rows: exactly the reference's per-element arithmetic (then the clamp).
  for (k::BinaryOp op : {k::BinaryOp::add, k::BinaryOp::sub, k::BinaryOp::mul, k::BinaryOp::div,
                         k::BinaryOp::squared_difference}) {
    const k::BinaryRowFn row = k::avx512_binary_row(op);
    ASSERT_NE(row, nullptr);
    for (int n : {1, 16, 33}) {
      const auto a = random_floats(rng, std::size_t(n), 0.5f, 2.f), b = random_floats(rng, std::size_t(n), 0.5f, 2.f);
      for (auto [sa, sb] : {std::pair{1, 1}, {1, 0}, {0, 1}, {2, 1}}) {
        const int na = sa == 2 ? n / 2 : n;  // stride 2 reads half as many outputs
        std::vector<float> got(static_cast<std::size_t>(na));
        row(na, a.data(), sa, b.data(), sb, got.data(), k::Clamp{-1e30f, 1.5f});
        for (int i = 0; i < na; ++i) {
          const float v = k::binary_scalar(op, a[std::size_t(i * sa)], b[std::size_t(i * sb)]);
          ASSERT_EQ(got[std::size_t(i)], std::min(v, 1.5f)) << "op " << int(op) << " n " << n << " i " << i;
        }
      }
    }
  }
  EXPECT_EQ(k::avx512_binary_row(k::BinaryOp::pow), nullptr);
}

}  // namespace
}  // namespace nilm::runtime
