// Runs a compiled Model. Owns the arena (allocated once, here) and the persistent thread pool;
// invoke() allocates nothing and creates no threads. Not thread-safe: one Interpreter per
// concurrent caller (they may share the Model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/model.h"
#include "runtime/thread_pool.h"

namespace nilm::runtime {

// Reported after each op when an observer is set (the profiler, the quantization debugger).
// During the call the op's outputs are readable through Interpreter::tensor_data().
struct OpEvent {
  int node;
  model::OpKind kind;
  const char* kernel;       // the variant's name
  std::int64_t elapsed_ns;  // wall time of the op
};
using OpObserver = void (*)(void* user, const OpEvent& event);

class Interpreter {
 public:
  explicit Interpreter(const Model& model, int threads = 1);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  std::size_t input_count() const;
  std::size_t output_count() const;
  // float32 graph inputs / outputs (throws nilm::Error for another element type). The input
  // bytes stay intact across invoke(), so the same input may be run again.
  float* input(std::size_t i);
  const float* output(std::size_t i) const;
  std::size_t input_elements(std::size_t i) const;
  std::size_t output_elements(std::size_t i) const;

  void invoke();

  // Per-op timing hook; nullptr turns it off (then invoke() costs one branch per op).
  void set_observer(OpObserver observer, void* user) {
    observer_ = observer;
    observer_user_ = user;
  }

  // Bytes of tensor `index` (an arena tensor holds valid data only while it is live, e.g.
  // inside an observer call right after the op that wrote it); nullptr for unused tensors.
  const void* tensor_data(int index) const;

  int threads() const { return pool_.size(); }
  // The persistent threads the ops run on (nilm bench times its bandwidth floor on them too).
  ThreadPool& pool() { return pool_; }
  std::size_t arena_bytes() const { return arena_size_; }  // activations + scratch
  const Model& model() const { return model_; }

 private:
  Model model_;
  ThreadPool pool_;
  std::unique_ptr<std::byte[]> storage_;
  std::byte* arena_ = nullptr;  // 64-byte aligned inside storage_
  std::size_t arena_size_ = 0;
  std::byte* scratch_shared_ = nullptr;
  std::byte* scratch_threads_ = nullptr;
  std::vector<void*> tensor_ptr_;         // per graph tensor
  std::vector<const void*> node_inputs_;  // flattened per node, padded with nullptr
  std::vector<void*> node_outputs_;
  std::vector<std::size_t> node_in_begin_, node_out_begin_;
  OpObserver observer_ = nullptr;
  void* observer_user_ = nullptr;
};

}  // namespace nilm::runtime
