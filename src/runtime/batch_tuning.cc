#include "runtime/batch_tuning.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/rebatch.h"

namespace nilm::runtime {

std::vector<BatchTiming> time_batches(const model::Graph& graph, const CompileOptions& options, int threads,
                                      std::span<const int> candidates, int runs) {
  constexpr double kGiveUp = 1.25;  // per-window time only grows once activations leave the cache
  std::vector<BatchTiming> out;
  double best = 0;
  for (const int batch : candidates) {
    model::Graph g;
    try {
      g = rebatch(graph, batch);
    } catch (const Error&) {
      continue;  // a model that takes no batch dimension runs as it is
    }
    const Model model = Model::from_graph(std::move(g), options);
    Interpreter interp(model, threads);
    interp.invoke();  // warm-up: first touch of the arena and packed weights
    double fastest = 0;
    for (int i = 0; i < std::max(1, runs); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      interp.invoke();
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      fastest = i == 0 ? us : std::min(fastest, us);
    }
    const BatchTiming t{batch, fastest / batch};
    out.push_back(t);
    if (out.size() == 1 || t.us_per_window < best) best = t.us_per_window;
    else if (t.us_per_window > kGiveUp * best) break;
  }
  return out;
}

int fastest_batch(std::span<const BatchTiming> timings) {
  const auto it = std::min_element(timings.begin(), timings.end(),
                                   [](const BatchTiming& a, const BatchTiming& b) { return a.us_per_window < b.us_per_window; });
  return it == timings.end() ? 1 : it->batch;
}

}  // namespace nilm::runtime
