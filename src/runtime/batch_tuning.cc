#include "runtime/batch_tuning.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/rebatch.h"

namespace nilm::runtime {
namespace {

struct Candidate {
  int batch = 1;
  std::unique_ptr<Model> model;  // the interpreter keeps a reference: a stable address
  std::unique_ptr<Interpreter> interp;
  double fastest_us = 0;  // per run, over every round so far
};

void time_runs(Candidate& c, int runs) {
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    c.interp->invoke();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    c.fastest_us = c.fastest_us > 0 ? std::min(c.fastest_us, us) : us;
  }
}

}  // namespace

std::vector<BatchTiming> time_batches(const model::Graph& graph, const CompileOptions& options, int threads,
                                      std::span<const int> candidates, int runs) {
  constexpr double kGiveUp = 1.25;  // per-window time only grows once activations leave the cache
  constexpr int kRounds = 3;        // the survivors are timed again in turn: a burst of load on a
                                    // shared machine then hits them alike
  runs = std::max(1, runs);
  std::vector<Candidate> timed;
  double best = 0;  // us per window
  for (const int batch : candidates) {
    model::Graph g;
    try {
      g = rebatch(graph, batch);
    } catch (const Error&) {
      continue;  // a model that takes no batch dimension runs as it is
    }
    Candidate c;
    c.batch = batch;
    c.model = std::make_unique<Model>(Model::from_graph(std::move(g), options));
    c.interp = std::make_unique<Interpreter>(*c.model, threads);
    c.interp->invoke();  // warm-up: first touch of the arena and packed weights
    time_runs(c, runs);
    const double per_window = c.fastest_us / batch;
    const bool give_up = !timed.empty() && per_window > kGiveUp * best;
    if (timed.empty() || per_window < best) best = per_window;
    timed.push_back(std::move(c));
    if (give_up) break;
  }
  // Later rounds: only the candidates within kGiveUp of the best (the others' memory freed).
  for (int round = 1; round < kRounds; ++round) {
    for (Candidate& c : timed)
      if (c.interp && c.fastest_us / c.batch > kGiveUp * best) c.interp.reset(), c.model.reset();
    for (Candidate& c : timed)
      if (c.interp) {
        time_runs(c, runs);
        best = std::min(best, c.fastest_us / c.batch);
      }
  }
  std::vector<BatchTiming> out;
  for (const Candidate& c : timed) out.push_back({c.batch, c.fastest_us / c.batch});
  return out;
}

int fastest_batch(std::span<const BatchTiming> timings) {
  const auto it = std::min_element(timings.begin(), timings.end(),
                                   [](const BatchTiming& a, const BatchTiming& b) { return a.us_per_window < b.us_per_window; });
  return it == timings.end() ? 1 : it->batch;
}

}  // namespace nilm::runtime
