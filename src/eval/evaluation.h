// Evaluating models on a prepared store: every chosen house, every model, plus the two
// trivial baselines (always off; the training target's mean) so users see what a model beat.
#pragma once

#include <string>
#include <vector>

#include "data/store.h"
#include "eval/metrics.h"
#include "eval/registry.h"

namespace nilm::eval {

// One row of the results: one model (or baseline) on one house, or pooled over all ("all").
struct EvalRow {
  std::string appliance, model, house;
  Metrics metrics;
  std::size_t windows = 0;            // predictions made
  std::size_t edge_samples = 0;       // no whole window fits (first/last window/2 samples)
  std::size_t gap_samples = 0;        // window touches a missing sample
  std::size_t clipped_negative = 0;   // predictions below 0 W set to 0
  std::size_t non_finite = 0;         // NaN/inf model outputs
  std::size_t true_activations = 0, pred_activations = 0;
  double seconds = 0;                 // prediction wall time
  double windows_per_s = 0;
};

struct ModelUnderTest {
  std::string name;        // row label: the path, or "baseline:off"
  PredictorSet predictors; // one per worker thread
};

struct EvaluationOptions {
  std::string appliance;
  std::vector<std::string> houses;  // empty: the store's test split for the appliance
  std::size_t batch = 256;
  int threads = 1;                  // workers for the baselines (models bring their own set)
  // Baselines appended after the models: "baseline:off" (always 0 W), "baseline:mean" (the
  // training target's mean power).
  std::vector<std::string> baselines = {"baseline:off", "baseline:mean"};
  bool show_progress = true;
};

// Optional picture: aggregate, true and predicted power of one house over a time span.
struct PlotRequest {
  std::string path;        // empty: no plot
  std::string house;       // empty: the first evaluated house
  double start_hours = 0;  // from the house's first sample
  double hours = 24;
};

// Mean true power (W) of the appliance over the training houses' non-missing samples.
double training_target_mean_w(const data::Store& store, const std::string& appliance);

bool is_baseline_name(const std::string& name);  // "baseline:off" | "baseline:mean"

// The two baselines, for `threads` workers, with the given window (the models' window, so
// they are scored on the same samples).
ModelUnderTest always_off_baseline(int window, int threads);
ModelUnderTest mean_baseline(const data::Store& store, const std::string& appliance, int window,
                             int threads);

// Rows: per model (in order, baselines last), one per house and, with several houses, one
// pooled row "all". Throws naming the house/appliance when the store lacks them, or the model
// when its facts() name another appliance.
std::vector<EvalRow> evaluate_store(const data::Store& store, std::vector<ModelUnderTest>& models,
                                    const EvaluationOptions& options, const PlotRequest& plot = {});

}  // namespace nilm::eval
