// The same house written in REFIT, UK-DALE and REDD layouts reads back identically: the three
// readers agree sample for sample on one grid (and with the values that were written).
#include <gtest/gtest.h>

#include <random>

#include "data/readers.h"
#include "data/redd.h"
#include "data/refit_format.h"
#include "data/refit_mapping.h"
#include "data/ukdale.h"
#include "readers_fixtures.h"

namespace nilm::data {
namespace {

using testing::TempDir;

struct RawHouse {
  std::vector<std::int64_t> t;
  std::vector<float> aggregate;
  std::vector<std::vector<float>> appliances;  // kettle, fridge, dishwasher
};

// One sample per 8 s grid sample at a jittered time, with short and long gaps, integer watts
// (REFIT stores whole watts) and glitches/negatives the readers must clean identically.
RawHouse make_house() {
  std::mt19937 rng(11);
  RawHouse h;
  h.appliances.resize(3);
  std::int64_t bin = 1'400'000'000 / 8;
  for (int i = 0; i < 4000; ++i) {
    const int r = static_cast<int>(rng() % 1000);
    bin += r < 970 ? 1 : r < 995 ? 2 + rng() % 20 : 30 + rng() % 200;  // gaps: short and long
    h.t.push_back(bin * 8 + static_cast<std::int64_t>(rng() % 8));
    const float kettle = rng() % 50 == 0 ? 2800 : 0;
    const float fridge = rng() % 500 == 0 ? 9000 : static_cast<float>(rng() % 90);  // glitch
    const float dish = rng() % 300 == 0 ? -3 : static_cast<float>(rng() % 2000);    // negative
    h.appliances[0].push_back(kettle);
    h.appliances[1].push_back(fridge);
    h.appliances[2].push_back(dish);
    h.aggregate.push_back(200 + kettle + std::max(fridge, 0.0f) + std::max(dish, 0.0f) + static_cast<float>(rng() % 40));
  }
  return h;
}

void expect_same(const HouseSeries& a, const HouseSeries& b) {
  ASSERT_EQ(a.start_unix, b.start_unix);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.missing, b.missing);
  EXPECT_EQ(a.aggregate, b.aggregate);
  ASSERT_EQ(a.appliances.size(), b.appliances.size());
  for (const auto& x : a.appliances) {
    const ApplianceSeries* y = b.find(x.name);
    ASSERT_NE(y, nullptr) << x.name;
    EXPECT_EQ(x.watts, y->watts) << x.name;
  }
  EXPECT_EQ(a.counts.samples_missing, b.counts.samples_missing);
  EXPECT_EQ(a.counts.samples_filled, b.counts.samples_filled);
  EXPECT_EQ(a.counts.clipped_values, b.counts.clipped_values);
  EXPECT_EQ(a.counts.negative_values, b.counts.negative_values);
}

TEST(ReadersRoundTrip, RefitUkdaleAndReddAgreeOnTheGrid) {
  TempDir dir;
  const RawHouse raw = make_house();

  RefitTable table;
  table.unix_s = raw.t;
  table.aggregate = raw.aggregate;
  table.appliances.assign(kRefitApplianceColumns, std::vector<float>(raw.t.size(), 0.0f));
  table.appliances[0] = raw.appliances[0];
  table.appliances[1] = raw.appliances[1];
  table.appliances[2] = raw.appliances[2];
  table.issues.assign(raw.t.size(), 0);
  std::filesystem::create_directories(dir / "refit");
  write_refit_csv(dir / "refit/CLEAN_House1.csv", table);
  write_refit_mapping(dir / "refit/mapping.json", {{"House1", {"kettle", "fridge", "dishwasher", "", "", "", "", "", ""}}});

  const RawChannel aggregate{"aggregate", raw.t, raw.aggregate};
  const std::vector<RawChannel> appliances = {
      {"kettle", raw.t, raw.appliances[0]},
      {"fridge", raw.t, raw.appliances[1]},
      {"dish_washer", raw.t, raw.appliances[2]}};
  write_ukdale_house(dir / "ukdale/house_1", aggregate, appliances);
  std::vector<RawChannel> redd_appliances = appliances;
  redd_appliances[1].label = "refrigerator";
  redd_appliances[2].label = "dishwaser";
  write_redd_house(dir / "redd/low_freq/house_1", aggregate, redd_appliances);

  const ReadOptions o;
  const HouseSeries refit = read_house(Format::refit, discover_houses(Format::refit, dir / "refit").at(0), o);
  const HouseSeries ukdale = read_house(Format::ukdale, discover_houses(Format::ukdale, dir / "ukdale").at(0), o);
  const HouseSeries redd = read_house(Format::redd, discover_houses(Format::redd, dir / "redd").at(0), o);

  ASSERT_EQ(refit.appliances.size(), 3u);
  expect_same(refit, ukdale);
  expect_same(refit, redd);
  EXPECT_GT(refit.counts.samples_missing, 0u);  // the data has long gaps ...
  EXPECT_GT(refit.counts.samples_filled, 0u);   // ... and short ones
  EXPECT_GT(refit.counts.clipped_values, 0u);
  EXPECT_GT(refit.counts.negative_values, 0u);

  // And the grid holds what was written: each raw sample sits alone in its grid sample.
  const std::int64_t first = raw.t[0] / 8;
  for (std::size_t i = 0; i < raw.t.size(); ++i) {
    const auto k = static_cast<std::size_t>(raw.t[i] / 8 - first);
    ASSERT_EQ(refit.missing[k], 0);
    ASSERT_EQ(refit.aggregate[k], raw.aggregate[i]);
    ASSERT_EQ(refit.find("kettle")->watts[k], raw.appliances[0][i]);
    ASSERT_EQ(refit.find("fridge")->watts[k], std::min(raw.appliances[1][i], 4000.0f));
    ASSERT_EQ(refit.find("dishwasher")->watts[k], std::max(raw.appliances[2][i], 0.0f));
  }
}

}  // namespace
}  // namespace nilm::data
