// Latency statistics against hand-computed cases (nearest-rank percentiles, the usual median,
// population standard deviation).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.h"
#include "perf/stats.h"

namespace nilm::perf {
namespace {

TEST(Stats, OddCountByHand) {
  // sorted 1 2 3 4 5: mean 3, median 3, variance (4+1+0+1+4)/5 = 2
  const LatencyStats s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.runs, 5u);
  EXPECT_DOUBLE_EQ(s.mean_us, 3);
  EXPECT_DOUBLE_EQ(s.median_us, 3);
  EXPECT_DOUBLE_EQ(s.min_us, 1);
  EXPECT_DOUBLE_EQ(s.max_us, 5);
  EXPECT_DOUBLE_EQ(s.stddev_us, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(s.p90_us, 5);  // rank ceil(4.5) = 5
  EXPECT_DOUBLE_EQ(s.p99_us, 5);
}

TEST(Stats, EvenCountMedianIsTheMeanOfTheMiddleTwo) {
  const LatencyStats s = summarize({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(s.median_us, 2.5);
  EXPECT_DOUBLE_EQ(s.mean_us, 2.5);
  EXPECT_DOUBLE_EQ(s.p90_us, 4);  // rank ceil(3.6) = 4
}

TEST(Stats, NearestRankPercentiles) {
  std::vector<double> ten(10), hundred(100), thousand(1000);
  std::iota(ten.begin(), ten.end(), 1.0);  // 1..10
  std::iota(hundred.begin(), hundred.end(), 1.0);
  std::iota(thousand.begin(), thousand.end(), 1.0);
  EXPECT_DOUBLE_EQ(summarize(ten).p90_us, 9);   // rank 9 exactly (not 10 through rounding error)
  EXPECT_DOUBLE_EQ(summarize(ten).p99_us, 10);  // rank ceil(9.9) = 10
  EXPECT_DOUBLE_EQ(summarize(hundred).p90_us, 90);
  EXPECT_DOUBLE_EQ(summarize(hundred).p99_us, 99);
  EXPECT_DOUBLE_EQ(summarize(thousand).p99_us, 990);
  EXPECT_DOUBLE_EQ(summarize(hundred).median_us, 50.5);
  EXPECT_DOUBLE_EQ(percentile(ten, 50), 5);    // rank 5
  EXPECT_DOUBLE_EQ(percentile(ten, 100), 10);
  EXPECT_DOUBLE_EQ(percentile(ten, 0.1), 1);   // rank ceil(0.01) = 1
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7);
}

TEST(Stats, OutlierMovesMeanNotMedian) {
  const LatencyStats s = summarize({10, 10, 10, 10, 1010});
  EXPECT_DOUBLE_EQ(s.median_us, 10);
  EXPECT_DOUBLE_EQ(s.mean_us, 210);
  EXPECT_DOUBLE_EQ(s.stddev_us, 400);  // deviations -200 x4, 800: (4*40000 + 640000)/5 = 160000
}

TEST(Stats, RejectsNoSamplesAndBadPercentiles) {
  EXPECT_THROW(summarize({}), Error);
  EXPECT_THROW(percentile({}, 50), Error);
  EXPECT_THROW(percentile({1, 2}, 0), Error);
  EXPECT_THROW(percentile({1, 2}, 100.5), Error);
}

}  // namespace
}  // namespace nilm::perf
