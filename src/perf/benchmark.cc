#include "perf/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <random>

#include "core/error.h"
#include "model/tflite.h"
#include "perf/memory.h"
#include "perf/stream_read.h"
#include "runtime/batch_tuning.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/rebatch.h"

namespace nilm::perf {
namespace {

using Clock = std::chrono::steady_clock;

double since_us(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// Random float32 inputs; inputs of other types keep the arena's zeros (latency does not depend
// on the values of integer inputs in any kernel we have).
void fill_inputs(runtime::Interpreter& interp, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const model::Graph& g = interp.model().graph();
  for (std::size_t i = 0; i < interp.input_count(); ++i) {
    if (g.tensor(g.inputs[i]).type != model::ElementType::f32) continue;
    float* in = interp.input(i);
    for (std::size_t j = 0; j < interp.input_elements(i); ++j) in[j] = u(rng);
  }
}

std::string short_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

Cell bytes_or_unknown(std::size_t bytes) { return bytes ? Cell(std::int64_t(bytes)) : Cell(); }

void check_options(const BenchOptions& o) {
  if (o.threads < 1) fail("bench: threads must be at least 1");
  if (o.batch < 1) fail("bench: batch must be at least 1");
  if (o.warmup < 0) fail("bench: warm-up runs cannot be negative");
  if (o.runs == 0 && !(o.seconds > 0)) fail("bench: give a run count or a time budget");
}

// Loads nothing: compiles `graph`, warms up, times, profiles. `r` has the model's name and file
// size; `load_start` is when loading began (load_ms covers reading + compiling).
BenchResult run(model::Graph graph, BenchResult r, const BenchOptions& o, Clock::time_point load_start) {
  r.threads = o.threads;
  r.batch = o.batch;
  r.tier = o.tier == runtime::Tier::reference ? "reference" : "optimized";
  runtime::CompileOptions compile;
  compile.tier = o.tier;
  if (o.auto_batch) {  // as nilm evaluate chooses: the least time per window
    const std::vector<runtime::BatchTiming> timings = runtime::time_batches(graph, compile, o.threads);
    r.batch = runtime::fastest_batch(timings);
    r.batch_note = "batch " + std::to_string(r.batch) + ", the fastest per window of";
    for (const auto& t : timings) {
      char item[64];
      std::snprintf(item, sizeof item, " %d: %.1f us", t.batch, t.us_per_window);
      r.batch_note += item;
    }
    if (r.batch > 1) graph = runtime::rebatch(graph, r.batch);
  } else if (o.batch > 1) {
    try {
      graph = runtime::rebatch(graph, o.batch);
    } catch (const Error& e) {
      r.batch_note = std::string("not rebatched (runs as stored): ") + e.what();
      r.batch = 1;
    }
  }
  const runtime::Model model = runtime::Model::from_graph(std::move(graph), compile, r.model);
  runtime::Interpreter interp(model, o.threads);
  r.load_ms = since_us(load_start) / 1e3;
  r.arena_bytes = interp.arena_bytes();
  r.weights_bytes = constant_bytes(model.graph());
  r.prepared_bytes = model.prepared_bytes();
  r.kernels = model.kernel_summary();

  fill_inputs(interp, o.seed);
  for (int i = 0; i < o.warmup; ++i) interp.invoke();
  std::optional<StreamFloor> floor;
  if (o.floor) floor.emplace(r.weights_bytes, o.threads);

  // With the floor: blocks of kFloorBlock timed runs, then as many timed reads of the floor's
  // buffer, each block after kFloorWarm untimed ones (the two buffers together may not fit the
  // cache a shared machine leaves us; one after each run made both come from DRAM).
  constexpr std::size_t kFloorBlock = 50;
  constexpr int kFloorWarm = 5;
  std::vector<double> us, floor_us;
  const auto start = Clock::now();
  for (;;) {
    const auto t0 = Clock::now();
    interp.invoke();
    us.push_back(since_us(t0));
    const bool last = (o.runs > 0 && us.size() >= o.runs) || (o.seconds > 0 && since_us(start) >= o.seconds * 1e6);
    if (floor && (last || us.size() % kFloorBlock == 0)) {
      for (int i = 0; i < kFloorWarm; ++i) floor->read_us(interp.pool());
      while (floor_us.size() < us.size()) floor_us.push_back(floor->read_us(interp.pool()));
      if (!last)
        for (int i = 0; i < kFloorWarm; ++i) interp.invoke();
    }
    if (last) break;
  }
  r.latency = summarize(std::move(us));
  if (floor) {
    r.floor = summarize(std::move(floor_us));
    r.floor_read = floor->variant();
  }
  if (o.profile_runs > 0) r.profile = profile_runs(interp, o.profile_runs);
  r.peak_rss_bytes = peak_rss_bytes();
  return r;
}

}  // namespace

BenchResult benchmark_model(const std::string& path, const BenchOptions& o) {
  check_options(o);
  if (!std::filesystem::is_regular_file(path)) fail(path + ": no such model file");
  BenchResult r;
  r.model = path;
  r.file_bytes = std::filesystem::file_size(path);
  r.peak_rss_is_per_model = reset_peak_rss();
  const auto load_start = Clock::now();
  return run(model::load_tflite(path), std::move(r), o, load_start);
}

BenchResult benchmark_graph(model::Graph graph, const std::string& name, const BenchOptions& o) {
  check_options(o);
  BenchResult r;
  r.model = name;
  r.peak_rss_is_per_model = reset_peak_rss();
  return run(std::move(graph), std::move(r), o, Clock::now());
}

Table summary_table(const std::vector<BenchResult>& results) {
  Table t{"summary",
          {{"model"}, {"tier"}, {"threads"}, {"batch"}, {"runs"}, {"avg_ms", 3}, {"median_ms", 3}, {"p90_ms", 3},
           {"p99_ms", 3}, {"min_ms", 3}, {"stddev_ms", 3}, {"us_per_window", 1}, {"vs_first", 2}, {"arena_bytes"},
           {"weights_bytes"}, {"prepared_bytes"}, {"file_bytes"}, {"peak_rss_bytes"}, {"load_ms", 1}, {"floor_us", 1},
           {"x_floor", 2}},
          {}};
  for (const auto& r : results) {
    const LatencyStats& s = r.latency;
    const double first = results.front().latency.median_us;
    t.add_row({short_name(r.model), r.tier, std::int64_t(r.threads), std::int64_t(r.batch), std::int64_t(s.runs),
               s.mean_us / 1e3, s.median_us / 1e3, s.p90_us / 1e3, s.p99_us / 1e3, s.min_us / 1e3, s.stddev_us / 1e3,
               s.median_us / r.batch, s.median_us > 0 ? first / s.median_us : 0.0, std::int64_t(r.arena_bytes),
               std::int64_t(r.weights_bytes), std::int64_t(r.prepared_bytes), bytes_or_unknown(r.file_bytes),
               bytes_or_unknown(r.peak_rss_bytes), r.load_ms, r.floor.runs ? Cell(r.floor.median_us) : Cell(),
               r.floor.runs ? Cell(s.median_us / r.floor.median_us) : Cell()});
  }
  return t;
}

Table op_type_table(const std::vector<BenchResult>& results) {
  Table t{"op_types",
          {{"model"}, {"threads"}, {"op"}, {"count"}, {"avg_ms", 4}, {"percent", 2}, {"cumulative_percent", 2},
           {"times_called", 1}},
          {}};
  for (const auto& r : results)
    for (const auto& o : r.profile.by_type)
      t.add_row({short_name(r.model), std::int64_t(r.threads), o.op, std::int64_t(o.count), o.avg_ms, o.percent,
                 o.cumulative_percent, o.times_called});
  return t;
}

Table node_table(const std::vector<BenchResult>& results, std::size_t top) {
  Table t{"nodes",
          {{"model"}, {"threads"}, {"node"}, {"op"}, {"kernel"}, {"name"}, {"avg_ms", 4}, {"percent", 2},
           {"cumulative_percent", 2}, {"times_called", 1}},
          {}};
  for (const auto& r : results) {
    const auto& nodes = r.profile.by_node;
    const std::size_t n = top ? std::min(top, nodes.size()) : nodes.size();
    for (std::size_t i = 0; i < n; ++i) {
      const NodeTiming& x = nodes[i];
      t.add_row({short_name(r.model), std::int64_t(r.threads), std::int64_t(x.node), x.op, x.kernel, x.name,
                 x.avg_ms, x.percent, x.cumulative_percent, x.times_called});
    }
  }
  return t;
}

Table op_type_comparison(const std::vector<BenchResult>& results) {
  Table t{"op_type_comparison", {{"op"}}, {}};
  std::vector<std::string> ops;  // slowest first in the first model, then new ones as they come
  std::vector<std::map<std::string, double>> ms(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    for (const auto& o : results[i].profile.by_type) {
      if (std::find(ops.begin(), ops.end(), o.op) == ops.end()) ops.push_back(o.op);
      ms[i][o.op] = o.avg_ms;
    }
    t.columns.push_back({short_name(results[i].model) + " t" + std::to_string(results[i].threads) + " ms", 4});
  }
  for (const auto& op : ops) {
    std::vector<Cell> row(t.columns.size());  // missing: monostate
    row[0].emplace<std::string>(op);
    for (std::size_t i = 0; i < ms.size(); ++i)
      if (const auto it = ms[i].find(op); it != ms[i].end()) row[i + 1].emplace<double>(it->second);
    t.add_row(std::move(row));
  }
  std::vector<Cell> total(t.columns.size());
  total[0].emplace<std::string>("(all ops)");
  for (std::size_t i = 0; i < results.size(); ++i) total[i + 1].emplace<double>(results[i].profile.ops_ms);
  t.add_row(std::move(total));
  return t;
}

}  // namespace nilm::perf
