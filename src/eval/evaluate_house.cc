#include "eval/evaluate_house.h"

#include "data/status.h"

namespace nilm::eval {

HouseEvaluation evaluate_house(std::span<Predictor* const> workers, const HouseSeriesView& house,
                               const ModelScaling& scaling, const data::ApplianceParams& appliance,
                               const PredictOptions& options) {
  HouseEvaluation e;
  e.prediction = predict_series(workers, {house.aggregate, house.missing, house.n}, scaling, options);
  std::vector<std::uint8_t> unscored(house.n);
  for (std::size_t i = 0; i < house.n; ++i) unscored[i] = !e.prediction.scored[i];
  e.true_on = data::on_off_status_segmented(house.target_w, unscored.data(), house.n, appliance,
                                            house.period_s);
  e.pred_on = data::on_off_status_segmented(e.prediction.watts.data(), unscored.data(), house.n,
                                            appliance, house.period_s);
  e.true_activations = data::count_activations(e.true_on.data(), house.n);
  e.pred_activations = data::count_activations(e.pred_on.data(), house.n);
  e.sums.add(house.target_w, e.prediction.watts.data(), e.true_on.data(), e.pred_on.data(),
             e.prediction.scored.data(), house.n, house.period_s,
             static_cast<double>(house.start_unix));
  e.metrics = e.sums.finish();
  return e;
}

}  // namespace nilm::eval
