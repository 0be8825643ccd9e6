// `nilm bench`'s engine: loads a .tflite file, optionally rebatches it, warms up, times runs
// (a run count or a time budget), profiles per op in separate runs, and gathers the memory
// figures; then turns results into the summary / op-type / node tables (table.h).
//
//   nilm::perf::BenchOptions o;  o.threads = 2;  o.runs = 100;
//   auto result = nilm::perf::benchmark_model("kettle.tflite", o);
//   std::fputs(to_markdown(summary_table({result})).c_str(), stdout);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "perf/op_profile.h"
#include "perf/stats.h"
#include "model/graph.h"
#include "perf/table.h"
#include "runtime/kernel_registry.h"

namespace nilm::perf {

struct BenchOptions {
  int threads = 1;
  int batch = 1;             // > 1: a batch-1 model is rebatched (runtime::rebatch)
  bool auto_batch = false;   // instead: the batch fastest per window (runtime/batch_tuning.h)
  int warmup = 5;            // untimed runs first (page in weights, wake threads)
  std::size_t runs = 50;     // timed runs; 0 = as many as `seconds` allows
  double seconds = 0;        // time budget of the timed runs; 0 = none (then `runs` counts)
  std::size_t profile_runs = 20;  // extra runs with the per-op observer; 0 = no op profile
  runtime::Tier tier = runtime::Tier::optimized;
  std::uint64_t seed = 1;    // of the random float32 inputs (uniform in [-1, 1])
  // Also time streaming reads of a buffer of weights_bytes on the same threads (stream_read.h),
  // as many as timed runs, in blocks alternating with them: the memory-bandwidth floor.
  bool floor = false;
};

struct BenchResult {
  std::string model;  // the path as given
  int threads = 1, batch = 1;
  std::string tier;        // "optimized" / "reference"
  std::string batch_note;  // why the model was not rebatched, or how the batch was chosen
  double load_ms = 0;      // load + validate + compile
  LatencyStats latency;    // per run (one run = `batch` windows)
  LatencyStats floor;      // per streaming read of the weights' bytes (runs == 0: not measured)
  std::string floor_read;  // the read's variant ("avx512": 64-byte loads, ...)
  OpProfile profile;       // empty (runs == 0) when not profiled
  std::size_t arena_bytes = 0;     // the interpreter's arena: activations + scratch
  std::size_t weights_bytes = 0;   // constant tensors of the graph
  std::size_t prepared_bytes = 0;  // load-time copies (packed weights)
  std::size_t file_bytes = 0;      // the .tflite file on disk; 0 = no file (benchmark_graph)
  std::size_t peak_rss_bytes = 0;  // VmHWM after this model's runs; 0 = unknown
  bool peak_rss_is_per_model = false;  // the peak was reset before loading this model
  std::string kernels;     // runtime::Model::kernel_summary()
};

// Throws nilm::Error (naming the file) for a missing or invalid model or bad options.
BenchResult benchmark_model(const std::string& path, const BenchOptions& options);
// A graph already in memory (e.g. runtime::cnn_graph: `nilm bench --sample cnn`); `name` stands
// for the path in the results, and file_bytes stays 0 (reported as unknown).
BenchResult benchmark_graph(model::Graph graph, const std::string& name, const BenchOptions& options);

// One row per result; `vs_first` = the first row's median / this median (speed-up);
// `floor_us` / `x_floor`: the floor's median and median latency / it (empty unless measured).
Table summary_table(const std::vector<BenchResult>& results);
// Op types of every profiled result, each model's rows slowest first.
Table op_type_table(const std::vector<BenchResult>& results);
// Nodes of every profiled result, slowest first; `top` > 0 keeps each model's slowest `top`.
Table node_table(const std::vector<BenchResult>& results, std::size_t top = 0);
// Op types side by side: one row per op type, one avg-ms column per result.
Table op_type_comparison(const std::vector<BenchResult>& results);

}  // namespace nilm::perf
