// `nilm evaluate`: score models (and the trivial baselines) on a prepared store's houses.
#include <fmt/format.h>

#include <thread>

#include "cli/commands.h"
#include "core/error.h"
#include "data/store.h"
#include "eval/evaluation.h"
#include "eval/report.h"

namespace nilm::cli {

namespace {

struct EvaluateArgs {
  std::string store, appliance, houses = "test";
  std::vector<std::string> models;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::size_t batch = 256;
  bool no_baselines = false;
  std::string json, csv, plot, plot_house;
  double plot_start = 0, plot_hours = 24;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void run(const EvaluateArgs& a) {
  auto store = data::Store::open(a.store);
  eval::EvaluationOptions options;
  options.appliance = a.appliance;
  store.appliances().get(a.appliance);  // names the known appliances if this one is not
  if (a.houses == "test" || a.houses == "validation" || a.houses == "train")
    options.houses = store.split(a.appliance, a.houses);
  else
    options.houses = split_commas(a.houses);
  if (options.houses.empty())
    fail(a.store + ": no houses in the " + a.appliance + " " + a.houses + " split");
  options.batch = a.batch;
  options.threads = a.threads;

  // Real models are loaded by file type; baselines named in --model replace the default pair.
  std::vector<eval::ModelUnderTest> models;
  std::vector<std::string> named_baselines;
  for (const auto& m : a.models) {
    if (eval::is_baseline_name(m))
      named_baselines.push_back(m);
    else if (m.rfind("baseline:", 0) == 0)
      fail(m + ": unknown baseline (known: baseline:off, baseline:mean)");
    else
      models.push_back({m, eval::make_predictors(m, a.threads)});
  }
  if (!named_baselines.empty())
    options.baselines = named_baselines;
  else if (a.no_baselines)
    options.baselines.clear();

  eval::PlotRequest plot{a.plot, a.plot_house, a.plot_start, a.plot_hours};
  auto rows = eval::evaluate_store(store, models, options, plot);

  std::fputs(eval::format_table(rows).c_str(), stdout);
  std::fputs(eval::compare_to_baselines(rows).c_str(), stdout);
  // What got no prediction or was clipped, so nothing is dropped silently.
  for (const auto& r : rows) {
    if (r.house == "all") continue;
    std::printf("%s %s: %zu windows in %.2f s; no prediction for %zu edge and %zu gap samples; "
                "%zu predictions clipped at 0 W; %zu non-finite\n",
                r.model.c_str(), r.house.c_str(), r.windows, r.seconds, r.edge_samples,
                r.gap_samples, r.clipped_negative, r.non_finite);
  }
  if (!a.json.empty()) eval::write_json(rows, a.json), std::printf("wrote %s\n", a.json.c_str());
  if (!a.csv.empty()) eval::write_csv(rows, a.csv), std::printf("wrote %s\n", a.csv.c_str());
  if (!a.plot.empty()) std::printf("wrote %s\n", a.plot.c_str());
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto args = std::make_shared<EvaluateArgs>();
  auto* cmd = app.add_subcommand(
      "evaluate",
      "Score models on a store's houses (MAE, SAE, NDE, EpD, F1, MCC, ...) next to the always-off\n"
      "and training-mean baselines; table, JSON, CSV, power plot (docs/metrics.md)");
  cmd->add_option("--store", args->store, "Prepared store directory (from nilm prepare)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--appliance", args->appliance, "Appliance to evaluate, e.g. kettle")->required();
  cmd->add_option("--model", args->models,
                  "Model file (LibTorch checkpoint or .tflite, by file type), or baseline:off / "
                  "baseline:mean; repeat to compare several");
  cmd->add_option("--houses", args->houses,
                  "test, validation or train (the store's split for the appliance), or a comma "
                  "list of houses, e.g. House2,House5")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads running the models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Windows per model call")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--no-baselines", args->no_baselines, "Do not add the two baseline rows");
  cmd->add_option("--json", args->json, "Also write the rows as JSON to this file");
  cmd->add_option("--csv", args->csv, "Also write the rows as CSV to this file");
  cmd->add_option("--plot", args->plot,
                  "Write a PNG of aggregate, true and predicted power to this file");
  cmd->add_option("--plot-house", args->plot_house, "House to plot (default: the first evaluated)");
  cmd->add_option("--plot-start", args->plot_start, "Plot from this many hours after the house's first sample")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--plot-hours", args->plot_hours, "Hours to plot")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([args] {
    if (args->models.empty() && args->no_baselines)
      throw CLI::ValidationError("--model", "nothing to evaluate: give --model or drop --no-baselines");
    run(*args);
  });
}

}  // namespace nilm::cli
