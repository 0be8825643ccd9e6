// `nilm evaluate`: score models (and the trivial baselines) on a prepared store's houses.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "convert/convert.h"
#include "core/error.h"
#include "data/store.h"
#include "eval/evaluation.h"
#include "eval/mode_table.h"
#include "eval/report.h"
#include "model/tflite.h"
#include "perf/benchmark.h"
#include "quant/modes.h"
#include "quant/selective.h"
#include "train/checkpoint_file.h"

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
  // --modes: one checkpoint converted in every listed mode (quant/selective.h, eval/mode_table.h)
  std::string modes, modes_dir, markdown, calibration_store, calibration_houses = "train";
  std::size_t calibration_windows = 256, latency_runs = 500;
  std::uint64_t calibration_seed = 1;
  int latency_threads = 0;  // 0: --threads
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

std::vector<std::string> evaluated_houses(const data::Store& store, const EvaluateArgs& a);

// "all" or a comma list of modes, each optionally "<mode>:auto" (the debugger's suspects float).
std::vector<std::string> mode_list(const std::string& spec) {
  std::vector<std::string> out;
  for (const auto& m : split_commas(spec)) {
    if (m == "all") {
      for (const auto& t : quant::all_modes()) out.emplace_back(t.name);
      continue;
    }
    const std::string base = m.size() > 5 && m.ends_with(":auto") ? m.substr(0, m.size() - 5) : m;
    quant::parse_mode(base);  // names the valid modes if this one is not
    out.push_back(m);
  }
  if (out.empty()) fail("--modes: no mode given (all, or e.g. convert_only,w8_a8,w8_a8:auto)");
  return out;
}

// The reference's table: the checkpoint converted in each mode, every file scored on the
// houses, timed at batch 1 with 1 and N threads, sized on disk and in memory.
void run_modes(const EvaluateArgs& a) {
  namespace fs = std::filesystem;
  if (a.models.size() != 1 || eval::is_baseline_name(a.models[0]))
    fail("--modes takes exactly one --model: a checkpoint (.nilmckpt) or a training directory");
  std::string checkpoint = a.models[0];
  if (fs::is_directory(checkpoint)) checkpoint = (fs::path(checkpoint) / "best.nilmckpt").string();
  const auto modes = mode_list(a.modes);
  const model::Graph float_graph =
      convert::checkpoint_to_graph(train::read_checkpoint_file(checkpoint), checkpoint, {});
  const auto store = data::Store::open(a.store);
  // A quick evaluation store (a few days of the test house) may have no training houses to
  // calibrate on: --calibration-store names the training store then.
  const auto calibration_store = data::Store::open(a.calibration_store.empty() ? a.store : a.calibration_store);
  const fs::path dir = a.modes_dir.empty() ? fs::temp_directory_path() / "nilm_modes" : fs::path(a.modes_dir);
  fs::create_directories(dir);
  quant::StoreCalibration calibration;
  calibration.houses = a.calibration_houses;
  calibration.windows = a.calibration_windows;
  calibration.seed = a.calibration_seed;

  eval::EvaluationOptions options;
  options.appliance = a.appliance;
  options.houses = evaluated_houses(store, a);
  options.batch = a.batch;
  options.threads = a.threads;
  options.baselines.clear();
  const int n_threads = a.latency_threads > 0 ? a.latency_threads : a.threads;

  std::vector<eval::ModeRow> rows;
  const std::string stem = fs::path(checkpoint).stem().string();
  for (const auto& m : modes) {
    const bool selective = m.ends_with(":auto");
    quant::QuantizeOptions q;
    q.mode = quant::parse_mode(selective ? m.substr(0, m.size() - 5) : m);
    eval::ModeRow row;
    row.mode = m;
    if (selective) {
      q.keep_float = quant::auto_keep_float(float_graph, q, calibration_store, calibration);
      row.kept_float = q.keep_float.size();
      std::string list;
      for (const auto& l : q.keep_float) list += (list.empty() ? "" : ",") + l;
      row.note = q.keep_float.empty() ? "no suspect above 0.7: same as " + std::string(quant::traits(q.mode).name)
                                      : "kept float32: " + list;
    }
    std::fprintf(stderr, "mode %s: converting\n", m.c_str());
    const model::Graph g = q.mode == quant::Mode::convert_only && q.keep_float.empty()
                               ? float_graph
                               : quant::quantize_from_store(float_graph, q, calibration_store, calibration);
    std::string name = m;
    std::replace(name.begin(), name.end(), ':', '_');
    row.path = (dir / (stem + "_" + name + ".tflite")).string();
    model::save_tflite(g, row.path);
    row.disk_bytes = static_cast<std::size_t>(fs::file_size(row.path));

    // At most latency_runs or half a second per thread count, after 20 warm-up runs: 50 runs
    // (5 ms for the int8 CNN) right after the conversion let one burst of load decide a median.
    perf::BenchOptions bench;
    bench.runs = a.latency_runs;
    bench.seconds = 0.5;
    bench.warmup = 20;
    bench.profile_runs = 0;
    bench.threads = 1;
    const auto one = perf::benchmark_model(row.path, bench);
    bench.threads = n_threads;
    const auto many = perf::benchmark_model(row.path, bench);
    row.latency_us_1 = one.latency.median_us;
    row.latency_us_n = many.latency.median_us;
    row.threads_n = n_threads;
    row.arena_bytes = one.arena_bytes;
    row.weights_bytes = one.weights_bytes;
    row.prepared_bytes = one.prepared_bytes;

    std::vector<eval::ModelUnderTest> models;
    models.push_back({m, eval::make_predictors(row.path, a.threads)});
    const auto evaluated = eval::evaluate_store(store, models, options);
    const eval::EvalRow* pooled = &evaluated.back();
    for (const auto& r : evaluated)
      if (r.house == "all") pooled = &r;
    row.house = pooled->house;
    row.metrics = pooled->metrics;
    rows.push_back(row);
  }
  std::printf("%s on %s (%s), batch-1 median latency, RAM = arena + weights + packed copies:\n",
              checkpoint.c_str(), rows.front().house.c_str(), a.appliance.c_str());
  std::fputs(eval::format_mode_table(rows).c_str(), stdout);
  if (!a.markdown.empty()) eval::write_mode_markdown(rows, a.markdown), std::printf("wrote %s\n", a.markdown.c_str());
  if (!a.json.empty()) eval::write_mode_json(rows, a.json), std::printf("wrote %s\n", a.json.c_str());
}

std::vector<std::string> evaluated_houses(const data::Store& store, const EvaluateArgs& a) {
  std::vector<std::string> houses;
  if (a.houses == "test" || a.houses == "validation" || a.houses == "train")
    houses = store.split(a.appliance, a.houses);
  else
    houses = split_commas(a.houses);
  if (houses.empty()) fail(a.store + ": no houses in the " + a.appliance + " " + a.houses + " split");
  return houses;
}

void run(const EvaluateArgs& a) {
  if (!a.modes.empty()) return run_modes(a);
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
  cmd->add_option("--modes", args->modes,
                  "Convert the one --model checkpoint in these quantization modes and print the reference's "
                  "table (accuracy, latency at 1 and N threads, disk, memory): all, or a comma list of " +
                      quant::mode_names() + "; \"<mode>:auto\" keeps the debugger's suspects float32");
  cmd->add_option("--modes-dir", args->modes_dir, "Where --modes writes the converted .tflite files (default: a temp dir)");
  cmd->add_option("--markdown", args->markdown, "With --modes: also write the table as Markdown to this file");
  cmd->add_option("--calibration-store", args->calibration_store,
                  "With --modes: store of the calibration windows (default --store; give the training store when "
                  "--store is a quick evaluation set)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--calibration-houses", args->calibration_houses,
                  "With --modes: split or houses of the balanced calibration windows")
      ->capture_default_str();
  cmd->add_option("--calibration-windows", args->calibration_windows, "With --modes: calibration windows")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  cmd->add_option("--calibration-seed", args->calibration_seed, "With --modes: seed of the calibration draw")
      ->capture_default_str();
  cmd->add_option("--latency-runs", args->latency_runs, "With --modes: timed batch-1 runs per thread count, at most (and 0.5 s at most)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--latency-threads", args->latency_threads, "With --modes: N of the N-thread latency (default --threads)")
      ->check(CLI::Range(1, 256));
  cmd->callback([args] {
    if (args->models.empty() && args->no_baselines)
      throw CLI::ValidationError("--model", "nothing to evaluate: give --model or drop --no-baselines");
    run(*args);
  });
}

}  // namespace nilm::cli
