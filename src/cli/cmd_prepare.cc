// `nilm prepare`: read a dataset (or a simulated folder) into a prepared store.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "data/prepare.h"

namespace nilm::cli {

void add_prepare_command(CLI::App& app) {
  auto o = std::make_shared<data::PrepareOptions>();
  auto format = std::make_shared<std::string>("refit");
  auto* cmd = app.add_subcommand(
      "prepare",
      "Read a dataset into a prepared store: resampled, cleaned, with on/off status per\n"
      "appliance, memory-mapped .npy files + store.json (numpy opens them too)");
  cmd->add_option("--format", *format, "Input format: refit (also simulated folders), ukdale, redd, csv")
      ->check(CLI::IsMember({"refit", "ukdale", "redd", "csv"}))->required();
  cmd->add_option("--input", o->input_dir,
                  "Dataset folder (REFIT: the CLEAN_HouseN.csv files; csv: a folder or one file)")
      ->required();
  cmd->add_option("--out", o->out_dir,
                  "Store folder to write (an existing store there is replaced once the new one is done)")
      ->required();
  cmd->add_option("--splits", o->splits_path,
                  "Train/validation/test houses per appliance (JSON); default <input>/splits.json,\n"
                  "else the REFIT / UK-DALE splits, else positional ones (last house test)");
  cmd->add_option("--mapping", o->mapping_path,
                  "REFIT column mapping (JSON, 9 names per house); default <input>/mapping.json,\n"
                  "else the built-in REFIT table");
  cmd->add_option("--appliances", o->appliances_path,
                  "Appliance table overrides/additions (JSON); only the table's appliances are stored");
  cmd->add_option("--period", o->period_s, "Grid period in seconds")
      ->check(CLI::PositiveNumber)->default_val(8.0);
  cmd->add_option("--fill-limit", o->fill_limit_s,
                  "Gaps up to this many seconds are forward-filled; longer ones are marked missing")
      ->check(CLI::NonNegativeNumber)->default_val(180.0);
  cmd->add_option("--cap", o->appliance_cap_w,
                  "Appliance glitch cap in watts: values above it are clipped (and counted)")
      ->check(CLI::PositiveNumber)->default_val(4000.0f);
  cmd->add_option("--aggregate-cap", o->aggregate_cap_w, "Mains glitch cap in watts")
      ->check(CLI::PositiveNumber)->default_val(30000.0f);
  cmd->add_option("--houses", o->houses,
                  "Only these houses: names (House2, house_1) or numbers (2)");
  cmd->add_option("--csv-time-column", o->csv_time_column,
                  "csv format: the time column (default: the first column)");
  cmd->add_option("--csv-aggregate-column", o->csv_aggregate_column,
                  "csv format: the aggregate column")->default_val("aggregate");
  cmd->callback([o, format] {
    o->format = data::parse_format(*format);
    const auto meta = data::prepare_store(*o);
    std::fputs(data::format_prepare_report(meta).c_str(), stdout);
    std::printf("store written to %s\n", o->out_dir.c_str());
  });
}

}  // namespace nilm::cli
