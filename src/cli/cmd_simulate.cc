// `nilm simulate`: realistic simulated households in REFIT's CSV layout (see docs/simulator.md).
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "sim/simulate.h"

namespace nilm::cli {

namespace {

struct SimulateArgs {
  sim::SimulationOptions options;
  std::string out, start = "2014-01-06";
  bool no_gaps = false, no_glitches = false, no_images = false;
};

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand(
      "simulate",
      "Simulate households (aggregate + plug-metered appliances) written as a REFIT-like folder:\n"
      "CLEAN_House<N>.csv, mapping.json, splits.json, simulation.json, House<N>_day.png");
  cmd->add_option("--houses", args->options.houses, "Number of houses")
      ->check(CLI::Range(1, 10000))->default_val(5);
  cmd->add_option("--days", args->options.days, "Days simulated per house")
      ->check(CLI::Range(1, 36500))->default_val(30);
  cmd->add_option("--seed", args->options.seed,
                  "Population seed: the same seed gives byte-identical files")->default_val(1);
  cmd->add_option("--start", args->start,
                  "First day (YYYY-MM-DD, local midnight; the simulator's local time is UTC)")
      ->default_val("2014-01-06");
  cmd->add_option("--out", args->out, "Output folder (created if needed)")->required();
  // Each thread holds one house's readings (~50 bytes a row: ~0.4 GB for 2 years), so the
  // default stays at a few threads even on big machines.
  args->options.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  cmd->add_option("--threads", args->options.threads,
                  "Houses simulated at once (the files do not depend on it); default: cores, at most 4")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_flag("--no-gaps", args->no_gaps, "Perfect logging: no meter dropouts");
  cmd->add_flag("--no-glitches", args->no_glitches, "No 32767 W plug sensor glitches");
  cmd->add_flag("--no-images", args->no_images, "Do not write the House<N>_day.png pictures");
  cmd->callback([args] {
    sim::SimulationOptions o = args->options;
    o.start_unix = sim::parse_date(args->start);
    o.meter_gaps = !args->no_gaps;
    o.glitches = !args->no_glitches;
    o.images = !args->no_images;
    const auto houses = sim::simulate(o, args->out);
    for (const auto& h : houses) {
      std::string acts;
      for (const auto& [name, count] : h.activations) acts += fmt::format(" {}={}", name, count);
      fmt::print("{}: {} rows, {} readings lost in gaps, {} glitches, {} issue rows; activations:{}\n",
                 h.name, h.counts.rows, h.counts.skipped_in_gaps, h.counts.glitches,
                 h.counts.issues_rows, acts);
    }
    fmt::print("wrote {} houses x {} days to {}\n", o.houses, o.days, args->out);
  });
}

}  // namespace nilm::cli
