// Batch-1 latency of our runtime on the two NILM architectures (NILM.md section 4, random
// weights) or on .tflite files given on the command line: median and p90 over repeated runs
// at 1 and 2 threads, for the reference tier and the optimized tier (portable micro-kernels
// and, where the CPU has them, AVX2 + FMA and AVX-512), plus the arena and packed-weight bytes and the
// slowest op kinds of the fastest configuration.
//
//   bench_runtime                 # CNN + transformer built here
//   bench_runtime kettle.tflite   # your own models
//   BENCH_SECONDS=0.5 bench_runtime   # time budget per configuration (default 1.5 s)
//
// Latency mode (bench/runtime_vs_litert.sh puts it next to LiteRT.js): the optimized tier only,
// fixed warm-up and run counts, one JSON line per model and thread count with the same fields
// as bench/peers/litert_bench.mjs:
//   bench_runtime --latency [--threads 1,2] [--warmup 10] [--runs 200] [--seconds S] a.tflite...
#include <fmt/core.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/rebatch.h"
#include "runtime/sample_graphs.h"

namespace rt = nilm::runtime;

namespace {

struct Stats {
  double median_us = 0, p90_us = 0;
  int runs = 0;
};

Stats time_runs(rt::Interpreter& interp, double budget_s, int max_runs) {
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.f, 1.f);
  for (std::size_t i = 0; i < interp.input_elements(0); ++i) interp.input(0)[i] = n(rng);
  interp.invoke();  // warm-up: page in weights, wake threads
  std::vector<double> us;
  const auto start = std::chrono::steady_clock::now();
  while (int(us.size()) < max_runs &&
         (us.size() < 5 || std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < budget_s)) {
    const auto t0 = std::chrono::steady_clock::now();
    interp.invoke();
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  Stats s;
  s.runs = int(us.size());
  s.median_us = us[us.size() / 2];
  s.p90_us = us[std::min(us.size() - 1, us.size() * 9 / 10)];
  return s;
}

void profile(const rt::Model& model, int threads) {
  rt::Interpreter interp(model, threads);
  std::map<std::string, std::pair<double, int>> by_kernel;
  interp.set_observer([](void* u, const rt::OpEvent& e) {
    auto& m = *static_cast<std::map<std::string, std::pair<double, int>>*>(u);
    m[e.kernel].first += double(e.elapsed_ns) / 1e3;
    m[e.kernel].second += 1;
  }, &by_kernel);
  constexpr int runs = 20;
  for (int i = 0; i < runs; ++i) interp.invoke();
  std::vector<std::pair<double, std::string>> rows;
  double total = 0;
  for (const auto& [k, v] : by_kernel) {
    rows.emplace_back(v.first / runs, fmt::format("{} (x{})", k, v.second / runs));
    total += v.first / runs;
  }
  std::sort(rows.rbegin(), rows.rend());
  fmt::print("    profile ({} thread(s), mean of {} runs): ", threads, runs);
  for (std::size_t i = 0; i < std::min<std::size_t>(rows.size(), 5); ++i)
    fmt::print("{}{} {:.0f} us ({:.0f}%)", i ? ", " : "", rows[i].second, rows[i].first, 100 * rows[i].first / total);
  fmt::print("\n");
}

void bench(const std::string& name, const nilm::model::Graph& graph, double budget_s) {
  fmt::print("\n== {} ==\n", name);
  const rt::CpuFeatures cpu = rt::detect_cpu_features();
  struct Config {
    std::string label;
    rt::Tier tier;
    rt::CpuFeatures features;
  };
  std::vector<Config> configs = {{"reference", rt::Tier::reference, cpu},
                                 {"optimized (portable)", rt::Tier::optimized, rt::cpu_none}};
  if ((cpu & (rt::cpu_avx2 | rt::cpu_fma)) == (rt::cpu_avx2 | rt::cpu_fma))
    configs.push_back({"optimized (avx2+fma)", rt::Tier::optimized,
                       cpu & ~rt::CpuFeatures(rt::cpu_avx512f | rt::cpu_avx512vnni)});
  if ((cpu & (rt::cpu_avx2 | rt::cpu_fma | rt::cpu_avx512f)) == (rt::cpu_avx2 | rt::cpu_fma | rt::cpu_avx512f))
    configs.push_back({"optimized (avx512)", rt::Tier::optimized, cpu});
  bool first = true;
  double reference_us[3] = {0, 0, 0};  // per thread count, for the speed-up column
  double optimized_1thread_us = 0;      // the last configuration's (the fastest)
  for (const auto& c : configs) {
    const rt::Model model = rt::Model::from_graph(graph, {c.tier, c.features}, name);
    if (first) {
      std::int64_t parameters = 0;
      for (const auto& t : graph.tensors)
        if (t.is_constant() && t.type == nilm::model::ElementType::f32) parameters += t.elements();
      fmt::print("  {:.2f} M float parameters, {} ops; arena {:.1f} KiB (activations; {:.1f} KiB without sharing)\n",
                 double(parameters) / 1e6, model.node_count(), double(model.arena_bytes()) / 1024,
                 double(model.unshared_bytes()) / 1024);
      first = false;
    }
    fmt::print("  {:<22} packed weights {:.1f} KiB, scratch {:.1f} KiB + {:.1f} KiB/thread\n", c.label,
               double(model.prepared_bytes()) / 1024, double(model.scratch_shared_bytes()) / 1024,
               double(model.scratch_per_thread_bytes()) / 1024);
    fmt::print("    kernels: {}\n", model.kernel_summary());
    for (int threads : {1, 2}) {
      rt::Interpreter interp(model, threads);
      const Stats s = time_runs(interp, budget_s, c.tier == rt::Tier::reference ? 20 : 2000);
      if (c.tier == rt::Tier::reference) reference_us[threads] = s.median_us;
      if (threads == 1) optimized_1thread_us = s.median_us;
      fmt::print("    {} thread(s): median {:9.1f} us   p90 {:9.1f} us   x{:5.1f} vs reference   ({} runs, "
                 "arena+scratch {:.1f} KiB)\n",
                 threads, s.median_us, s.p90_us, reference_us[threads] / s.median_us, s.runs,
                 double(interp.arena_bytes()) / 1024);
    }
    if (&c == &configs.back()) {
      profile(model, 1);
      profile(model, 2);
      // Throughput when many windows are available (nilm evaluate): 16 windows per run.
      constexpr int kBatch = 16;
      const rt::Model batched = rt::Model::from_graph(rt::rebatch(graph, kBatch), {c.tier, c.features}, name);
      for (int threads : {1, 2}) {
        rt::Interpreter interp(batched, threads);
        const Stats s = time_runs(interp, budget_s, 2000);
        fmt::print("    batch {}: {} thread(s): median {:9.1f} us per window (x{:.1f} vs batch 1 optimized "
                   "at 1 thread)\n", kBatch, threads, s.median_us / kBatch,
                   optimized_1thread_us / (s.median_us / kBatch));
      }
    }
  }
}

// Process CPU time (every thread) in microseconds: cpu / wall shows how many threads worked.
double process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct LatencyOptions {
  std::vector<int> threads = {1, 2};
  int warmup = 10, runs = 200;
  double seconds = 0;  // > 0: stop early once this much time is spent (at least 5 runs)
  std::vector<std::string> models;
};

std::string json_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

void latency(const LatencyOptions& o) {
  for (const auto& path : o.models) {
    const rt::Model model = rt::Model::load(path);
    for (int threads : o.threads) {
      rt::Interpreter interp(model, threads);
      std::mt19937 rng(1);
      std::uniform_real_distribution<float> u(-1.f, 1.f);
      for (std::size_t i = 0; i < interp.input_count(); ++i)
        for (std::size_t j = 0; j < interp.input_elements(i); ++j) interp.input(i)[j] = u(rng);
      for (int i = 0; i < o.warmup; ++i) interp.invoke();
      std::vector<double> us;
      const double cpu0 = process_cpu_us();
      const auto start = std::chrono::steady_clock::now();
      auto since = [](auto t) { return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count(); };
      while (int(us.size()) < o.runs) {
        const auto t0 = std::chrono::steady_clock::now();
        interp.invoke();
        us.push_back(since(t0));
        if (o.seconds > 0 && us.size() >= 5 && since(start) > o.seconds * 1e6) break;
      }
      const double wall = since(start), cpu = process_cpu_us() - cpu0;
      double sum = 0;
      for (double v : us) sum += v;
      std::sort(us.begin(), us.end());
      const std::size_t n = us.size();
      const double median = n % 2 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
      fmt::print("{{\"model\":\"{}\",\"runtime\":\"nilm\",\"build\":\"{}\",\"threads\":{},\"warmup\":{},"
                 "\"runs\":{},\"median_us\":{:.3f},\"mean_us\":{:.3f},\"min_us\":{:.3f},\"p90_us\":{:.3f},"
                 "\"cpu_per_wall\":{:.3f}}}\n",
                 json_escaped(path), rt::cpu_features_string(rt::detect_cpu_features()), threads, o.warmup, n, median,
                 sum / double(n), us.front(), us[std::min(n - 1, n * 9 / 10)], cpu / wall);
      std::fflush(stdout);
    }
  }
}

LatencyOptions parse_latency(int argc, char** argv) {
  LatencyOptions o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      o.threads.clear();
      std::string list = value();
      for (std::size_t p = 0; p <= list.size();) {
        const std::size_t comma = std::min(list.find(',', p), list.size());
        o.threads.push_back(std::stoi(list.substr(p, comma - p)));
        p = comma + 1;
      }
    } else if (a == "--warmup") {
      o.warmup = std::stoi(value());
    } else if (a == "--runs") {
      o.runs = std::max(1, std::stoi(value()));
    } else if (a == "--seconds") {
      o.seconds = std::stod(value());
    } else if (a.rfind("--", 0) == 0) {
      throw std::runtime_error("unknown option " + a);
    } else {
      o.models.push_back(a);
    }
  }
  if (o.models.empty()) throw std::runtime_error("--latency needs at least one .tflite file");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--latency") {
    try {
      latency(parse_latency(argc, argv));
    } catch (const std::exception& e) {
      fmt::print(stderr, "bench_runtime: error: {}\n", e.what());
      return 1;
    }
    return 0;
  }
  const char* env = std::getenv("BENCH_SECONDS");
  const double budget = env ? std::atof(env) : 1.5;
  fmt::print("bench_runtime: batch-1 latency, CPU features: {}\n",
             rt::cpu_features_string(rt::detect_cpu_features()));
  try {
    if (argc > 1) {
      for (int i = 1; i < argc; ++i) bench(argv[i], rt::Model::load(argv[i]).graph(), budget);
    } else {
      bench("cnn (NILM.md 4, 599 input, random weights)", rt::cnn_graph(42), budget);
      bench("transformer (NILM.md 4, 599 input, d_model 256, 2 blocks, random weights)",
            rt::transformer_graph(42), budget);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_runtime: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
