// One model on one house: predictions, the status rule on both series, the metrics.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/appliance.h"
#include "eval/metrics.h"
#include "eval/predict_series.h"

namespace nilm::eval {

struct HouseSeriesView {
  std::string name;
  const float* aggregate = nullptr;
  const std::uint8_t* missing = nullptr;  // nullptr: nothing missing
  const float* target_w = nullptr;        // the appliance's true power
  std::size_t n = 0;
  double period_s = 8;
  std::int64_t start_unix = 0;
};

struct HouseEvaluation {
  SeriesPrediction prediction;
  std::vector<std::uint8_t> true_on, pred_on;  // status rule on scored stretches; 0 elsewhere
  std::size_t true_activations = 0, pred_activations = 0;
  MetricSums sums;
  Metrics metrics;
};

// Only samples that got a prediction are scored (the first and last window/2 samples and
// those whose window touches a gap are not). The status rule runs on each stretch of scored
// samples separately, on the true and the predicted power alike, so neither side's filling or
// dropping reaches across an unscored gap.
HouseEvaluation evaluate_house(std::span<Predictor* const> workers, const HouseSeriesView& house,
                               const ModelScaling& scaling, const data::ApplianceParams& appliance,
                               const PredictOptions& options = {});

}  // namespace nilm::eval
