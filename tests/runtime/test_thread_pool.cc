#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "core/error.h"
#include "runtime/thread_pool.h"

namespace nilm::runtime {
namespace {

TEST(ThreadPool, EveryTaskRunsExactlyOnceAcrossManyRuns) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int run = 0; run < 100; ++run) {
      const int tasks = 1 + run % 37;
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(tasks));
      std::atomic<int> bad_thread{0};
      pool.run(tasks, [&](int t, int thread) {
        hits[std::size_t(t)].fetch_add(1);
        if (thread < 0 || thread >= threads) bad_thread.fetch_add(1);
      });
      for (int t = 0; t < tasks; ++t) ASSERT_EQ(hits[std::size_t(t)].load(), 1) << "task " << t;
      ASSERT_EQ(bad_thread.load(), 0);
    }
  }
}

TEST(ThreadPool, RejectsZeroThreads) { EXPECT_THROW(ThreadPool(0), Error); }

}  // namespace
}  // namespace nilm::runtime
