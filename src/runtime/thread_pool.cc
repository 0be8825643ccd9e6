#include "runtime/thread_pool.h"

#include "core/error.h"

namespace nilm::runtime {

namespace {
// Workers spin this many polls before sleeping on the generation counter: ops follow each other
// within microseconds during a run, and a futex wake-up costs more than that.
constexpr int kSpinPolls = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads < 1) fail("thread count must be at least 1, got " + std::to_string(threads));
  workers_.reserve(std::size_t(threads - 1));
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::work(int thread) {
  for (int t = next_.fetch_add(1, std::memory_order_relaxed); t < tasks_;
       t = next_.fetch_add(1, std::memory_order_relaxed))
    fn_(context_, t, thread);
}

void ThreadPool::run(int tasks, TaskFn fn, void* context) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int t = 0; t < tasks; ++t) fn(context, t, 0);
    return;
  }
  fn_ = fn;
  context_ = context;
  tasks_ = tasks;
  next_.store(0, std::memory_order_relaxed);
  workers_done_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  work(0);
  // Every worker checks in before the job fields may be reused by the next run().
  const int n = int(workers_.size());
  for (int spins = 0; workers_done_.load(std::memory_order_acquire) != n; ++spins)
    if (spins < kSpinPolls) cpu_relax();
    else std::this_thread::yield();
}

void ThreadPool::worker_loop(int thread) {
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t g = generation_.load(std::memory_order_acquire);
    for (int spins = 0; g == seen && spins < kSpinPolls; ++spins) {
      cpu_relax();
      g = generation_.load(std::memory_order_acquire);
    }
    while (g == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      g = generation_.load(std::memory_order_acquire);
    }
    seen = g;
    if (stop_.load()) return;
    work(thread);
    workers_done_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace nilm::runtime
