// `nilm convert`: a trained checkpoint (.nilmckpt or a training directory) to a float32
// .tflite file that nilm's runtime, `nilm evaluate` and TFLite/LiteRT run as it is.
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "convert/convert.h"
#include "convert/onnx_export.h"
#include "model/model_info.h"
#include "model/tflite.h"

namespace nilm::cli {
namespace {

struct ConvertCliOptions {
  std::string checkpoint, output, mode = "convert_only";
  std::string format;  // tflite | onnx; empty: from the output's extension (.onnx), else tflite
  int batch = 1;
};

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
  const model::Graph graph = convert::checkpoint_to_graph(train::read_checkpoint_file(checkpoint), checkpoint, options);
  write_model(graph, o.output, o.format);
  std::int64_t parameters = 0;
  for (const auto& t : graph.tensors)
    if (t.is_constant() && t.type == model::ElementType::f32) parameters += t.elements();
  const model::ModelInfo info = model::model_info(graph, o.output);
  fmt::print("{}: {} {} model, window {}, batch {}, {} ops, {} float32 constants ({:.2f} MB)\n", o.output,
             info.appliance, info.architecture, info.window, o.batch, graph.ops.size(), parameters,
             double(std::filesystem::file_size(o.output)) / 1e6);
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
  cmd->add_option("--mode", o->mode, "convert_only: float32 model, no quantization")
      ->check(CLI::IsMember({"convert_only"}));
  cmd->add_option("--batch,-b", o->batch, "Windows per invocation (static batch dimension)")
      ->check(CLI::Range(1, 4096));
  cmd->callback([o] { run_convert(*o); });
}

}  // namespace nilm::cli
