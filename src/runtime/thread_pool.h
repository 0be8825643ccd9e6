// A persistent pool: threads are created once (with the interpreter) and reused by every op of
// every run. run(tasks, fn) calls fn(task, thread) for each task index on some thread, the
// caller included, and returns when all are done. Ops make tasks that write disjoint outputs
// and never split a reduction, so the result does not depend on how tasks land on threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

namespace nilm::runtime {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads >= 1; threads - 1 workers are started
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }

  using TaskFn = void (*)(void* context, int task, int thread);
  void run(int tasks, TaskFn fn, void* context);

  // Convenience for lambdas; no allocation (the lambda stays on the caller's stack).
  template <class F>
  void run(int tasks, F&& f) {
    if (tasks <= 0) return;
    if (tasks == 1 || workers_.empty()) {
      for (int t = 0; t < tasks; ++t) f(t, 0);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    run(tasks, [](void* c, int task, int thread) { (*static_cast<Fn*>(c))(task, thread); },
        static_cast<void*>(&f));
  }

 private:
  void worker_loop(int thread);
  void work(int thread);

  std::vector<std::thread> workers_;
  // The current job; written by the caller while the job is closed (no worker inside).
  TaskFn fn_ = nullptr;
  void* context_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};   // next task index to hand out
  std::atomic<int> done_{0};   // tasks finished
  // (job generation << 32) | workers inside the job. Odd generations are closed. A worker
  // joins only by a compare-and-swap that sees the job still open, and the caller closes it
  // only when nobody is inside, so job fields are never rewritten under a worker; a worker the
  // OS has not scheduled simply misses the job instead of making the caller wait for it.
  std::atomic<std::uint64_t> state_{std::uint64_t{1} << 32};
  std::atomic<std::uint32_t> wake_{0};  // bumped to wake sleeping workers
  std::atomic<bool> stop_{false};
};

}  // namespace nilm::runtime
