// Meter readings: REFIT's ~8 s irregular sampling, dropouts that leave no rows, plugs that read
// 0 when their appliance is off, and Issues rows only where a glitch put the plugs above the
// mains (meter noise alone never does).
#include <gtest/gtest.h>

#include <cmath>

#include "sim/meter.h"

using namespace nilm::sim;

namespace {
constexpr std::int64_t kStart = 1388966400;
}

TEST(SimMeter, IrregularEightSecondReadingsWithGaps) {
  const Household h = draw_household(7, 0, 6, kStart);
  MeterCounts counts;
  const auto t = read_meters(h, &counts);
  ASSERT_EQ(counts.rows, t.unix_s.size());
  ASSERT_GT(t.unix_s.size(), 6u * 86400 / 9);
  std::size_t seven = 0, eight = 0, nine = 0, longer = 0;
  for (std::size_t i = 1; i < t.unix_s.size(); ++i) {
    const auto d = t.unix_s[i] - t.unix_s[i - 1];
    ASSERT_GE(d, 7);
    seven += d == 7;
    eight += d == 8;
    nine += d == 9;
    longer += d > 9;
  }
  EXPECT_GT(eight, seven + nine);  // mostly 8 s ...
  EXPECT_GT(seven, t.unix_s.size() / 20);  // ... but irregular
  EXPECT_GT(nine, t.unix_s.size() / 20);
  EXPECT_GT(h.gaps.size(), 0u);
  EXPECT_GT(counts.skipped_in_gaps, 0u);
  EXPECT_GT(longer, 0u);
  // No reading inside a dropout.
  for (auto u : t.unix_s)
    for (const auto& g : h.gaps) ASSERT_FALSE(u - kStart >= g.start_s && u - kStart < g.end_s);
  // Plug columns of absent appliances stay 0; the mapping names the others.
  for (int c = 0; c < 9; ++c) {
    if (!h.columns[static_cast<std::size_t>(c)].empty()) continue;
    for (float w : t.appliances[static_cast<std::size_t>(c)]) ASSERT_EQ(w, 0.0f);
  }
}

TEST(SimMeter, IssuesOnlyFromGlitchesAndGapsCanBeTurnedOff) {
  std::uint64_t rows = 0, issues = 0, glitches = 0;
  for (int i = 0; i < 4; ++i) {
    const Household h = draw_household(8, i, 10, kStart);
    MeterCounts c;
    const auto t = read_meters(h, &c);
    rows += c.rows;
    issues += c.issues_rows;
    glitches += c.glitches;
    std::size_t glitch_values = 0;
    for (const auto& col : t.appliances)
      for (float w : col) glitch_values += w == kGlitchW;
    EXPECT_EQ(glitch_values, c.glitches);
    for (std::size_t r = 0; r < t.issues.size(); ++r) {
      double plugs = 0;
      for (const auto& col : t.appliances) plugs += std::round(col[r]);
      EXPECT_EQ(t.issues[r] != 0, plugs > std::round(t.aggregate[r]));
    }
  }
  EXPECT_LE(issues, glitches);             // noise alone never lifts the plugs above the mains
  EXPECT_LT(issues, rows / 1000);          // REFIT-like: rare

  HouseholdOptions clean;
  clean.meter_gaps = false;
  clean.glitches = false;
  const Household h = draw_household(8, 0, 3, kStart, clean);
  MeterCounts c;
  const auto t = read_meters(h, &c);
  EXPECT_EQ(c.skipped_in_gaps, 0u);
  EXPECT_EQ(c.glitches, 0u);
  for (std::size_t i = 1; i < t.unix_s.size(); ++i) ASSERT_LE(t.unix_s[i] - t.unix_s[i - 1], 9);
}
