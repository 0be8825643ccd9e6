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
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::work(int thread) {
  for (int t = next_.fetch_add(1, std::memory_order_relaxed); t < tasks_;
       t = next_.fetch_add(1, std::memory_order_relaxed)) {
    fn_(context_, t, thread);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::run(int tasks, TaskFn fn, void* context) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int t = 0; t < tasks; ++t) fn(context, t, 0);
    return;
  }
  // The job is closed here (odd generation, nobody inside): fields may be written.
  fn_ = fn;
  context_ = context;
  tasks_ = tasks;
  next_.store(0, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const std::uint64_t open = ((state_.load(std::memory_order_relaxed) >> 32) + 1) << 32;
  state_.store(open, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  work(0);
  for (int spins = 0; done_.load(std::memory_order_acquire) != tasks; ++spins)
    if (spins < kSpinPolls) cpu_relax();
    else std::this_thread::yield();
  // Close the job once no worker is inside it (a worker inside has found no task left and is
  // about to leave).
  for (std::uint64_t s = open;;) {
    s &= ~std::uint64_t{0xffffffff};
    if (state_.compare_exchange_weak(s, s + (std::uint64_t{1} << 32), std::memory_order_acq_rel)) break;
    cpu_relax();
  }
}

void ThreadPool::worker_loop(int thread) {
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t w = wake_.load(std::memory_order_acquire);
    for (int spins = 0; w == seen && spins < kSpinPolls; ++spins) {
      cpu_relax();
      w = wake_.load(std::memory_order_acquire);
    }
    while (w == seen) {
      wake_.wait(seen, std::memory_order_acquire);
      w = wake_.load(std::memory_order_acquire);
    }
    seen = w;
    if (stop_.load()) return;
    // Join the job if it is still open.
    std::uint64_t s = state_.load(std::memory_order_acquire);
    bool joined = false;
    while ((s >> 32) % 2 == 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    work(thread);
    state_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace nilm::runtime
