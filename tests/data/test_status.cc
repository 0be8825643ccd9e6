// The status rule against hand-computed cases and against a plain run-list implementation
// written the way BERT4NILM's compute_status works (events, then durations).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "data/status.h"

using namespace nilm::data;

namespace {

using Bits = std::vector<std::uint8_t>;

ApplianceParams params(float threshold, double min_on_s, double min_off_s) {
  return {"test", threshold, 1000, min_on_s, min_off_s, 1};
}

Bits status(const std::vector<float>& w, const ApplianceParams& p, double period = 8) {
  return on_off_status(w.data(), w.size(), p, period);
}

// Independent reference: list the on-runs [start, end), merge runs separated by gaps shorter
// than min_off, keep merged runs at least min_on long.
Bits reference_status(const std::vector<float>& w, float thr, std::size_t min_on,
                      std::size_t min_off) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool on = w[i] >= thr;
    if (on && (runs.empty() || runs.back().second != i)) runs.push_back({i, i + 1});
    else if (on) runs.back().second = i + 1;
  }
  std::vector<std::pair<std::size_t, std::size_t>> merged;
  for (auto r : runs) {
    if (!merged.empty() && r.first - merged.back().second < min_off) merged.back().second = r.second;
    else merged.push_back(r);
  }
  Bits out(w.size(), 0);
  for (auto r : merged)
    if (r.second - r.first >= min_on)
      for (std::size_t k = r.first; k < r.second; ++k) out[k] = 1;
  return out;
}

}  // namespace

TEST(Status, DurationsAreCeilingDividedByThePeriod) {
  EXPECT_EQ(duration_samples(12, 8), 2u);     // kettle/microwave min on: 1.5 -> 2
  EXPECT_EQ(duration_samples(16, 8), 2u);     // exact
  EXPECT_EQ(duration_samples(16.5, 8), 3u);
  EXPECT_EQ(duration_samples(60, 8), 8u);     // fridge min on: 7.5 -> 8
  EXPECT_EQ(duration_samples(160, 8), 20u);   // washing machine min off
  EXPECT_EQ(duration_samples(1800, 8), 225u); // dishwasher
  EXPECT_EQ(duration_samples(1800, 6), 300u); // BERT4NILM's UK-DALE value
  EXPECT_EQ(duration_samples(0, 8), 0u);
  EXPECT_EQ(duration_samples(1.1, 0.1), 11u); // not 12 from rounding error
  EXPECT_EQ(duration_samples(7, 8), 1u);
}

TEST(Status, ThresholdIsInclusive) {
  EXPECT_EQ(status({99.9f, 100.f, 100.1f, 0.f, -5.f}, params(100, 0, 0)), (Bits{0, 1, 1, 0, 0}));
}

TEST(Status, NaNIsOff) {
  EXPECT_EQ(status({200.f, NAN, 200.f}, params(100, 0, 0)), (Bits{1, 0, 1}));
}

TEST(Status, ShortOnRunsAreDropped) {
  // min on 24 s at 8 s = 3 samples: runs of 1 and 2 go, a run of 3 stays.
  EXPECT_EQ(status({0, 200, 0, 200, 200, 0, 200, 200, 200, 0}, params(100, 24, 0)),
            (Bits{0, 0, 0, 0, 0, 0, 1, 1, 1, 0}));
  // min on 17 s -> ceil(2.125) = 3 samples as well.
  EXPECT_EQ(status({200, 200, 0, 200, 200, 200}, params(100, 17, 0)), (Bits{0, 0, 0, 1, 1, 1}));
  // min on 16 s -> exactly 2 samples: a run of 2 stays.
  EXPECT_EQ(status({200, 200, 0, 200}, params(100, 16, 0)), (Bits{1, 1, 0, 0}));
}

TEST(Status, ShortOffGapsAreFilled) {
  // min off 30 s at 8 s = 4 samples: the gap of 3 is filled, the gap of 4 is not.
  EXPECT_EQ(status({200, 0, 0, 0, 200, 0, 0, 0, 0, 200, 0}, params(100, 0, 30)),
            (Bits{1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0}));
  // Leading and trailing off stretches are not gaps between on-runs: never filled.
  EXPECT_EQ(status({0, 0, 200, 0, 0}, params(100, 0, 100)), (Bits{0, 0, 1, 0, 0}));
}

TEST(Status, FillsBeforeDropping) {
  // min on 3 samples, min off 2 samples: the 1-sample gap joins the first two bursts into a
  // run of 3 (kept); the last burst stands alone after a 2-sample gap and is dropped.
  EXPECT_EQ(status({200, 0, 200, 0, 0, 200}, params(100, 24, 16)), (Bits{1, 1, 1, 0, 0, 0}));
}

TEST(Status, AllOffAllOnEmpty) {
  EXPECT_EQ(status({0, 0, 0, 0}, params(100, 24, 30)), (Bits{0, 0, 0, 0}));
  EXPECT_EQ(status({500, 500, 500, 500}, params(100, 24, 30)), (Bits{1, 1, 1, 1}));
  EXPECT_EQ(status({500, 500}, params(100, 24, 30)), (Bits{0, 0}));  // on, but too short
  EXPECT_EQ(status({}, params(100, 24, 30)), Bits{});
}

TEST(Status, BuiltinKettleAtEightSeconds) {
  const auto& kettle = builtin_appliances()[0];
  // One 8 s sample above 1500 W is shorter than 12 s: not an activation; two samples are.
  EXPECT_EQ(status({0, 2500, 0, 0, 2500, 2500, 0}, kettle), (Bits{0, 0, 0, 0, 1, 1, 0}));
  EXPECT_EQ(status({0, 1499, 1499, 0}, kettle), (Bits{0, 0, 0, 0}));
}

TEST(Status, MatchesRunListReferenceOnRandomSeries) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::size_t n = rng() % 200;
    std::vector<float> w(n);
    // Bursty: stay in a state for a random while so that runs and gaps of all lengths occur.
    bool on = rng() % 2;
    for (std::size_t i = 0; i < n; ++i) {
      if (rng() % 4 == 0) on = !on;
      w[i] = on ? 100.f + float(rng() % 100) : float(rng() % 100);
    }
    double min_on_s = double(rng() % 60), min_off_s = double(rng() % 60), period = 1 + rng() % 10;
    auto got = on_off_status(w.data(), n, params(100, min_on_s, min_off_s), period);
    auto want = reference_status(w, 100, duration_samples(min_on_s, period),
                                 duration_samples(min_off_s, period));
    ASSERT_EQ(got, want) << "trial " << trial;
  }
}

TEST(Status, SegmentedRuleStopsAtMissingSamples) {
  // min off 4 samples: without the missing sample the 3-sample gap would be filled.
  std::vector<float> w = {200, 0, 0, 0, 200, 200};
  Bits missing = {0, 0, 1, 0, 0, 0};
  auto p = params(100, 0, 30);
  EXPECT_EQ(on_off_status(w.data(), w.size(), p, 8), (Bits{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(on_off_status_segmented(w.data(), missing.data(), w.size(), p, 8),
            (Bits{1, 0, 0, 0, 1, 1}));
  // A missing sample whose power is above the threshold is still off.
  std::vector<float> w2 = {200, 200, 200};
  Bits m2 = {0, 1, 0};
  EXPECT_EQ(on_off_status_segmented(w2.data(), m2.data(), 3, params(100, 0, 0), 8), (Bits{1, 0, 1}));
}

TEST(Status, CountsActivations) {
  Bits s = {1, 1, 0, 1, 0, 0, 1, 1, 1};
  EXPECT_EQ(count_activations(s.data(), s.size()), 3u);
  EXPECT_EQ(count_activations(s.data(), 0), 0u);
  Bits off = {0, 0};
  EXPECT_EQ(count_activations(off.data(), 2), 0u);
}
