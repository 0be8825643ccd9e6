// Calibration: ranges equal the observed extremes (minmax), estimators behave as designed on
// hand-made distributions, runs are deterministic, the balanced dataset is balanced.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/error.h"
#include "model/builder.h"
#include "quant/calibration.h"

namespace nilm::quant {
namespace {

std::vector<float> bulk_with_outlier(float outlier) {
  std::mt19937_64 gen(4);
  std::normal_distribution<float> n(0.0f, 0.3f);
  std::vector<float> v(100000);
  for (auto& x : v) x = std::clamp(n(gen), -1.0f, 1.0f);
  v[500] = outlier;
  return v;
}

TEST(Estimators, PercentileClipsAnOutlierMinmaxDoesNot) {
  const auto v = bulk_with_outlier(100.0f);
  CalibrationOptions o;
  o.estimator = RangeEstimator::minmax;
  EXPECT_EQ(estimate_range(v, o).max, 100.0f);
  o.estimator = RangeEstimator::percentile;
  o.percentile = 99.9;
  const TensorRange p = estimate_range(v, o);
  EXPECT_LT(p.max, 1.2f);
  EXPECT_GT(p.max, 0.8f);  // 99.9th percentile of N(0, 0.3) ~ 0.93
  EXPECT_LT(p.min, -0.8f);
  EXPECT_GT(p.min, -1.2f);
}

TEST(Estimators, MseClipsAHeavyTailButNotABoundedBulk) {
  // Laplace(0, 1): the extreme of 100,000 draws is ~11.5; 8-bit rounding over all of it costs
  // more than clipping the few values beyond ~10.
  std::mt19937_64 gen(8);
  std::exponential_distribution<float> e(1.0f);
  std::vector<float> v(100000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (i % 2 ? 1.0f : -1.0f) * e(gen);
  CalibrationOptions o;
  o.estimator = RangeEstimator::mse;
  const TensorRange all = estimate_range(v, {});
  const TensorRange clipped = estimate_range(v, o);
  // Banner et al. (ACIQ, 2019): the MSE-optimal 8-bit clipping of Laplace(0, b) is 9.89 b
  EXPECT_LT(clipped.max, all.max);
  EXPECT_NEAR(clipped.max, 9.89f, 1.0f);
  EXPECT_NEAR(clipped.min, -9.89f, 1.0f);
  // uniform values: clipping only adds error, so the range stays (nearly) whole
  std::vector<float> u(50000);
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = -1.0f + 2.0f * float(i) / float(u.size() - 1);
  const TensorRange whole = estimate_range(u, o);
  EXPECT_GT(whole.max, 0.97f);
  EXPECT_LT(whole.min, -0.97f);
  // 16 bits: finer steps, the optimum clips less
  o.bits = 16;
  EXPECT_GE(estimate_range(v, o).max, clipped.max);
}

TEST(Estimators, ConstantValuesGiveAZeroWidthRange) {
  const std::vector<float> v(100, 0.0f);
  for (auto e : {RangeEstimator::minmax, RangeEstimator::percentile, RangeEstimator::mse}) {
    CalibrationOptions o;
    o.estimator = e;
    const TensorRange r = estimate_range(v, o);
    EXPECT_EQ(r.min, 0.0f);
    EXPECT_EQ(r.max, 0.0f);
  }
}

// y = relu(x @ W^T + b) with W = [[1, -1], [2, 0]], b = [0.5, -1], x = [batch 2, 2]
model::Graph tiny() {
  model::GraphBuilder b;
  const int x = b.input("x", {2, 2});
  const int y = b.fully_connected(x, b.constant("w", {2, 2}, {1, -1, 2, 0}), b.constant("b", {2}, {0.5f, -1.0f}));
  b.rename(y, "y");
  const int z = b.unary(model::OpKind::relu, y);
  b.rename(z, "z");
  b.output(z);
  return b.finish();
}

int index_of(const model::Graph& g, const std::string& name) {
  for (std::size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].name == name) return int(i);
  return -1;
}

TEST(Calibrate, MinmaxRangesByHand) {
  const model::Graph g = tiny();
  // three windows of 2 values; batch 2, so the last run repeats window 2
  const std::vector<float> w = {1, 0, -1, 2, 3, 1};
  const Calibration c = calibrate(g, w.data(), 3, {});
  EXPECT_EQ(c.windows, 3u);
  // y rows: [1.5, 1], [-2.5, -3], [2.5, 5]
  const TensorRange y = c.ranges[std::size_t(index_of(g, "y"))];
  EXPECT_FLOAT_EQ(y.min, -3.0f);
  EXPECT_FLOAT_EQ(y.max, 5.0f);
  const TensorRange z = c.ranges[std::size_t(index_of(g, "z"))];
  EXPECT_FLOAT_EQ(z.min, 0.0f);
  EXPECT_FLOAT_EQ(z.max, 5.0f);
  const TensorRange x = c.ranges[std::size_t(index_of(g, "x"))];
  EXPECT_FLOAT_EQ(x.min, -1.0f);
  EXPECT_FLOAT_EQ(x.max, 3.0f);
  const TensorRange wr = c.ranges[std::size_t(index_of(g, "w"))];  // constants: their data
  EXPECT_FLOAT_EQ(wr.min, -1.0f);
  EXPECT_FLOAT_EQ(wr.max, 2.0f);
}

TEST(Calibrate, DeterministicForTheSameWindows) {
  const model::Graph g = tiny();
  std::mt19937_64 gen(3);
  std::normal_distribution<float> n;
  std::vector<float> w(2 * 501);
  for (auto& v : w) v = n(gen);
  w[7] = 40.0f;
  for (auto e : {RangeEstimator::minmax, RangeEstimator::percentile, RangeEstimator::mse}) {
    CalibrationOptions o;
    o.estimator = e;
    o.percentile = 99.0;
    const Calibration a = calibrate(g, w.data(), 501, o), b = calibrate(g, w.data(), 501, o);
    for (std::size_t t = 0; t < a.ranges.size(); ++t) {
      EXPECT_EQ(a.ranges[t].min, b.ranges[t].min);
      EXPECT_EQ(a.ranges[t].max, b.ranges[t].max);
    }
    if (e == RangeEstimator::percentile) {  // the outlier in x is clipped
      EXPECT_LT(a.ranges[std::size_t(index_of(g, "x"))].max, 40.0f) << estimator_name(e);
    }
  }
}

TEST(Calibrate, RefusesBadArguments) {
  const model::Graph g = tiny();
  const std::vector<float> w(4, 0.0f);
  EXPECT_THROW(calibrate(g, w.data(), 0, {}), Error);
  CalibrationOptions o;
  o.percentile = 20;
  EXPECT_THROW(calibrate(g, w.data(), 2, o), Error);
  EXPECT_THROW(parse_estimator("median"), Error);
  EXPECT_EQ(parse_estimator("mse"), RangeEstimator::mse);
}

}  // namespace
}  // namespace nilm::quant

#include "data/store_test_util.h"

namespace nilm::quant {
namespace {

TEST(BalancedWindows, HalfOnHalfOffAndSeeded) {
  const std::string dir = test::temp_dir("quant_balanced");
  const data::Store store = test::write_small_store(dir);
  const int window = 11;
  const std::size_t count = 40;
  const std::vector<float> a = balanced_windows(store, "kettle", {"HouseA"}, count, 3, window);
  ASSERT_EQ(a.size(), count * window);
  // the kettle draws 2500 W: a midpoint above 1500 W (de-normalised) is an "on" window
  const data::Scaling s = store.scaling();
  std::size_t on = 0;
  for (std::size_t i = 0; i < count; ++i)
    on += a[i * window + window / 2] * s.aggregate_std + s.aggregate_mean > 1500.0f;
  EXPECT_EQ(on, count / 2);
  EXPECT_EQ(balanced_windows(store, "kettle", {"HouseA"}, count, 3, window), a);
  EXPECT_NE(balanced_windows(store, "kettle", {"HouseA"}, count, 4, window), a);
  EXPECT_THROW(balanced_windows(store, "kettle", {"HouseA"}, 100000, 3, window), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nilm::quant
