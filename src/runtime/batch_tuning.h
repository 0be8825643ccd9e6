// Windows per run for offline throughput (evaluating a whole house): the batch with the least
// time per window on this machine. Weight-bound models (the CNN) gain from reading their
// weights once per batch; activation-bound ones (the transformer's 299-token attention) lose
// once a batch's activations leave the cache. So the batch is measured, not guessed.
#pragma once

#include <span>
#include <vector>

#include "model/graph.h"
#include "runtime/model.h"

namespace nilm::runtime {

struct BatchTiming {
  int batch = 1;
  double us_per_window = 0;  // the fastest of the timed runs, divided by the batch
};

inline constexpr int kThroughputBatches[] = {1, 4, 16, 64};

// Times a batch-1 window model rebatched to each candidate (increasing), on zero inputs: one
// warm-up and `runs` timed runs each, stopping after the first candidate 1.25x slower per
// window than the best so far; then two more rounds of `runs` over the candidates still within
// 1.25x of the best, in turn (each keeps its fastest run). Candidates the graph does not
// rebatch to are left out.
std::vector<BatchTiming> time_batches(const model::Graph& graph, const CompileOptions& options, int threads,
                                      std::span<const int> candidates = kThroughputBatches, int runs = 2);
// The timed batch with the least time per window (1 when there is none).
int fastest_batch(std::span<const BatchTiming> timings);

}  // namespace nilm::runtime
