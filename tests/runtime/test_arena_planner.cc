// The arena planner: live buffers never share bytes, and sharing actually saves memory.
#include <gtest/gtest.h>

#include <random>

#include "runtime/arena_planner.h"
#include "runtime/model.h"
#include "runtime/sample_graphs.h"

namespace nilm::runtime {
namespace {

// Independent of plan_is_valid: checks every pair of buffers live at the same op.
void expect_no_live_overlap(const std::vector<BufferRequest>& r, const ArenaPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), r.size());
  for (std::size_t a = 0; a < r.size(); ++a) {
    EXPECT_EQ(plan.offsets[a] % kArenaAlignment, 0u);
    EXPECT_LE(plan.offsets[a] + r[a].bytes, plan.bytes);
    for (std::size_t b = a + 1; b < r.size(); ++b) {
      const bool same_time = !(r[a].last_use < r[b].first_use || r[b].last_use < r[a].first_use);
      const bool same_bytes = plan.offsets[a] < plan.offsets[b] + r[b].bytes &&
                              plan.offsets[b] < plan.offsets[a] + r[a].bytes;
      EXPECT_FALSE(same_time && same_bytes) << "buffers " << a << " and " << b;
    }
  }
}

TEST(ArenaPlanner, RandomLivenessNeverOverlapsAndBeatsTheSum) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferRequest> r(std::uniform_int_distribution<std::size_t>(1, 80)(rng));
    std::size_t sum = 0;
    for (auto& b : r) {
      b.bytes = std::uniform_int_distribution<std::size_t>(1, 100000)(rng);
      b.first_use = std::uniform_int_distribution<int>(0, 40)(rng);
      b.last_use = b.first_use + std::uniform_int_distribution<int>(0, 6)(rng);
      sum += (b.bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
    }
    const ArenaPlan plan = plan_arena(r);
    expect_no_live_overlap(r, plan);
    EXPECT_TRUE(plan_is_valid(r, plan));
    EXPECT_LE(plan.bytes, sum);
    // Lower bound: the bytes live at the busiest op.
    std::size_t peak = 0;
    for (int op = 0; op <= 46; ++op) {
      std::size_t live = 0;
      for (const auto& b : r)
        if (b.first_use <= op && op <= b.last_use) live += b.bytes;
      peak = std::max(peak, live);
    }
    EXPECT_GE(plan.bytes, peak);
  }
}

TEST(ArenaPlanner, AChainReusesTwoSlots) {
  // a -> b -> c -> d, each read only by the next op: two buffers are enough.
  std::vector<BufferRequest> r = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const ArenaPlan plan = plan_arena(r);
  expect_no_live_overlap(r, plan);
  EXPECT_EQ(plan.bytes, 2 * 1024u);
}

TEST(ArenaPlanner, CnnGraphSharesMemory) {
  const Model m = Model::from_graph(cnn_graph(1));
  // The largest activation is conv1's output 599 x 16 floats; the sum of all is far larger.
  EXPECT_LT(m.arena_bytes(), m.unshared_bytes() / 2);
  EXPECT_GE(m.arena_bytes(), 599u * 16 * 4);
  // Placements of arena tensors with overlapping lives never share bytes.
  const auto& g = m.graph();
  std::vector<BufferRequest> r;
  ArenaPlan plan;
  plan.bytes = m.arena_bytes();
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    const auto& p = m.placement(int(t));
    if (p.kind != TensorPlacement::Kind::arena || p.alias_of >= 0) continue;
    r.push_back({g.tensors[t].byte_size(), p.first_use, p.last_use});
    plan.offsets.push_back(p.offset);
  }
  expect_no_live_overlap(r, plan);
  // Constants stay in the graph's buffers: no arena bytes, no copies.
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_constant()) {
      EXPECT_EQ(m.placement(int(t)).constant, g.tensors[t].data.data());
    }
  }
}

}  // namespace
}  // namespace nilm::runtime
