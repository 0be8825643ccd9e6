// The direct 1-D convolutions (kernels/int8_conv.h, behind conv2d_s8_avx512vnni, with the float
// epilogue conv2d_f32s8_hybrid_avx512vnni, and the int16x8 form conv2d_s16s8_avx512) against the
// reference kernels, bit for bit: the CNN's channel counts and wider ones (1 to 4 panels of 16
// outputs, partial panels), depths that are not multiples of 4, strides 1 and 2, 'same' and
// 'valid' padding, widths below and above one row block (48 positions), batches of 1 and 2, and
// 1 to 3 threads (row blocks x 64-output column tasks). Also the int8 / int16 max pool split
// across threads.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "quantized_graphs.h"
#include "runtime/kernels/int8_conv.h"
#include "runtime_test_util.h"

namespace nilm::runtime::testing {
namespace {

void expect_bit_identical(const LayerShape& s, std::uint32_t seed, QuantKind kind = QuantKind::s8) {
  const QuantCase c = layer_case(kind, s, seed);
  SCOPED_TRACE(c.name + " width " + std::to_string(s.width) + " in_c " + std::to_string(s.in_c) + " out_c " +
               std::to_string(s.out_c) + " k " + std::to_string(s.kernel) + " stride " + std::to_string(s.stride));
  const char* kernel = kind == QuantKind::s8    ? "conv2d_s8_avx512vnni"
                       : kind == QuantKind::s16 ? "conv2d_s16s8_avx512"
                                                : "conv2d_f32s8_hybrid_avx512vnni";
  EXPECT_EQ(kernel_of(c.quantized, model::OpKind::conv2d, Tier::optimized), kernel);
  const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
  for (int threads : {1, 2, 3})
    EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads), want) << threads << " threads";
}

TEST(Conv1dS8, DirectKernelIsBitIdenticalToTheReference) {
  if (!kernels::conv1d_s8_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(61);
  const int out_channels[] = {16, 32, 48, 64, 128, 1, 7, 30, 50, 70, 100, 130};
  for (int i = 0; i < 24; ++i) {
    LayerShape s;
    s.batch = 1 + i % 2;
    s.width = i % 3 == 0 ? random_int(rng, 40, 130) : random_int(rng, 1, 60);
    s.in_c = i % 4 == 0 ? 1 : random_int(rng, 1, 140);
    s.out_c = out_channels[std::size_t(i) % std::size(out_channels)];
    s.kernel = random_int(rng, 1, std::min(10, s.width));
    s.stride = random_int(rng, 1, 2);
    s.padding = i % 3 ? model::Padding::same : model::Padding::valid;
    s.act = i % 4 == 1 ? model::Activation::relu : (i % 4 == 3 ? model::Activation::relu6 : model::Activation::none);
    expect_bit_identical(s, 1000 + std::uint32_t(i));
    expect_bit_identical(s, 1500 + std::uint32_t(i), QuantKind::hybrid);  // w8: the float epilogue
    if (kernels::conv1d_s16_avx512vnni()) expect_bit_identical(s, 1700 + std::uint32_t(i), QuantKind::s16);
  }
}

TEST(Conv1dS8, TheCnnLayersAreBitIdenticalToTheReference) {
  if (!kernels::conv1d_s8_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  struct Layer { int width, in_c, out_c, kernel; };
  const Layer layers[] = {{599, 1, 16, 5}, {300, 16, 32, 3}, {150, 32, 64, 3}, {75, 64, 128, 3}, {38, 128, 256, 3}};
  std::uint32_t seed = 2000;
  for (const Layer& l : layers) {
    LayerShape s;
    s.width = l.width;
    s.in_c = l.in_c;
    s.out_c = l.out_c;
    s.kernel = l.kernel;
    s.act = model::Activation::relu;
    expect_bit_identical(s, seed++);
    expect_bit_identical(s, seed++, QuantKind::hybrid);
    if (kernels::conv1d_s16_avx512vnni()) expect_bit_identical(s, seed++, QuantKind::s16);
  }
}

// Whether int16x8 accumulators fit int32: |bias| + 32768 * sum |w| per output, by hand.
TEST(Conv1dS8, Int16AccumulatorBoundIsExact) {
  const std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  std::vector<std::int8_t> w(511, -128);  // 511 * 128 * 32768 = 2^31 - 2^22
  const std::int64_t fits = kMax - (std::int64_t{511} << 22), over = fits + 1;
  EXPECT_TRUE(kernels::conv1d_s16_fits_int32(w.data(), 1, 511, nullptr));
  EXPECT_TRUE(kernels::conv1d_s16_fits_int32(w.data(), 1, 511, &fits));
  EXPECT_FALSE(kernels::conv1d_s16_fits_int32(w.data(), 1, 511, &over));
  const std::int64_t negative = -fits, negative_over = -over;
  EXPECT_TRUE(kernels::conv1d_s16_fits_int32(w.data(), 1, 511, &negative));
  EXPECT_FALSE(kernels::conv1d_s16_fits_int32(w.data(), 1, 511, &negative_over));
  w.push_back(-128);  // 512 deep: 2^31 even without a bias
  EXPECT_FALSE(kernels::conv1d_s16_fits_int32(w.data(), 1, 512, nullptr));
  // one output that does not fit is enough: [2][256] with the second row all -128 and 2^31 / 2 bias
  std::vector<std::int8_t> two(512, 1);
  std::fill(two.begin() + 256, two.end(), std::int8_t{-128});
  const std::int64_t bias[2] = {0, std::int64_t{1} << 30};
  EXPECT_TRUE(kernels::conv1d_s16_fits_int32(two.data(), 2, 256, nullptr));
  EXPECT_FALSE(kernels::conv1d_s16_fits_int32(two.data(), 2, 256, bias));
}

// int16x8 patches deep enough that the accumulators may leave int32 (the CNN's fit it): the
// int32 lanes flushed into int64 every 255 pairs, mid-row.
TEST(Conv1dS8, Int16DeepPatchesFlushIntoInt64) {
  if (!kernels::conv1d_s16_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI / DQ";
  LayerShape s;
  s.width = 20;
  s.in_c = 255;
  s.out_c = 40;
  s.kernel = 7;  // 1785 deep (893 pairs): four chunks; random weights average |w| ~ 64
  const QuantCase c = layer_case(QuantKind::s16, s, 3000);
  const model::Tensor* w = nullptr;
  for (const model::Tensor& t : c.quantized.tensors)
    if (t.is_constant() && t.type == model::ElementType::i8) w = &t;
  ASSERT_NE(w, nullptr);
  EXPECT_FALSE(kernels::conv1d_s16_fits_int32(w->data.as<std::int8_t>(), s.out_c, s.kernel * s.in_c, nullptr));
  expect_bit_identical(s, 3000, QuantKind::s16);
  s.in_c = 170;
  s.kernel = 9;  // 1530 deep: 765 pairs, three whole chunks
  expect_bit_identical(s, 3001, QuantKind::s16);
}

}  // namespace
}  // namespace nilm::runtime::testing

namespace nilm::runtime::testing {
namespace {

// Max pools reading 64 KB or more are split into chunks of output positions across threads
// (smaller ones run as one task): chunks starting mid-row and mid-batch, int8 and int16, clamps.
TEST(MaxPoolInt, LargePoolsSplitAcrossThreadsAreBitIdentical) {
  int seed = 4000;
  for (bool int16 : {false, true})
    for (int size : {2, 3}) {
      const QuantCase c = pool_case(int16, true, 3, 601, 40, size, 2, model::Padding::same,
                                    size == 3 ? model::Activation::relu6 : model::Activation::none, std::uint32_t(seed++));
      SCOPED_TRACE(c.name);
      EXPECT_EQ(kernel_of(c.quantized, model::OpKind::max_pool2d, Tier::optimized), int16 ? "max_pool2d_s16_opt" : "max_pool2d_s8_opt");
      const std::vector<float> want = run_float_io(c.quantized, c.inputs, Tier::reference);
      for (int threads : {1, 2, 3}) EXPECT_EQ(run_float_io(c.quantized, c.inputs, Tier::optimized, threads), want);
    }
}

}  // namespace
}  // namespace nilm::runtime::testing
