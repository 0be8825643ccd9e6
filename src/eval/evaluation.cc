#include "eval/evaluation.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/evaluate_house.h"
#include "eval/power_plot.h"

namespace nilm::eval {

namespace {

const float* appliance_or_fail(const data::HouseView& h, const std::string& appliance,
                               const std::string& store_dir) {
  const float* w = h.appliance(appliance);
  if (!w) fail(store_dir + ": house " + h.name + " has no " + appliance + " channel");
  return w;
}

// The model's own constants where it knows them, the store's otherwise.
ModelScaling scaling_for(const ModelUnderTest& m, const data::Store& store,
                         const data::ApplianceParams& params) {
  ModelFacts f = m.predictors.workers.at(0)->facts();
  if (!f.appliance.empty() && f.appliance != params.name)
    fail(m.name + ": the model was trained for " + f.appliance + ", not " + params.name);
  data::Scaling s = store.scaling();
  return {std::isfinite(f.aggregate_mean) ? f.aggregate_mean : s.aggregate_mean,
          std::isfinite(f.aggregate_std) ? f.aggregate_std : s.aggregate_std,
          std::isfinite(f.max_power_w) ? f.max_power_w : params.max_power_w};
}

EvalRow make_row(const std::string& appliance, const std::string& model, const std::string& house,
                 const SeriesPrediction& p, std::size_t true_act, std::size_t pred_act,
                 const Metrics& m) {
  EvalRow r;
  r.appliance = appliance, r.model = model, r.house = house, r.metrics = m;
  r.windows = p.predicted, r.edge_samples = p.edge_samples, r.gap_samples = p.gap_samples;
  r.clipped_negative = p.clipped_negative, r.non_finite = p.non_finite;
  r.true_activations = true_act, r.pred_activations = pred_act;
  r.seconds = p.seconds;
  r.windows_per_s = p.seconds > 0 ? static_cast<double>(p.predicted) / p.seconds : 0;
  return r;
}

bool is_baseline(const std::string& name) { return name.rfind("baseline:", 0) == 0; }

}  // namespace

bool is_baseline_name(const std::string& name) {
  return name == "baseline:off" || name == "baseline:mean";
}

double training_target_mean_w(const data::Store& store, const std::string& appliance) {
  double sum = 0;
  std::size_t count = 0;
  for (const auto& name : store.split(appliance, "train")) {
    data::HouseView h = store.house(name);
    const float* w = appliance_or_fail(h, appliance, store.dir());
    for (std::size_t i = 0; i < h.n; ++i)
      if (!h.missing || !h.missing[i]) sum += w[i], ++count;
  }
  if (count == 0) fail(store.dir() + ": no training samples of " + appliance + " for the mean baseline");
  return sum / static_cast<double>(count);
}

ModelUnderTest always_off_baseline(int window, int threads) {
  return {"baseline:off", share_predictor(std::make_unique<ConstantPredictor>(0.0f, window, "always off"), threads)};
}

ModelUnderTest mean_baseline(const data::Store& store, const std::string& appliance, int window,
                             int threads) {
  const auto& params = store.appliances().get(appliance);
  double mean_w = training_target_mean_w(store, appliance);
  auto p = std::make_unique<ConstantPredictor>(static_cast<float>(mean_w / params.max_power_w), window,
                                               "training mean " + std::to_string(mean_w) + " W");
  return {"baseline:mean", share_predictor(std::move(p), threads)};
}

std::vector<EvalRow> evaluate_store(const data::Store& store, std::vector<ModelUnderTest>& models,
                                    const EvaluationOptions& options, const PlotRequest& plot) {
  const auto& params = store.appliances().get(options.appliance);
  std::vector<std::string> houses = options.houses;
  if (houses.empty()) houses = store.split(options.appliance, "test");
  if (houses.empty()) fail(store.dir() + ": no test houses for " + options.appliance);
  for (const auto& h : houses) appliance_or_fail(store.house(h), options.appliance, store.dir());

  std::vector<ModelUnderTest*> all;
  for (auto& m : models) all.push_back(&m);
  std::vector<ModelUnderTest> baselines;
  const int window = models.empty() ? 599 : models.front().predictors.workers.at(0)->window();
  for (const auto& name : options.baselines) {
    if (name == "baseline:off")
      baselines.push_back(always_off_baseline(window, options.threads));
    else if (name == "baseline:mean")
      baselines.push_back(mean_baseline(store, options.appliance, window, options.threads));
    else
      fail(name + ": unknown baseline (known: baseline:off, baseline:mean)");
  }
  for (auto& b : baselines) all.push_back(&b);
  if (all.empty()) fail("evaluate: no model to evaluate");

  const std::string plot_house = plot.house.empty() ? houses.front() : plot.house;
  if (!plot.path.empty() && std::find(houses.begin(), houses.end(), plot_house) == houses.end())
    fail(plot.path + ": plot house " + plot_house + " is not among the evaluated houses");
  if (!plot.path.empty())
    check_plot_span(plot.path, store.period_s(), store.house(plot_house).n, plot.start_hours, plot.hours);
  std::vector<std::pair<std::string, std::vector<float>>> plotted;  // model -> predicted watts

  std::vector<EvalRow> rows;
  for (ModelUnderTest* m : all) {
    ModelScaling scaling = scaling_for(*m, store, params);
    MetricSums pooled;
    SeriesPrediction total;
    std::size_t true_act = 0, pred_act = 0;
    for (const auto& name : houses) {
      data::HouseView h = store.house(name);
      HouseSeriesView view{name, h.aggregate, h.missing, h.appliance(options.appliance), h.n,
                           store.period_s(), h.start_unix};
      PredictOptions po;
      po.batch = options.batch;
      po.show_progress = options.show_progress;
      std::string label = m->name + " " + name;
      po.label = label.c_str();
      HouseEvaluation e = evaluate_house(m->predictors.workers, view, scaling, params, po);
      rows.push_back(make_row(options.appliance, m->name, name, e.prediction, e.true_activations,
                              e.pred_activations, e.metrics));
      pooled.merge(e.sums);
      total.predicted += e.prediction.predicted, total.edge_samples += e.prediction.edge_samples;
      total.gap_samples += e.prediction.gap_samples;
      total.clipped_negative += e.prediction.clipped_negative;
      total.non_finite += e.prediction.non_finite, total.seconds += e.prediction.seconds;
      true_act += e.true_activations, pred_act += e.pred_activations;
      if (!plot.path.empty() && name == plot_house)
        plotted.emplace_back(m->name, std::move(e.prediction.watts));
    }
    if (houses.size() > 1)
      rows.push_back(make_row(options.appliance, m->name, "all", total, true_act, pred_act, pooled.finish()));
  }

  if (!plot.path.empty()) {
    data::HouseView h = store.house(plot_house);
    std::vector<float> aggregate(h.aggregate, h.aggregate + h.n), target(h.n);
    const float* true_w = h.appliance(options.appliance);
    for (std::size_t i = 0; i < h.n; ++i) {  // gaps drawn as gaps, not as 0 W
      bool missing = h.missing && h.missing[i];
      aggregate[i] = missing ? std::nanf("") : aggregate[i];
      target[i] = missing ? std::nanf("") : true_w[i];
    }
    std::vector<PowerTrace> traces{{"aggregate", aggregate.data()},
                                   {"true " + options.appliance, target.data()}};
    // Baselines are flat lines: drawn only when there is no real model to show.
    bool any_model = std::any_of(plotted.begin(), plotted.end(), [](const auto& p) { return !is_baseline(p.first); });
    for (const auto& [name, watts] : plotted)
      if (!any_model || !is_baseline(name)) traces.push_back({"predicted (" + name + ")", watts.data()});
    write_power_plot(plot.path, plot_house + " " + options.appliance + ": aggregate, true and predicted power",
                     store.period_s(), h.start_unix, h.n, plot.start_hours, plot.hours, traces);
  }
  return rows;
}

}  // namespace nilm::eval
