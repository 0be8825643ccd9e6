// The simulator's random streams: reproducible, and with the moments the formulas promise
// (checked against the distributions' textbook mean and variance).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "sim/random.h"

using nilm::sim::derive_seed;
using nilm::sim::Rng;

TEST(SimRandom, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(SimRandom, DerivedSeedsAreDistinct) {
  std::set<std::uint64_t> seeds;
  for (std::uint64_t house = 0; house < 50; ++house)
    for (std::uint64_t tag = 0; tag < 50; ++tag) seeds.insert(derive_seed(1, {house, tag}));
  EXPECT_EQ(seeds.size(), 2500u);
  EXPECT_NE(derive_seed(1, {2, 3}), derive_seed(1, {3, 2}));  // order matters
}

TEST(SimRandom, UniformIntegerRanges) {
  Rng rng(7);
  int lo_seen = 0, hi_seen = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.uniform(2.0, 3.0);
    ASSERT_GE(u, 2.0);
    ASSERT_LT(u, 3.0);
    const int k = rng.integer(-1, 1);
    ASSERT_GE(k, -1);
    ASSERT_LE(k, 1);
    lo_seen += k == -1;
    hi_seen += k == 1;
  }
  EXPECT_GT(lo_seen, 3000);  // inclusive at both ends, about a third each
  EXPECT_GT(hi_seen, 3000);
}

TEST(SimRandom, MomentsMatchTheDistributions) {
  Rng rng(11);
  const int n = 200000;
  double sum_n = 0, sq_n = 0, sum_e = 0, sum_p = 0, sq_p = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal(5.0, 2.0);
    sum_n += x;
    sq_n += x * x;
    sum_e += rng.exponential(3.0);
    const double p = rng.poisson(4.0);
    sum_p += p;
    sq_p += p * p;
  }
  const double mean_n = sum_n / n, var_n = sq_n / n - mean_n * mean_n;
  EXPECT_NEAR(mean_n, 5.0, 0.03);
  EXPECT_NEAR(var_n, 4.0, 0.06);
  EXPECT_NEAR(sum_e / n, 3.0, 0.03);
  const double mean_p = sum_p / n;
  EXPECT_NEAR(mean_p, 4.0, 0.03);                    // Poisson: mean = variance = lambda
  EXPECT_NEAR(sq_p / n - mean_p * mean_p, 4.0, 0.08);
}
