// The kernel table: one entry per kernel variant, named by what it computes
// ("fully_connected_f32_ref", "fully_connected_f32_avx2"). An entry is keyed by the op kind, the
// element types it consumes and produces (input, weights = second input, output) and the CPU
// features it needs; a graph node gets the highest-priority entry whose key matches, whose
// features the CPU has, and whose `supports` accepts the node's attributes and shapes. The
// reference variants accept everything of their types, so they are the fallback, and they
// are the oracle the optimized variants are tested against.
//
// Each variant has a prepare step run once at load time (derive kernel parameters from the
// node, pack weights, size scratch memory) and an eval step run per inference that allocates
// nothing. Quantized variants (int8 / int16 / hybrid / f16 weights) are further rows of the
// same table with their own types and prepared state.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/graph.h"
#include "runtime/cpu_features.h"
#include "runtime/kernels/micro.h"
#include "runtime/thread_pool.h"

namespace nilm::runtime {

enum class Tier : std::uint8_t {
  reference,  // only the reference variants (the oracle)
  optimized,  // the fastest variant the CPU supports, falling back to the reference
};

// Everything a prepare step may look at. Constant inputs have their data; others do not.
struct PrepareContext {
  const model::Graph& graph;
  const model::Op& op;
  int node = 0;
  std::vector<const model::Tensor*> inputs;   // nullptr for an absent optional input
  std::vector<const model::Tensor*> outputs;
  const kernels::MicroKernels* micro = nullptr;  // the micro-kernel set of this variant
  const std::string& where;                      // prefix for error messages
};

// A variant's per-node state: kernel parameters, packed weights, scratch needs.
struct OpState {
  virtual ~OpState() = default;
  std::size_t scratch_shared = 0;      // bytes used by all threads of one run
  std::size_t scratch_per_thread = 0;  // bytes each thread gets for itself
  std::size_t prepared_bytes = 0;      // load-time copies such as packed weights
};

// What an eval step gets per run: tensor data pointers (constants point into the model),
// the pool and scratch memory (inside the interpreter's arena).
struct EvalContext {
  const void* const* inputs;   // nullptr for an absent optional input
  void* const* outputs;
  ThreadPool& pool;
  std::byte* scratch_shared;
  std::byte* scratch_threads;  // thread t owns [t * scratch_per_thread, (t + 1) * ...)
  const float* in(int i) const { return static_cast<const float*>(inputs[i]); }
  float* out(int i) const { return static_cast<float*>(outputs[i]); }
  template <class T> T* thread_scratch(const OpState& s, int thread) const {
    return reinterpret_cast<T*>(scratch_threads + std::size_t(thread) * s.scratch_per_thread);
  }
};

enum class MicroSet : std::uint8_t { none, portable, avx2, avx512, neon };

struct KernelEntry {
  const char* name;
  model::OpKind op;
  model::ElementType input, weights, output;  // weights: type of input 1 (or of input 0 if none)
  int priority;          // higher wins among those that apply; reference variants are 0
  CpuFeatures needs;
  MicroSet micro;
  bool (*supports)(const PrepareContext&);  // nullptr: every node of these types
  std::unique_ptr<OpState> (*prepare)(const PrepareContext&);
  void (*eval)(const OpState&, const EvalContext&);
  bool is_reference() const { return priority == 0; }
};

// The whole table (every op family's entries, in a stable order).
std::span<const KernelEntry> kernel_table();
const KernelEntry* find_kernel(const std::string& name);  // nullptr if unknown

// The entry for ctx.op given the tier and the CPU features allowed; sets ctx.micro to the
// chosen variant's micro-kernels. Throws nilm::Error (starting with ctx.where, naming the op
// and its types) when there is none.
const KernelEntry& select_kernel(PrepareContext& ctx, Tier tier, CpuFeatures features);
const kernels::MicroKernels* micro_kernels(MicroSet set);

// The op families' tables (one per ops_*.cc file).
std::span<const KernelEntry> conv_kernels();
std::span<const KernelEntry> pool_kernels();
std::span<const KernelEntry> fully_connected_kernels();
std::span<const KernelEntry> elementwise_kernels();
std::span<const KernelEntry> shape_kernels();
std::span<const KernelEntry> matmul_kernels();
// Integer / hybrid / f16 families (ops_quantize.cc, ops_*_int.cc).
std::span<const KernelEntry> quantize_kernels();
std::span<const KernelEntry> conv_int_kernels();
std::span<const KernelEntry> fully_connected_int_kernels();
std::span<const KernelEntry> matmul_int_kernels();
std::span<const KernelEntry> pool_int_kernels();
std::span<const KernelEntry> elementwise_int_kernels();  // ops_elementwise_int.cc
std::span<const KernelEntry> activation_int_kernels();   // ops_activation_int.cc

}  // namespace nilm::runtime
