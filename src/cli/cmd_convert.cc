// `nilm convert`: a trained checkpoint (.nilmckpt or a training directory) to a float32
// .tflite file that nilm's runtime, `nilm evaluate` and TFLite/LiteRT run as it is.
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "convert/convert.h"
#include "core/error.h"
#include "convert/onnx_export.h"
#include "data/store.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "quant/calibration.h"
#include "quant/debugger.h"
#include "quant/quantize.h"

namespace nilm::cli {
namespace {

struct ConvertCliOptions {
  std::string checkpoint, output, mode = "convert_only";
  std::string format;  // tflite | onnx; empty: from the output's extension (.onnx), else tflite
  int batch = 1;
  // --mode: quantization (src/quant, docs/quantization.md)
  std::string store, estimator = "minmax", houses = "train";
  std::size_t calibration_windows = 256;
  std::uint64_t calibration_seed = 1;
  bool int8_io = false;
  std::vector<std::string> keep_float;
  int threads = 1;
};

// The float graph rewritten for --mode; calibrated on balanced windows of the store's houses.
model::Graph apply_mode(model::Graph graph, const ConvertCliOptions& o) {
  quant::QuantizeOptions q;
  q.mode = quant::parse_mode(o.mode);
  q.int8_io = o.int8_io;
  q.keep_float = o.keep_float;
  const quant::ModeTraits& mode = quant::traits(q.mode);
  if (q.mode == quant::Mode::convert_only && !o.int8_io && o.keep_float.empty()) return graph;
  quant::Calibration calibration = quant::constant_ranges(graph);
  std::vector<float> windows;
  if (mode.needs_calibration) {
    if (o.store.empty()) fail(std::string("--mode ") + mode.name + " needs --store DIR (calibration windows)");
    const model::ModelInfo info = model::model_info(graph, o.checkpoint);
    const data::Store store = data::Store::open(o.store);
    const std::vector<std::string> houses = store.split(info.appliance, o.houses);
    windows = quant::balanced_windows(store, info.appliance, houses, o.calibration_windows, o.calibration_seed, info.window);
    quant::CalibrationOptions c;
    c.estimator = quant::parse_estimator(o.estimator);
    c.bits = mode.activation_bits;
    c.threads = o.threads;
    calibration = quant::calibrate(graph, windows.data(), o.calibration_windows, c);
    calibration.source = fmt::format("{} balanced windows (equal on/off midpoints) of {} {} houses, seed {}",
                                     o.calibration_windows, o.store, o.houses, o.calibration_seed);
  }
  // --keep-float auto: the layers the debugger flags on the same calibration windows.
  if (std::erase(q.keep_float, std::string("auto")) > 0 && mode.needs_calibration) {
    const auto suspects = quant::suspect_layers(quant::quantize(graph, calibration, q), windows.data(), o.calibration_windows);
    std::string list;
    for (const auto& l : suspects) list += (list.empty() ? "" : ",") + l;
    fmt::print("--keep-float auto: {} suspect(s) above rmse/scale {}{}{}\n", suspects.size(),
               quant::default_suspect_threshold, suspects.empty() ? "" : ": ", list);
    q.keep_float.insert(q.keep_float.end(), suspects.begin(), suspects.end());
  }
  return quant::quantize(graph, calibration, q);
}

// A training output directory holds best.nilmckpt (the checkpoint evaluate also picks).
std::string resolve_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) return (fs::path(path) / "best.nilmckpt").string();
  return path;
}

// The same graph IR goes to either writer; ONNX is for peers (ONNX Runtime) and other tools.
void write_model(const model::Graph& graph, const std::string& path, const std::string& format) {
  const bool onnx = format == "onnx" || (format.empty() && std::filesystem::path(path).extension() == ".onnx");
  if (onnx) convert::save_onnx(graph, path);
  else model::save_tflite(graph, path);
}

void run_convert(const ConvertCliOptions& o) {
  convert::ConvertOptions options;
  options.batch = o.batch;
  const std::string checkpoint = resolve_checkpoint(o.checkpoint);
  const model::Graph graph =
      apply_mode(convert::checkpoint_to_graph(train::read_checkpoint_file(checkpoint), checkpoint, options), o);
  write_model(graph, o.output, o.format);
  std::int64_t parameters = 0;
  for (const auto& t : graph.tensors)
    if (t.is_constant() && t.type == model::ElementType::f32) parameters += t.elements();
  const model::ModelInfo info = model::model_info(graph, o.output);
  fmt::print("{}: {} {} model, window {}, batch {}, {} ops, {} float32 constants ({:.2f} MB), {}\n", o.output,
             info.appliance, info.architecture, info.window, o.batch, graph.ops.size(), parameters,
             double(std::filesystem::file_size(o.output)) / 1e6, info.quantization);
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto o = std::make_shared<ConvertCliOptions>();
  auto* cmd = app.add_subcommand("convert", "Convert a trained checkpoint to a .tflite model (builtin ops, "
                                            "static shapes, float32 I/O, nilm.* metadata)");
  cmd->add_option("checkpoint", o->checkpoint, "Checkpoint (.nilmckpt) or training output directory (best.nilmckpt)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--output,-o", o->output, "The model file to write (.tflite, or .onnx with --format onnx)")->required();
  cmd->add_option("--format", o->format,
                  "tflite: TFLite flatbuffer (default); onnx: ONNX opset 21 for ONNX Runtime and other peers "
                  "(default when the output ends in .onnx)")
      ->check(CLI::IsMember({"tflite", "onnx"}));
  std::string modes;
  for (const auto& m : quant::all_modes()) modes += fmt::format("\n  {}: {}", m.name, m.description);
  std::vector<std::string> mode_names;
  for (const auto& m : quant::all_modes()) mode_names.emplace_back(m.name);
  cmd->add_option("--mode", o->mode, "Quantization (docs/quantization.md):" + modes)
      ->check(CLI::IsMember(mode_names));
  cmd->add_option("--store", o->store, "Prepared store whose windows calibrate w8_a8* / w8_a16 (balanced on/off)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--houses", o->houses, "Store split (train|validation|test) the calibration windows come from");
  cmd->add_option("--calibration-windows", o->calibration_windows, "Representative windows (half on, half off)")
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--calibration-seed", o->calibration_seed, "Seed of the representative windows' draw");
  cmd->add_option("--estimator", o->estimator,
                  "Activation range estimator: minmax (observed extremes), percentile (99.99th, both tails), "
                  "mse (clipping that minimises the rounding + clipping error)")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  cmd->add_flag("--int8-io", o->int8_io, "Integer model input/output (Edge TPU) instead of float32");
  cmd->add_option("--keep-float", o->keep_float, "Layers (their output tensor names) that stay float32, or auto: the layers `nilm inspect` flags "
                  "(rmse/scale > 0.7) on the calibration windows");
  cmd->add_option("--threads", o->threads, "Threads for the calibration runs")->check(CLI::Range(1, 256));
  cmd->add_option("--batch,-b", o->batch, "Windows per invocation (static batch dimension)")
      ->check(CLI::Range(1, 4096));
  cmd->callback([o] { run_convert(*o); });
}

}  // namespace nilm::cli
