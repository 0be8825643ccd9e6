// Every `nilm` subcommand is one file in src/cli that defines one add_*_command function.
// Each adds its subcommand to the app and binds a callback that does the work by calling the
// libraries; the command files only translate options into library calls and print results.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace nilm::eval {
struct Predictor;
}

namespace nilm::cli {

void add_info_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_prepare_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_bench_command(CLI::App& app);

// Model formats for eval::make_predictor (src/cli/predictor_loaders.cc); called once in main.
void register_predictor_loaders();
// .tflite files through nilm's runtime (defined in cmd_run.cc).
std::unique_ptr<eval::Predictor> load_tflite_predictor(const std::string& path, int threads);

}  // namespace nilm::cli
