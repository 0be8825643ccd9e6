// `nilm inspect`: the quantization debugger on a quantized .tflite (docs/quantization.md).
#include <fmt/format.h>

#include "cli/commands.h"
#include "core/error.h"
#include "data/store.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "plot/plot.h"
#include "quant/calibration.h"
#include "quant/debugger.h"

namespace nilm::cli {
namespace {

struct InspectArgs {
  std::string model, store, houses = "train", csv, png;
  std::size_t windows = 256;
  std::uint64_t seed = 1;
  double threshold = quant::default_suspect_threshold;
  int threads = 1;
  bool all = false;
};

std::vector<std::string> houses_of(const data::Store& store, const std::string& appliance, const std::string& spec) {
  if (spec == "train" || spec == "validation" || spec == "test") return store.split(appliance, spec);
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    if (end > start) out.push_back(spec.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void run_inspect(const InspectArgs& a) {
  const model::Graph graph = model::load_tflite(a.model);
  const model::ModelInfo info = model::model_info(graph, a.model);
  const data::Store store = data::Store::open(a.store);
  const auto houses = houses_of(store, info.appliance, a.houses);
  if (houses.empty()) fail(a.store + ": no houses in '" + a.houses + "' for " + info.appliance);
  const std::vector<float> windows = quant::balanced_windows(store, info.appliance, houses, a.windows, a.seed, info.window);
  quant::DebugOptions options;
  options.threshold = a.threshold;
  options.threads = a.threads;
  const quant::DebugReport report = quant::debug_layers(graph, windows.data(), a.windows, options);
  fmt::print("{}: {} {} model, {}; {} balanced windows of {} (seed {})\n", a.model, info.appliance,
             info.architecture, info.quantization, a.windows, a.houses, a.seed);
  std::size_t hidden = 0;
  const quant::DebugReport shown = a.all ? report : quant::without_exact_moves(report, &hidden);
  std::fputs(quant::format_debug_table(shown).c_str(), stdout);
  if (hidden) fmt::print("({} data-movement layers reproduce their float op exactly and are not shown: --all)\n", hidden);
  const auto suspects = quant::suspect_layers(report);
  if (!suspects.empty()) {
    std::string list;
    for (const auto& s : suspects) list += (list.empty() ? "" : ",") + s;
    fmt::print("keep these float with: nilm convert ... --keep-float {}\n", list);
  }
  if (!a.csv.empty()) quant::write_debug_csv(report, a.csv), fmt::print("wrote {}\n", a.csv);
  if (!a.png.empty()) {
    plot::write_png(quant::debug_chart(shown, a.model + " (" + info.quantization +
                                                   "): rmse/scale per layer; lines at 0.289 (rounding) and the threshold"),
                    a.png);
    fmt::print("wrote {}\n", a.png);
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Quantization debugger: per quantized layer of a .tflite, the float op on the same dequantized inputs\n"
      "vs the integer output, as rmse/scale (0.289 = rounding noise alone); suspects above a threshold");
  cmd->add_option("model", a->model, "Quantized .tflite model (float32 input)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--store", a->store, "Prepared store the windows come from")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--houses", a->houses,
                  "train, validation or test (the store's split for the model's appliance), or a comma list of houses")
      ->capture_default_str();
  cmd->add_option("--windows", a->windows, "Balanced windows to run (half on, half off midpoints)")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the windows' draw")->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "rmse/scale above which a layer is a suspect (TFLite's guide: 0.7)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "Threads of the quantized model's interpreter")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--all", a->all, "Also show RESHAPE / MAX_POOL_2D / ... layers that are exact (the CSV has them always)");
  cmd->add_option("--csv", a->csv, "Also write the per-layer table as CSV to this file (every layer)");
  cmd->add_option("--png", a->png, "Also write a bar chart of rmse/scale per layer to this PNG");
  cmd->callback([a] { run_inspect(*a); });
}

}  // namespace nilm::cli
