// Runs one op of a graph through the kernel table on raw (integer) tensors: selects the
// reference kernel as the interpreter would, prepares it and evaluates it once. For testing
// integer kernels without QUANTIZE / DEQUANTIZE around them.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "model/graph.h"
#include "runtime/cpu_features.h"
#include "runtime/kernel_registry.h"

namespace nilm::runtime::testing {

struct SingleOpResult {
  std::string kernel;
  std::vector<std::uint8_t> output;  // bytes of output 0
};

// `inputs`: bytes of every non-constant input of graph.ops[node], in input order.
inline SingleOpResult run_single_op(const model::Graph& graph, const std::vector<std::vector<std::uint8_t>>& inputs,
                                    int node = 0, Tier tier = Tier::reference, int threads = 1) {
  const model::Op& op = graph.ops.at(std::size_t(node));
  const std::string where = "single_op";
  PrepareContext ctx{graph, op, node, {}, {}, nullptr, where};
  std::vector<const void*> in_ptrs;
  std::size_t next = 0;
  for (int t : op.inputs) {
    const model::Tensor* tensor = t < 0 ? nullptr : &graph.tensor(t);
    ctx.inputs.push_back(tensor);
    if (!tensor) in_ptrs.push_back(nullptr);
    else if (tensor->is_constant()) in_ptrs.push_back(tensor->data.data());
    else in_ptrs.push_back(inputs.at(next++).data());
  }
  for (int t : op.outputs) ctx.outputs.push_back(&graph.tensor(t));
  const KernelEntry& entry = select_kernel(ctx, tier, tier == Tier::reference ? cpu_none : detect_cpu_features());
  auto state = entry.prepare(ctx);
  SingleOpResult result;
  result.kernel = entry.name;
  result.output.assign(ctx.outputs[0]->byte_size(), 0xAB);
  std::vector<std::byte> shared(state->scratch_shared + 64),
      per_thread(state->scratch_per_thread * std::size_t(threads) + 64);
  void* out_ptr = result.output.data();
  ThreadPool pool(threads);
  EvalContext ectx{in_ptrs.data(), &out_ptr, pool, shared.data(), per_thread.data()};
  entry.eval(*state, ectx);
  return result;
}

template <class T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <class T>
std::vector<T> values_of(const std::vector<std::uint8_t>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

}  // namespace nilm::runtime::testing
