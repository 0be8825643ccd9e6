// `nilm bench`: latency statistics, the per-op profile and memory figures of .tflite models on
// nilm's runtime (like TFLite's benchmark_model), as a terminal table, JSON or CSV from the same
// rows (like llama-bench); several models (--compare) and thread counts side by side.
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "perf/benchmark.h"
#include "perf/table.h"
#include "runtime/cpu_features.h"
#include "runtime/sample_graphs.h"

namespace nilm::cli {
namespace {

struct BenchCliOptions {
  std::vector<std::string> models, compare, samples;
  std::vector<int> threads = {1};
  std::string batch = "1";
  int warmup = 5;
  std::size_t runs = 50, profile_runs = 20, nodes = 10;
  double seconds = 0;
  bool reference = false, floor = false;
  std::string format = "table", json_path, csv_path;
};

// --batch: a whole number from 1 to 4096, or "auto" (a usage error otherwise).
CLI::Validator batch_option() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v == "auto") return {};
        std::size_t used = 0;
        int b = 0;
        try {
          b = std::stoi(v, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != v.size() || b < 1 || b > 4096) return "must be a whole number from 1 to 4096 or 'auto', got '" + v + "'";
        return {};
      },
      "1..4096|auto");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(path + ": cannot open for writing");
  out << text;
  if (!out.flush()) fail(path + ": write failed");
}

// "r.csv" -> "r.op_types.csv": the profile tables have their own columns, so their own files.
std::string sibling(const std::string& path, const std::string& part) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "." + part + p.extension().string())).string();
}

std::string mib(std::size_t bytes) { return fmt::format("{:.2f} MiB", double(bytes) / (1024.0 * 1024.0)); }

void print_table_report(const std::vector<perf::BenchResult>& results, const BenchCliOptions& o) {
  fmt::print("nilm bench: CPU features {}; {} warm-up run(s), then {}\n\n",
             runtime::cpu_features_string(runtime::detect_cpu_features()), o.warmup,
             o.seconds > 0 ? fmt::format("{} s of timed runs{}", o.seconds, o.runs ? fmt::format(" (at most {})", o.runs) : "")
                           : fmt::format("{} timed run(s)", o.runs));
  fmt::print("{}\n", perf::to_markdown(perf::summary_table(results)));
  for (const auto& r : results) {
    fmt::print("{} ({} thread(s)): arena {}, weights {}, packed {}, file {}, peak RSS {}{}\n  kernels: {}\n",
               r.model, r.threads, mib(r.arena_bytes), mib(r.weights_bytes), mib(r.prepared_bytes), r.file_bytes ? mib(r.file_bytes) : "-",
               r.peak_rss_bytes ? mib(r.peak_rss_bytes) : "unknown",
               r.peak_rss_is_per_model ? "" : " (whole process so far)", r.kernels);
    if (!r.batch_note.empty()) fmt::print("  {}\n", r.batch_note);
    if (r.floor.runs)
      fmt::print("  floor: {} streaming reads of {}, in blocks between the timed runs: median {:.1f} us ({:.1f} GB/s), "
                 "min {:.1f} us; latency / floor {:.2f}x\n",
                 r.floor_read, mib(r.weights_bytes), r.floor.median_us, double(r.weights_bytes) / r.floor.median_us / 1e3,
                 r.floor.min_us, r.latency.median_us / r.floor.median_us);
    if (r.profile.runs)
      fmt::print("  op profile: {} run(s), {:.3f} ms in ops of {:.3f} ms per invoke ({:.1f}% outside ops)\n",
                 r.profile.runs, r.profile.ops_ms, r.profile.invoke_ms,
                 r.profile.invoke_ms > 0 ? 100 * (1 - r.profile.ops_ms / r.profile.invoke_ms) : 0.0);
  }
  if (results.front().profile.runs == 0) return;
  if (results.size() == 1) {
    fmt::print("\nBy op type (avg ms per run, slowest first):\n{}", perf::to_markdown(perf::op_type_table(results)));
  } else {
    fmt::print("\nBy op type, side by side (avg ms per run):\n{}",
               perf::to_markdown(perf::op_type_comparison(results)));
  }
  fmt::print("\n{} (avg ms per run):\n{}",
             o.nodes ? fmt::format("Slowest {} nodes per model", o.nodes) : std::string("Every node"),
             perf::to_markdown(perf::node_table(results, o.nodes)));
}

void run_bench(BenchCliOptions o) {
  std::vector<std::string> models = o.models;
  models.insert(models.end(), o.compare.begin(), o.compare.end());
  if (models.empty() && o.samples.empty())
    fail("bench: no model given (nilm bench model.tflite, --compare a.tflite b.tflite, or --sample cnn)");
  if (o.runs == 0 && !(o.seconds > 0)) fail("bench: --runs 0 needs a time budget (--seconds)");

  perf::BenchOptions options;
  options.auto_batch = o.batch == "auto";
  if (!options.auto_batch) options.batch = std::stoi(o.batch);  // checked by batch_option()
  options.warmup = o.warmup;
  options.runs = o.runs;
  options.seconds = o.seconds;
  options.profile_runs = o.profile_runs;
  options.tier = o.reference ? runtime::Tier::reference : runtime::Tier::optimized;
  options.floor = o.floor;

  std::vector<perf::BenchResult> results;
  // Progress only for several configurations (one is quick, and an error then stays one line).
  const std::size_t configurations = (models.size() + o.samples.size()) * o.threads.size();
  std::optional<Progress> progress;
  if (configurations > 1) progress.emplace("bench", configurations, "configurations");
  for (const auto& sample : o.samples) {
    const model::Graph graph = sample == "cnn" ? runtime::cnn_graph(42) : runtime::transformer_graph(42);
    for (int threads : o.threads) {
      options.threads = threads;
      results.push_back(perf::benchmark_graph(graph, "sample:" + sample, options));
      if (progress) progress->update(results.size(), fmt::format("sample {} t{}", sample, threads));
    }
  }
  for (const auto& model : models) {
    for (int threads : o.threads) {
      options.threads = threads;
      results.push_back(perf::benchmark_model(model, options));
      if (progress) progress->update(results.size(), fmt::format("{} t{}", model, threads));
    }
  }
  if (progress) progress->finish();

  const perf::Table summary = perf::summary_table(results);
  const perf::Table op_types = perf::op_type_table(results);
  const perf::Table nodes = perf::node_table(results);
  const std::string json = perf::to_json({&summary, &op_types, &nodes});
  if (!o.json_path.empty()) write_file(o.json_path, json);
  if (!o.csv_path.empty()) {
    write_file(o.csv_path, perf::to_csv(summary));
    if (!op_types.rows.empty()) {
      write_file(sibling(o.csv_path, "op_types"), perf::to_csv(op_types));
      write_file(sibling(o.csv_path, "nodes"), perf::to_csv(nodes));
    }
  }
  if (o.format == "json") fmt::print("{}", json);
  else if (o.format == "csv") fmt::print("{}", perf::to_csv(summary));
  else print_table_report(results, o);
  std::fflush(stdout);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchCliOptions>();
  auto* cmd = app.add_subcommand(
      "bench", "Benchmark .tflite models on nilm's runtime: latency (avg, median, p90, p99, min), per-op "
               "profile, memory; as a table, JSON or CSV");
  cmd->add_option("model", o->models, "Model file(s) (.tflite); several are compared side by side")
      ->check(CLI::ExistingFile);
  cmd->add_option("--compare", o->compare, "More models to put side by side (e.g. every quantization mode)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--sample", o->samples,
                  "Built-in sample model(s) with random weights (NILM.md section 4, window 599): cnn, transformer; "
                  "no trained model needed")
      ->check(CLI::IsMember({"cnn", "transformer"}));
  cmd->add_option("--threads,-t", o->threads, "Threads per inference; a list (1,2) gives one row per count")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  cmd->add_option("--batch,-b", o->batch,
                  "Windows per run: a batch-1 model is rebatched (per-window time in us_per_window); 'auto': the "
                  "fastest per window of 1, 4, 16, 64 (what nilm evaluate runs)")
      ->check(batch_option());
  cmd->add_option("--warmup,-w", o->warmup, "Untimed runs before timing")->check(CLI::Range(0, 1000000));
  cmd->add_option("--runs,-r", o->runs, "Timed runs (with --seconds: at most this many; 0 = no limit)");
  cmd->add_option("--seconds,-s", o->seconds, "Time budget of the timed runs in seconds (0 = none: --runs counts)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--profile-runs", o->profile_runs, "Extra runs timed per op for the op profile (0 = no profile)");
  cmd->add_option("--nodes", o->nodes, "Terminal table: the slowest N nodes per model (0 = all; JSON/CSV hold all)");
  cmd->add_option("--format,-o", o->format, "Standard output: table (Markdown), json (every table) or csv (the summary)")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_option("--json", o->json_path, "Also write every table as JSON to this file");
  cmd->add_option("--csv", o->csv_path,
                  "Also write the summary as CSV to this file (+ <name>.op_types.csv and <name>.nodes.csv)");
  cmd->add_flag("--reference", o->reference, "Use only the reference kernels (slow; the oracle)");
  cmd->add_flag("--floor", o->floor,
                "Also time streaming reads of a buffer the size of the model's weights on the same threads, in blocks "
                "alternating with the timed runs: the memory-bandwidth floor (floor_us) and the latency as a multiple of it (x_floor)");
  cmd->callback([o, cmd] {
    if (cmd->count("--seconds") && !cmd->count("--runs")) o->runs = 0;  // a pure time budget
    run_bench(*o);
  });
}

}  // namespace nilm::cli
