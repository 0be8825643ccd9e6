// Metrics against hand-computed values, including the undefined cases of NILM.md section 5.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/metrics.h"

namespace nilm::eval {
namespace {

Metrics score(const std::vector<float>& t, const std::vector<float>& p, const std::vector<std::uint8_t>& ts,
              const std::vector<std::uint8_t>& ps, double period_s = 3600, double start = 0) {
  MetricSums s;
  s.add(t.data(), p.data(), ts.data(), ps.data(), nullptr, t.size(), period_s, start);
  return s.finish();
}

TEST(Metrics, HandComputedPowerMetrics) {
  // 1 h per sample, so Wh == W per sample. Errors 10, 10, 50, 0.
  Metrics m = score({0, 100, 200, 0}, {10, 90, 250, 0}, {0, 1, 1, 0}, {1, 1, 0, 0});
  EXPECT_EQ(m.samples, 4u);
  EXPECT_DOUBLE_EQ(m.mae_w, 17.5);
  EXPECT_DOUBLE_EQ(m.sae, 50.0 / 300.0);
  EXPECT_DOUBLE_EQ(m.nde, 2700.0 / 50000.0);
  EXPECT_EQ(m.days, 1u);
  EXPECT_DOUBLE_EQ(m.epd_true_wh, 300);
  EXPECT_DOUBLE_EQ(m.epd_pred_wh, 350);
  EXPECT_DOUBLE_EQ(m.epd_error_pct, 100.0 * 50 / 300);
  EXPECT_DOUBLE_EQ(m.true_energy_kwh, 0.3);
  // TP 1, FP 1, FN 1, TN 1
  EXPECT_EQ(m.tp, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_EQ(m.tn, 1u);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.f1, 0.5);
  EXPECT_DOUBLE_EQ(m.mcc, 0.0);
}

TEST(Metrics, HandComputedStatusMetrics) {
  std::vector<float> zero(6, 0.0f);
  // TP 2, FN 1, FP 1, TN 2
  Metrics m = score(zero, zero, {0, 1, 1, 1, 0, 0}, {0, 1, 1, 0, 1, 0});
  EXPECT_EQ(m.tp, 2u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_EQ(m.tn, 2u);
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / (2.0 + 1.0));
  EXPECT_DOUBLE_EQ(m.mcc, (2.0 * 2 - 1.0 * 1) / std::sqrt(3.0 * 3 * 3 * 3));
}

TEST(Metrics, EnergyPerDayUsesCalendarDays) {
  // 30 hourly samples starting 5 h before a UTC midnight: 5 + 24 + 1 samples on 3 days.
  std::vector<float> t(30, 10.0f), p(30, 20.0f);
  std::vector<std::uint8_t> s(30, 0);
  Metrics m = score(t, p, s, s, 3600, 86400.0 - 5 * 3600);
  EXPECT_EQ(m.days, 3u);
  EXPECT_DOUBLE_EQ(m.epd_true_wh, (50.0 + 240.0 + 10.0) / 3);
  EXPECT_DOUBLE_EQ(m.epd_pred_wh, 200.0);
  EXPECT_DOUBLE_EQ(m.epd_error_pct, 100.0);
}

TEST(Metrics, ScoredMaskSkipsSamples) {
  std::vector<float> t{100, 5000, 100}, p{110, 0, 90};
  std::vector<std::uint8_t> on{1, 1, 1}, scored{1, 0, 1};
  MetricSums s;
  s.add(t.data(), p.data(), on.data(), on.data(), scored.data(), 3, 3600, 0);
  Metrics m = s.finish();
  EXPECT_EQ(m.samples, 2u);
  EXPECT_DOUBLE_EQ(m.mae_w, 10);
  EXPECT_DOUBLE_EQ(m.sae, 0);
}

TEST(Metrics, EmptySeriesIsNanNotACrash) {
  MetricSums s;
  s.add(nullptr, nullptr, nullptr, nullptr, nullptr, 0, 8, 0);
  Metrics m = s.finish();
  EXPECT_EQ(m.samples, 0u);
  EXPECT_EQ(m.days, 0u);
  for (double v : {m.mae_w, m.sae, m.nde, m.epd_true_wh, m.epd_pred_wh, m.epd_error_pct,
                   m.accuracy, m.precision, m.recall, m.f1, m.mcc})
    EXPECT_TRUE(std::isnan(v));
}

TEST(Metrics, NoActivationsAnywhere) {
  std::vector<float> zero(10, 0.0f);
  std::vector<std::uint8_t> off(10, 0);
  Metrics m = score(zero, zero, off, off);
  EXPECT_DOUBLE_EQ(m.mae_w, 0);
  EXPECT_DOUBLE_EQ(m.accuracy, 1);
  EXPECT_TRUE(std::isnan(m.sae));        // 0 / 0
  EXPECT_TRUE(std::isnan(m.nde));
  EXPECT_TRUE(std::isnan(m.epd_error_pct));
  EXPECT_TRUE(std::isnan(m.precision));
  EXPECT_TRUE(std::isnan(m.recall));
  EXPECT_TRUE(std::isnan(m.f1));
  EXPECT_TRUE(std::isnan(m.mcc));
}

TEST(Metrics, PredictedEnergyWithoutTrueEnergyIsInfinite) {
  std::vector<float> zero(4, 0.0f), some{0, 50, 50, 0};
  std::vector<std::uint8_t> off(4, 0), on{0, 1, 1, 0};
  Metrics m = score(zero, some, off, on);
  EXPECT_TRUE(std::isinf(m.sae) && m.sae > 0);
  EXPECT_TRUE(std::isinf(m.nde) && m.nde > 0);
  EXPECT_TRUE(std::isinf(m.epd_error_pct) && m.epd_error_pct > 0);
  EXPECT_DOUBLE_EQ(m.precision, 0);      // 0 / 2
  EXPECT_TRUE(std::isnan(m.recall));     // 0 / 0
  EXPECT_DOUBLE_EQ(m.f1, 0);             // 0 / (0 + 1)
  EXPECT_TRUE(std::isnan(m.mcc));        // TP + FN = 0
}

TEST(Metrics, AllOnBothSides) {
  std::vector<float> t(5, 2000.0f), p(5, 1900.0f);
  std::vector<std::uint8_t> on(5, 1);
  Metrics m = score(t, p, on, on);
  EXPECT_DOUBLE_EQ(m.accuracy, 1);
  EXPECT_DOUBLE_EQ(m.precision, 1);
  EXPECT_DOUBLE_EQ(m.recall, 1);
  EXPECT_DOUBLE_EQ(m.f1, 1);
  EXPECT_TRUE(std::isnan(m.mcc));        // TN + FP = 0 and TN + FN = 0
  EXPECT_DOUBLE_EQ(m.mae_w, 100);
  EXPECT_DOUBLE_EQ(m.sae, 0.05);
}

TEST(Metrics, MergePoolsHousesAndKeepsTheirDaysApart) {
  std::vector<float> t1{100, 100}, p1{100, 100}, t2{300, 300}, p2{200, 200};
  std::vector<std::uint8_t> on{1, 1};
  MetricSums a, b;
  a.add(t1.data(), p1.data(), on.data(), on.data(), nullptr, 2, 3600, 0);
  b.add(t2.data(), p2.data(), on.data(), on.data(), nullptr, 2, 3600, 0);  // same date
  a.merge(b);
  Metrics m = a.finish();
  EXPECT_EQ(m.samples, 4u);
  EXPECT_EQ(m.days, 2u);
  EXPECT_DOUBLE_EQ(m.mae_w, 50);
  EXPECT_DOUBLE_EQ(m.epd_true_wh, (200.0 + 600.0) / 2);
  EXPECT_DOUBLE_EQ(m.epd_pred_wh, (200.0 + 400.0) / 2);
  EXPECT_DOUBLE_EQ(m.sae, 200.0 / 800.0);
}

}  // namespace
}  // namespace nilm::eval
