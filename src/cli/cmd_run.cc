// `nilm run`: predictions of a .tflite model on windows read from a file, with our runtime.
// Also the .tflite loader behind `nilm evaluate` (eval::Predictor over runtime::WindowRunner).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "cli/commands.h"
#include "core/error.h"
#include "eval/predictor.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "runtime/batch_tuning.h"
#include "runtime/rebatch.h"
#include "runtime/window_runner.h"

namespace nilm::cli {
namespace {

// Loads `path`, batched to `batch` windows per run when the model takes one window (a model
// that does not rebatch runs as it is; `note` says which).
runtime::Model load_batched(const std::string& path, int batch, const runtime::CompileOptions& options,
                            std::string* note) {
  model::Graph g = model::load_tflite(path);
  if (batch > 1) {
    try {
      g = runtime::rebatch(g, batch);
    } catch (const Error& e) {
      if (note) *note = std::string("not batched: ") + e.what();
    }
  }
  return runtime::Model::from_graph(std::move(g), options, path);
}

// Evaluation feeds thousands of windows: as many per run as are fastest per window here
// (runtime/batch_tuning.h: the CNN's weights read once per 16-64 windows, the transformer one
// window at a time).
runtime::Model load_for_throughput(const std::string& path, int threads) {
  model::Graph g = model::load_tflite(path);
  const int batch = runtime::fastest_batch(runtime::time_batches(g, {}, threads));
  if (batch > 1) g = runtime::rebatch(g, batch);
  return runtime::Model::from_graph(std::move(g), {}, path);
}

// A .tflite model as an eval::Predictor: windows arrive normalised, predictions leave scaled.
class TflitePredictor final : public eval::Predictor {
 public:
  TflitePredictor(const std::string& path, int threads)
      : model_(load_for_throughput(path, threads)), runner_(model_, threads), path_(path) {
    if (model::has_model_info(model_.graph())) {
      const model::ModelInfo info = model::model_info(model_.graph(), path);
      facts_.appliance = info.appliance;
      facts_.aggregate_mean = info.aggregate_mean;
      facts_.aggregate_std = info.aggregate_std;
      if (info.max_power_w > 0) facts_.max_power_w = info.max_power_w;
    }
  }
  int window() const override { return runner_.window(); }
  std::string describe() const override {
    return path_ + " (nilm runtime, " + std::to_string(runner_.batch()) + " window(s) per run: the fastest here)";
  }
  void predict(const float* inputs, std::size_t count, float* out) override {
    runner_.predict(inputs, count, out);
  }
  eval::ModelFacts facts() const override { return facts_; }

 private:
  runtime::Model model_;
  runtime::WindowRunner runner_;
  std::string path_;
  eval::ModelFacts facts_;
};

struct RunOptions {
  std::string model_path, input_path;
  int threads = 1, batch = 1;
  bool normalised = false, reference = false, timing = false;
};

void run(const RunOptions& o) {
  runtime::CompileOptions compile;
  if (o.reference) compile.tier = runtime::Tier::reference;
  std::string batch_note;
  const runtime::Model model = load_batched(o.model_path, o.batch, compile, &batch_note);
  if (!batch_note.empty()) fmt::print(stderr, "nilm run: {}\n", batch_note);
  runtime::WindowRunner runner(model, o.threads);
  std::vector<float> windows = runtime::read_windows(o.input_path, runner.window());
  const std::size_t count = windows.size() / std::size_t(runner.window());

  const bool has_info = model::has_model_info(model.graph());
  model::ModelInfo info;
  if (has_info) info = model::model_info(model.graph(), o.model_path);
  const bool watts_in = has_info && !o.normalised;
  const bool watts_out = has_info && info.max_power_w > 0;
  if (watts_in)  // the model was trained on (watts - mean) / std
    for (float& v : windows) v = (v - info.aggregate_mean) / info.aggregate_std;

  std::vector<float> out(count);
  const auto t0 = std::chrono::steady_clock::now();
  runner.predict(windows.data(), count, out.data());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (watts_out) {
    fmt::print(stderr, "nilm run: {} window(s) of {} samples; inputs {}; outputs in watts ({} x P_m {} W, "
               "clipped at 0)\n", count, runner.window(),
               watts_in ? fmt::format("in watts, normalised with mean {} W, std {} W", info.aggregate_mean, info.aggregate_std)
                        : "already normalised (--normalised)",
               info.appliance.empty() ? "prediction" : info.appliance, info.max_power_w);
  } else {
    fmt::print(stderr, "nilm run: {} window(s) of {} samples; {}; outputs are the model's raw values\n",
               count, runner.window(),
               has_info ? "inputs normalised as the metadata says" : "the model has no nilm metadata: inputs fed as given");
  }
  for (float v : out) {
    if (watts_out) v = std::max(0.0f, v * info.max_power_w);
    fmt::print("{}\n", v);
  }
  if (o.timing)
    fmt::print(stderr, "nilm run: {:.1f} us per window ({} thread(s), {} window(s) per run, {} tier, arena {} bytes; "
               "kernels: {})\n", count ? seconds * 1e6 / double(count) : 0.0, o.threads, runner.batch(),
               o.reference ? "reference" : "optimized", runner.interpreter().arena_bytes(), model.kernel_summary());
}

}  // namespace

std::unique_ptr<eval::Predictor> load_tflite_predictor(const std::string& path, int threads) {
  return std::make_unique<TflitePredictor>(path, threads);
}

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a .tflite model on windows from a file with nilm's runtime; "
                                        "prints one prediction per window");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("model", o->model_path, "Model file (.tflite)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--input,-i", o->input_path,
                  "Windows to run: .bin = raw little-endian float32 (count x window values); otherwise "
                  "text, one window per line, values separated by commas or spaces, '#' comments")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads,-t", o->threads, "Threads per inference (a persistent pool)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--batch,-b", o->batch,
                  "Windows per run: a batch-1 model is rebatched so weights are read once per batch "
                  "(faster for many windows; results equal up to float rounding)")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--normalised", o->normalised,
                "Inputs are already (watts - mean) / std; default: watts when the model carries nilm "
                "metadata (then normalised here with its mean and std)");
  cmd->add_flag("--reference", o->reference, "Use only the reference kernels (slow; the oracle)");
  cmd->add_flag("--timing", o->timing, "Print the time per window and the kernels used to stderr");
  cmd->callback([o] { run(*o); });
}

}  // namespace nilm::cli
