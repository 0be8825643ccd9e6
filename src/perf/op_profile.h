// The per-op profile, like TFLite's benchmark tool prints it: per op type (count of nodes, avg
// ms per run, % of the ops' total, cumulative %, times called per run), slowest first, and per
// node. Filled from the runtime's per-op observer (Interpreter::set_observer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/interpreter.h"

namespace nilm::perf {

// Accumulated time of one node over the profiled runs.
struct NodeSample {
  int node = 0;
  std::string op;      // TFLite's op name: "FULLY_CONNECTED"
  std::string kernel;  // the runtime's variant: "fully_connected_f32_avx2"
  std::string name;    // the node's first output tensor's name (the layer)
  std::int64_t total_ns = 0;
  std::size_t calls = 0;
};

struct NodeTiming {
  int node = 0;
  std::string op, kernel, name;
  double avg_ms = 0;              // per run
  double percent = 0;             // of the ops' total
  double cumulative_percent = 0;  // this node and every slower one
  double times_called = 0;        // per run
};

struct OpTypeTiming {
  std::string op;
  int count = 0;  // nodes of this type
  double avg_ms = 0, percent = 0, cumulative_percent = 0, times_called = 0;
};

struct OpProfile {
  std::size_t runs = 0;
  double ops_ms = 0;     // sum over nodes of avg_ms: the time inside ops per run
  double invoke_ms = 0;  // measured wall time of invoke() per run (ops + the runtime's overhead)
  std::vector<OpTypeTiming> by_type;  // slowest first
  std::vector<NodeTiming> by_node;    // slowest first
};

// Averages `nodes` over `runs` and groups them by op type. Ties keep the op name / node order.
OpProfile aggregate_profile(const std::vector<NodeSample>& nodes, std::size_t runs);

// Collects NodeSamples from an Interpreter while attached (the observer costs a clock read per
// op, so latency runs are made without it).
class OpProfiler {
 public:
  explicit OpProfiler(runtime::Interpreter& interpreter);
  ~OpProfiler();  // detaches
  OpProfiler(const OpProfiler&) = delete;
  OpProfiler& operator=(const OpProfiler&) = delete;

  const std::vector<NodeSample>& samples() const { return samples_; }

 private:
  static void observe(void* self, const runtime::OpEvent& event);
  runtime::Interpreter& interpreter_;
  std::vector<NodeSample> samples_;
};

// Runs `runs` profiled invocations (after the caller's warm-up) and aggregates them.
OpProfile profile_runs(runtime::Interpreter& interpreter, std::size_t runs);

}  // namespace nilm::perf
