// A model compiled once for execution: every op bound to a kernel variant (kernel_registry.h)
// with its prepared state (packed weights, parameters), every activation tensor given an offset
// in one arena (arena_planner.h: tensors whose lives do not overlap share bytes; a RESHAPE's
// output shares its input's bytes), constants left where they are (the memory-mapped .tflite
// file or the graph's buffers: never copied). Immutable once built; any number of
// Interpreters may run one Model at the same time.
//
//   auto model = nilm::runtime::Model::load("kettle.tflite");
//   nilm::runtime::Interpreter run(model, /*threads=*/2);
//   std::copy(window, window + 599, run.input(0));
//   run.invoke();
//   float y = run.output(0)[0];
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "model/graph.h"
#include "runtime/cpu_features.h"
#include "runtime/kernel_registry.h"

namespace nilm::runtime {

struct CompileOptions {
  Tier tier = Tier::optimized;
  CpuFeatures features = detect_cpu_features();  // mask to forbid variants (e.g. cpu_none)
};

// Where a tensor's bytes live at run time.
struct TensorPlacement {
  enum class Kind : std::uint8_t { unused, constant, arena } kind = Kind::unused;
  std::size_t offset = 0;             // arena: byte offset
  const void* constant = nullptr;     // constant: the bytes
  int first_use = 0, last_use = 0;    // op indices (arena tensors)
  int alias_of = -1;                  // shares the bytes of this tensor (RESHAPE)
};

class Model {
 public:
  // Loads and validates a .tflite file (memory-mapped; constants stay in the mapping).
  static Model load(const std::string& path, const CompileOptions& options = {});
  // Validates `graph` and compiles it; `name` prefixes error messages.
  static Model from_graph(model::Graph graph, const CompileOptions& options = {},
                          const std::string& name = "graph");

  const model::Graph& graph() const;
  const std::string& name() const;
  int node_count() const;
  const KernelEntry& kernel(int node) const;
  const OpState& state(int node) const;  // the variant's prepared state
  const TensorPlacement& placement(int tensor) const;

  std::size_t arena_bytes() const;       // planned activation bytes (excluding scratch)
  std::size_t unshared_bytes() const;    // what the activations would need without sharing
  std::size_t scratch_shared_bytes() const;      // largest per-op shared scratch
  std::size_t scratch_per_thread_bytes() const;  // largest per-op per-thread scratch
  std::size_t prepared_bytes() const;    // packed weights and other load-time copies (approx.)
  // "conv2d_f32_avx2 x5, fully_connected_f32_avx2 x3, ..." in first-use order.
  std::string kernel_summary() const;

  struct Impl;
  const std::shared_ptr<const Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace nilm::runtime
