// invoke() must not touch the heap: everything is planned and allocated when the interpreter is
// built. Counted by replacing the global operator new for this test program.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "runtime/interpreter.h"
#include "runtime/sample_graphs.h"

namespace {
std::atomic<long> g_allocations{0};
}

// AddressSanitizer brings its own operator new; counting is done in normal builds only.
#if !defined(__SANITIZE_ADDRESS__)
#define NILM_COUNT_ALLOCATIONS 1
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace nilm::runtime {
namespace {

TEST(NoAllocation, InvokeAllocatesNothing) {
#if !defined(NILM_COUNT_ALLOCATIONS)
  GTEST_SKIP() << "operator new is the sanitizer's in this build";
#endif
  for (const model::Graph& g : {cnn_graph(1), transformer_graph(1, 99, 64, 1)}) {
    for (Tier tier : {Tier::reference, Tier::optimized}) {
      CompileOptions o;
      o.tier = tier;
      const Model m = Model::from_graph(g, o);
      Interpreter interp(m, 2);
      for (std::size_t i = 0; i < interp.input_elements(0); ++i) interp.input(0)[i] = float(i % 13) * 0.1f;
      interp.invoke();
      const long before = g_allocations.load();
      for (int r = 0; r < 3; ++r) interp.invoke();
      EXPECT_EQ(g_allocations.load() - before, 0) << "tier " << int(tier) << ", " << m.node_count() << " ops";
    }
  }
}

}  // namespace
}  // namespace nilm::runtime
