// How much the evaluation harness (eval/predict_series.h) costs per window, next to the model.
// A synthetic house (default 2 M samples at 8 s, ~185 days, one gap every 50 k samples) is run
// through a predictor that only sums its window (so every input float is read), measured as:
//   peer loop:        one thread, for every clean midpoint copy the window into one buffer and
//                     sum it: the ceiling for "slide a window, call the model"
//   predict_series:   the harness with 1 and 2 worker threads (batch 256)
// Also prints the memory the harness holds against materialising every window at once (what a
// straightforward numpy evaluation does). CPU time of the calling thread and wall time shown.
// Usage: bench_evaluate [samples, default 2000000]
#include <fmt/core.h>

#include <time.h>

#include <cstdlib>
#include <vector>

#include "eval/predict_series.h"

using namespace nilm::eval;

namespace {

constexpr int kWindow = 599;

double now(clockid_t which) {
  timespec ts{};
  clock_gettime(which, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct SumPredictor : Predictor {
  int window() const override { return kWindow; }
  std::string describe() const override { return "window sum"; }
  void predict(const float* in, std::size_t count, float* out) override {
    for (std::size_t k = 0; k < count; ++k) {
      float s = 0;
      for (int j = 0; j < kWindow; ++j) s += in[k * kWindow + j];
      out[k] = s * 1e-6f;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  std::vector<float> aggregate(n);
  std::vector<std::uint8_t> missing(n, 0);
  for (std::size_t i = 0; i < n; ++i) aggregate[i] = static_cast<float>(200 + (i * 7919) % 3000);
  for (std::size_t i = 25'000; i < n; i += 50'000) missing[i] = 1;
  ModelScaling scaling{522, 814, 3100};

  // Peer: the plain loop.
  double wall0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
  std::vector<float> buffer(kWindow), out(n);
  std::size_t windows = 0, half = kWindow / 2;
  std::vector<std::uint32_t> before(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) before[i + 1] = before[i] + missing[i];
  SumPredictor peer_model;
  for (std::size_t mid = half; mid + half < n; ++mid) {
    if (before[mid - half + kWindow] != before[mid - half]) continue;
    for (int j = 0; j < kWindow; ++j)
      buffer[j] = (aggregate[mid - half + j] - scaling.aggregate_mean) / scaling.aggregate_std;
    peer_model.predict(buffer.data(), 1, &out[mid]);
    ++windows;
  }
  double peer_wall = now(CLOCK_MONOTONIC) - wall0, peer_cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  fmt::print("{} samples, {} windows of {}\n", n, windows, kWindow);
  fmt::print("peer loop (1 thread):        {:8.0f} windows/s wall, {:8.0f} windows/s CPU\n",
             windows / peer_wall, windows / peer_cpu);

  for (int threads : {1, 2}) {
    std::vector<SumPredictor> models(static_cast<std::size_t>(threads));
    std::vector<Predictor*> workers;
    for (auto& m : models) workers.push_back(&m);
    PredictOptions options;
    options.show_progress = false;
    wall0 = now(CLOCK_MONOTONIC);
    cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
    auto p = predict_series(workers, {aggregate.data(), missing.data(), n}, scaling, options);
    double wall = now(CLOCK_MONOTONIC) - wall0, cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    if (p.predicted != windows) fmt::print("MISMATCH: {} windows vs the peer's {}\n", p.predicted, windows);
    fmt::print("predict_series ({} thread{}): {:8.0f} windows/s wall ({:.2f}x the peer), "
               "calling thread CPU {:.2f} s\n",
               threads, threads > 1 ? "s" : " ", windows / wall, peer_wall / wall, cpu);
  }
  // Memory: per series 4 + 4 + 4 + 1 bytes per sample (normalised copy, prefix counts, output,
  // scored flags) plus one batch buffer per worker; materialising every window needs 4 * window.
  double harness_mb = (13.0 * double(n) + 256.0 * kWindow * 4 * 2) / 1e6;
  double all_windows_mb = 4.0 * kWindow * double(windows) / 1e6;
  fmt::print("memory: harness {:.0f} MB vs all windows materialised {:.0f} MB ({:.0f}x)\n",
             harness_mb, all_windows_mb, all_windows_mb / harness_mb);
}
