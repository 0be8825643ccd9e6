#include "runtime/arena_planner.h"

#include <algorithm>
#include <numeric>

namespace nilm::runtime {

static bool lives_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

static std::size_t align_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }

ArenaPlan plan_arena(const std::vector<BufferRequest>& requests, std::size_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  std::vector<std::size_t> placed;  // indices already given an offset
  std::vector<std::pair<std::size_t, std::size_t>> busy;  // [begin, end) of live neighbours
  for (std::size_t i : order) {
    const BufferRequest& r = requests[i];
    const std::size_t size = align_up(std::max<std::size_t>(r.bytes, 1), alignment);
    busy.clear();
    for (std::size_t j : placed)
      if (lives_overlap(r, requests[j]))
        busy.emplace_back(plan.offsets[j], plan.offsets[j] + align_up(std::max<std::size_t>(requests[j].bytes, 1), alignment));
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;  // first gap that fits
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + size) break;
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.bytes = std::max(plan.bytes, offset + size);
    placed.push_back(i);
  }
  return plan;
}

bool plan_is_valid(const std::vector<BufferRequest>& requests, const ArenaPlan& plan) {
  if (plan.offsets.size() != requests.size()) return false;
  for (std::size_t a = 0; a < requests.size(); ++a) {
    if (plan.offsets[a] + requests[a].bytes > plan.bytes) return false;
    for (std::size_t b = a + 1; b < requests.size(); ++b) {
      if (!lives_overlap(requests[a], requests[b]) || !requests[a].bytes || !requests[b].bytes) continue;
      const bool disjoint = plan.offsets[a] + requests[a].bytes <= plan.offsets[b] ||
                            plan.offsets[b] + requests[b].bytes <= plan.offsets[a];
      if (!disjoint) return false;
    }
  }
  return true;
}

}  // namespace nilm::runtime
