// The evaluation loop with predictors whose answers are known: exact metrics, which samples get
// a prediction (edges, gaps), the windows handed to the model, and thread-independence.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "eval/evaluate_house.h"

namespace nilm::eval {
namespace {

const ModelScaling kScaling{522, 814, 3100};

// The aggregate is the sample index (aggregate[i] = i), so a predictor can tell which window
// it got from the midpoint's value and answer the true target there, plus an offset.
class OraclePredictor : public Predictor {
 public:
  OraclePredictor(const std::vector<float>& target, int window, float offset_w = 0)
      : target_(target), window_(window), offset_w_(offset_w) {}
  int window() const override { return window_; }
  std::string describe() const override { return "oracle"; }
  void predict(const float* in, std::size_t count, float* out) override {
    for (std::size_t k = 0; k < count; ++k) {
      float mid_value = in[k * window_ + window_ / 2] * kScaling.aggregate_std + kScaling.aggregate_mean;
      auto i = static_cast<std::size_t>(std::lround(mid_value));
      out[k] = (target_.at(i) + offset_w_) / kScaling.max_power_w;
      // every window is the contiguous run of indices around its midpoint
      for (int j = 0; j < window_; ++j) {
        float v = in[k * window_ + j] * kScaling.aggregate_std + kScaling.aggregate_mean;
        if (std::lround(v) != static_cast<long>(i) - window_ / 2 + j) bad_windows++;
      }
    }
    calls++;
    max_count = std::max(max_count, count);
  }
  int calls = 0, bad_windows = 0;
  std::size_t max_count = 0;

 private:
  const std::vector<float>& target_;
  int window_;
  float offset_w_;
};

// Depends on the whole window (its mean) so thread/batch mix-ups would show.
class WindowMeanPredictor : public Predictor {
 public:
  int window() const override { return 599; }
  std::string describe() const override { return "window mean"; }
  void predict(const float* in, std::size_t count, float* out) override {
    for (std::size_t k = 0; k < count; ++k) {
      double s = 0;
      for (int j = 0; j < 599; ++j) s += in[k * 599 + j] * (1 + j % 7);
      out[k] = static_cast<float>(s / 599 / 8);
    }
  }
};

struct House {
  std::vector<float> aggregate, target;
  std::vector<std::uint8_t> missing;
  HouseSeriesView view() const {
    return {"HouseT", aggregate.data(), missing.empty() ? nullptr : missing.data(), target.data(),
            aggregate.size(), 8.0, 1700000000};
  }
};

// n samples; a 2000 W "kettle" on for 5 samples every 100 samples (starting at 50).
House kettle_house(std::size_t n) {
  House h;
  for (std::size_t i = 0; i < n; ++i) {
    h.aggregate.push_back(static_cast<float>(i));
    h.target.push_back(i % 100 >= 50 && i % 100 < 55 ? 2000.0f : 0.0f);
  }
  return h;
}

data::ApplianceParams kettle() { return {"kettle", 1500, 3100, 12, 0, 1}; }

PredictOptions quiet(std::size_t batch = 256) {
  PredictOptions o;
  o.batch = batch;
  o.show_progress = false;
  return o;
}

TEST(EvaluateHouse, PerfectPredictorScoresPerfectlyOnTheScoredSamples) {
  House h = kettle_house(3000);
  OraclePredictor oracle(h.target, 599);
  Predictor* workers[] = {&oracle};
  auto e = evaluate_house(workers, h.view(), kScaling, kettle(), quiet());
  // mids 299 .. 2700: 2402 windows; 299 + 299 edge samples
  EXPECT_EQ(e.prediction.predicted, 2402u);
  EXPECT_EQ(e.prediction.edge_samples, 598u);
  EXPECT_EQ(e.metrics.samples, 2402u);
  EXPECT_FALSE(e.prediction.scored[298]);
  EXPECT_TRUE(e.prediction.scored[299]);
  EXPECT_TRUE(e.prediction.scored[2700]);
  EXPECT_FALSE(e.prediction.scored[2701]);
  EXPECT_TRUE(std::isnan(e.prediction.watts[0]));
  EXPECT_EQ(oracle.bad_windows, 0);
  EXPECT_LE(oracle.max_count, 256u);
  EXPECT_EQ(oracle.calls, 10);  // ceil(2402 / 256)
  EXPECT_NEAR(e.metrics.mae_w, 0, 1e-3);
  EXPECT_NEAR(e.metrics.sae, 0, 1e-6);
  EXPECT_DOUBLE_EQ(e.metrics.f1, 1);
  EXPECT_DOUBLE_EQ(e.metrics.mcc, 1);
  EXPECT_DOUBLE_EQ(e.metrics.accuracy, 1);
  // activations fully inside 299..2700: those starting at 350, 450, ..., 2650: 24
  EXPECT_EQ(e.true_activations, 24u);
  EXPECT_EQ(e.pred_activations, 24u);
}

TEST(EvaluateHouse, ConstantOffsetGivesExactMetrics) {
  House h = kettle_house(3000);
  OraclePredictor oracle(h.target, 599, 10.0f);  // every prediction 10 W high
  Predictor* workers[] = {&oracle};
  auto e = evaluate_house(workers, h.view(), kScaling, kettle(), quiet());
  const double n = 2402, on = 24 * 5;
  EXPECT_NEAR(e.metrics.mae_w, 10, 1e-3);
  const double true_wh = on * 2000 * 8 / 3600.0, pred_wh = true_wh + n * 10 * 8 / 3600.0;
  EXPECT_NEAR(e.metrics.sae, (pred_wh - true_wh) / true_wh, 1e-6);
  EXPECT_NEAR(e.metrics.nde, n * 100 / (on * 2000.0 * 2000.0), 1e-6);
  EXPECT_NEAR(e.metrics.true_energy_kwh, true_wh / 1000, 1e-9);
  EXPECT_DOUBLE_EQ(e.metrics.f1, 1);  // 10 W never crosses the 1500 W threshold
}

TEST(EvaluateHouse, NegativePredictionsAreClippedAndCounted) {
  House h = kettle_house(1000);
  OraclePredictor oracle(h.target, 599, -50.0f);  // off samples go to -50 W -> 0
  Predictor* workers[] = {&oracle};
  auto e = evaluate_house(workers, h.view(), kScaling, kettle(), quiet());
  // mids 299..700 = 402; on samples among them: 350-354, 450-454, ..., 650-654 -> 4 runs of 5
  EXPECT_EQ(e.prediction.predicted, 402u);
  EXPECT_EQ(e.prediction.clipped_negative, 402u - 20u);
  EXPECT_NEAR(e.metrics.mae_w, 50.0 * 20 / 402, 1e-3);
}

TEST(EvaluateHouse, WindowsTouchingAMissingSampleGetNoPrediction) {
  House h = kettle_house(3000);
  h.missing.assign(3000, 0);
  h.missing[1500] = 1;
  OraclePredictor oracle(h.target, 599);
  Predictor* workers[] = {&oracle};
  auto e = evaluate_house(workers, h.view(), kScaling, kettle(), quiet(100));
  EXPECT_TRUE(e.prediction.scored[1200]);    // window 901..1499
  EXPECT_FALSE(e.prediction.scored[1201]);   // window 902..1500
  EXPECT_FALSE(e.prediction.scored[1799]);   // window 1500..2098
  EXPECT_TRUE(e.prediction.scored[1800]);
  EXPECT_EQ(e.prediction.gap_samples, 599u);
  EXPECT_EQ(e.prediction.predicted, 2402u - 599u);
  EXPECT_EQ(e.metrics.samples, 2402u - 599u);
  EXPECT_EQ(oracle.bad_windows, 0);
  EXPECT_DOUBLE_EQ(e.metrics.f1, 1);
}

TEST(EvaluateHouse, SeriesShorterThanAWindowGetsNothingAndNoCrash) {
  House h = kettle_house(500);
  OraclePredictor oracle(h.target, 599);
  Predictor* workers[] = {&oracle};
  auto e = evaluate_house(workers, h.view(), kScaling, kettle(), quiet());
  EXPECT_EQ(e.prediction.predicted, 0u);
  EXPECT_EQ(e.prediction.edge_samples, 500u);
  EXPECT_EQ(oracle.calls, 0);
  EXPECT_TRUE(std::isnan(e.metrics.mae_w));
  EXPECT_TRUE(std::isnan(e.metrics.f1));
}

TEST(EvaluateHouse, ThreadsGiveIdenticalResults) {
  House h = kettle_house(20000);
  h.missing.assign(20000, 0);
  h.missing[7000] = 1;
  for (std::size_t i = 0; i < h.aggregate.size(); ++i) h.aggregate[i] = static_cast<float>((i * 7919) % 3001);
  WindowMeanPredictor one;
  Predictor* single[] = {&one};
  auto a = evaluate_house(single, h.view(), kScaling, kettle(), quiet(37));
  std::vector<std::unique_ptr<WindowMeanPredictor>> own;
  std::vector<Predictor*> four;
  for (int k = 0; k < 4; ++k) {
    own.push_back(std::make_unique<WindowMeanPredictor>());
    four.push_back(own.back().get());
  }
  auto b = evaluate_house(four, h.view(), kScaling, kettle(), quiet(37));
  ASSERT_EQ(a.prediction.watts.size(), b.prediction.watts.size());
  for (std::size_t i = 0; i < a.prediction.watts.size(); ++i) {
    if (std::isnan(a.prediction.watts[i])) {
      EXPECT_TRUE(std::isnan(b.prediction.watts[i])) << i;
    } else {
      ASSERT_EQ(a.prediction.watts[i], b.prediction.watts[i]) << i;
    }
  }
  EXPECT_EQ(a.metrics.mae_w, b.metrics.mae_w);
  EXPECT_EQ(a.metrics.tp, b.metrics.tp);
  EXPECT_EQ(a.prediction.gap_samples, b.prediction.gap_samples);
}

TEST(EvaluateHouse, PredictorExceptionsReachTheCaller) {
  struct Throwing : Predictor {
    int window() const override { return 9; }
    std::string describe() const override { return "throws"; }
    void predict(const float*, std::size_t, float*) override { throw std::runtime_error("boom"); }
  } bad;
  House h = kettle_house(1000);
  Predictor* workers[] = {&bad, &bad};
  EXPECT_THROW(evaluate_house(workers, h.view(), kScaling, kettle(), quiet(16)), std::runtime_error);
}

}  // namespace
}  // namespace nilm::eval
