// The resampling and gap policy against hand-computed cases and a plain reference
// implementation (a map from grid index to samples, then the policy applied bin by bin).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "core/error.h"
#include "data/resample.h"

namespace nilm::data {
namespace {

ChannelGrid build(const std::vector<std::pair<double, float>>& samples, double period = 8,
                  double fill_limit = 180) {
  GridBuilder b(period, fill_limit);
  for (auto [t, v] : samples) b.add(t, v);
  return b.finish();
}

TEST(Resample, BinMeanOfTheSamplesInEachPeriod) {
  // 0 and 3 share grid sample 0 ([0,8)); 9 is alone in [8,16).
  ChannelGrid g = build({{0, 10}, {3, 20}, {9, 30}});
  EXPECT_EQ(g.first_bin, 0);
  ASSERT_EQ(g.values.size(), 2u);
  EXPECT_FLOAT_EQ(g.values[0], 15);
  EXPECT_FLOAT_EQ(g.values[1], 30);
  EXPECT_EQ(g.state[0], kReal);
}

TEST(Resample, GridIsAlignedToMultiplesOfThePeriodInEpochTime) {
  ChannelGrid g = build({{1000013, 5}, {1000021, 7}});
  EXPECT_EQ(g.first_bin, 1000013 / 8);
  ASSERT_EQ(g.values.size(), 1u + (1000021 / 8 - 1000013 / 8));
}

TEST(Resample, ShortGapIsForwardFilledWithThePreviousGridValue) {
  ChannelGrid g = build({{0, 10}, {2, 30}, {100, 50}});  // gap 98 s <= 180 s
  ASSERT_EQ(g.values.size(), 13u);                       // bins 0..12
  EXPECT_FLOAT_EQ(g.values[0], 20);
  for (int k = 1; k <= 11; ++k) {
    EXPECT_EQ(g.state[k], kFilled);
    EXPECT_FLOAT_EQ(g.values[k], 20);
  }
  EXPECT_FLOAT_EQ(g.values[12], 50);
}

TEST(Resample, LongGapIsMissingAndTheLimitIsInclusive) {
  ChannelGrid at_limit = build({{0, 1}, {180, 2}});  // gap exactly 180 s: filled
  for (std::size_t k = 1; k + 1 < at_limit.values.size(); ++k) EXPECT_EQ(at_limit.state[k], kFilled);
  ChannelGrid over = build({{0, 1}, {181, 2}});  // 181 s: missing
  ASSERT_EQ(over.values.size(), 23u);
  for (std::size_t k = 1; k < 22; ++k) {
    EXPECT_EQ(over.state[k], kMissing);
    EXPECT_EQ(over.values[k], 0);
  }
  EXPECT_EQ(over.state[22], kReal);
}

TEST(Resample, DuplicateTimestampReplacesTheEarlierSample) {
  ChannelGrid g = build({{0, 10}, {0, 30}, {4, 50}});
  ASSERT_EQ(g.values.size(), 1u);
  EXPECT_FLOAT_EQ(g.values[0], 40);  // mean of 30 and 50; 10 was replaced
}

TEST(Resample, CleanSampleCountsEveryChange) {
  CleaningCounts c;
  double v = std::nan("");
  EXPECT_FALSE(clean_sample(v, 4000, c));
  v = -3;
  EXPECT_TRUE(clean_sample(v, 4000, c));
  EXPECT_EQ(v, 0);
  v = 32767;
  EXPECT_TRUE(clean_sample(v, 4000, c));
  EXPECT_EQ(v, 4000);
  v = HUGE_VAL;
  EXPECT_TRUE(clean_sample(v, 4000, c));
  EXPECT_EQ(v, 4000);
  v = 4000;
  EXPECT_TRUE(clean_sample(v, 4000, c));
  EXPECT_EQ(c.nan_values, 1u);
  EXPECT_EQ(c.negative_values, 1u);
  EXPECT_EQ(c.clipped_values, 2u);
}

// The reference: group samples by grid index, then walk the grid applying the policy.
ChannelGrid reference(const std::vector<std::pair<double, float>>& s, double period, double limit) {
  std::map<long long, std::pair<double, int>> bins;
  for (auto [t, v] : s) {
    auto& b = bins[static_cast<long long>(std::floor(t / period))];
    b.first += v;
    b.second += 1;
  }
  ChannelGrid g;
  g.first_bin = bins.begin()->first;
  float previous = 0;
  for (long long k = bins.begin()->first; k <= bins.rbegin()->first; ++k) {
    auto it = bins.find(k);
    if (it != bins.end()) {
      previous = static_cast<float>(it->second.first / it->second.second);
      g.values.push_back(previous);
      g.state.push_back(kReal);
      continue;
    }
    double before = -1e300, after = 1e300;  // the real samples around this empty bin
    for (auto [t, v] : s) {
      if (t < k * period) before = std::max(before, t);
      if (t >= (k + 1) * period) after = std::min(after, t);
    }
    const bool fill = after - before <= limit;
    g.values.push_back(fill ? previous : 0.0f);
    g.state.push_back(fill ? kFilled : kMissing);
  }
  return g;
}

TEST(Resample, MatchesAPlainReferenceOnRandomIrregularData) {
  std::mt19937 rng(7);
  for (double period : {1.0, 6.0, 8.0, 10.0}) {
    std::vector<std::pair<double, float>> s;
    double t = 1'400'000'003;
    for (int i = 0; i < 3000; ++i) {
      const int kind = static_cast<int>(rng() % 100);
      t += kind < 90 ? 1 + rng() % 12 : kind < 97 ? 20 + rng() % 150 : 200 + rng() % 600;
      s.emplace_back(t, static_cast<float>(rng() % 3000));
    }
    ChannelGrid got = build(s, period, 180);
    ChannelGrid want = reference(s, period, 180);
    ASSERT_EQ(got.first_bin, want.first_bin);
    ASSERT_EQ(got.values.size(), want.values.size()) << period;
    for (std::size_t k = 0; k < want.values.size(); ++k) {
      ASSERT_EQ(got.state[k], want.state[k]) << "period " << period << " bin " << k;
      ASSERT_NEAR(got.values[k], want.values[k], 1e-3) << "period " << period << " bin " << k;
    }
  }
}

TEST(Resample, SumGridsIsDefinedOnlyWhereBothAre) {
  ChannelGrid a = build({{0, 1}, {8, 2}, {16, 3}});
  ChannelGrid b = build({{8, 10}, {16, 20}, {24, 30}});
  ChannelGrid s = sum_grids(a, b);
  EXPECT_EQ(s.first_bin, 0);
  ASSERT_EQ(s.values.size(), 4u);
  EXPECT_EQ(s.state[0], kMissing);
  EXPECT_FLOAT_EQ(s.values[1], 12);
  EXPECT_FLOAT_EQ(s.values[2], 23);
  EXPECT_EQ(s.state[3], kMissing);
}

TEST(Resample, AssembleHouseUsesTheUnionAndMasksAnyMissingChannel) {
  ChannelGrid agg = build({{0, 100}, {8, 110}, {16, 120}, {400, 130}});  // bins 3..49 missing
  ChannelGrid kettle = build({{8, 5}, {24, 6}});                          // bin 0 outside
  ChannelGrid empty;
  HouseSeries h = assemble_house("House1", "test", 8, agg, {{"kettle", kettle}, {"fridge", empty}}, {});
  ASSERT_EQ(h.size(), 51u);
  EXPECT_EQ(h.start_unix, 0);
  EXPECT_EQ(h.appliances.size(), 1u);  // fridge had no sample: dropped and counted
  EXPECT_EQ(h.counts.empty_channels, 1u);
  EXPECT_EQ(h.missing[0], 1);  // kettle has no data yet
  EXPECT_EQ(h.aggregate[0], 0);
  EXPECT_EQ(h.missing[1], 0);
  EXPECT_FLOAT_EQ(h.aggregate[1], 110);
  EXPECT_FLOAT_EQ(h.find("kettle")->watts[2], 5);  // filled across kettle's 16 s gap
  EXPECT_EQ(h.missing[3], 1);
  EXPECT_EQ(h.missing[50], 1);  // kettle ended at bin 3
  EXPECT_EQ(h.counts.samples_missing, 1u + 48u);
  EXPECT_EQ(h.counts.samples_filled, 1u);
}

TEST(Resample, RejectsABadPeriodAndAHouseWithoutAggregate) {
  EXPECT_THROW(GridBuilder(0, 180), Error);
  EXPECT_THROW(assemble_house("House1", "test", 8, ChannelGrid{}, {}, {}), Error);
}

}  // namespace
}  // namespace nilm::data
