// Plans one arena for all tensors computed at run time: each buffer is live from the op that
// writes it to the last op that reads it, and buffers whose lives do not overlap may share
// bytes. Greedy by size (as TFLite Micro's planner): largest first, each at the lowest offset
// where it overlaps no already placed buffer that is live at the same time.
#pragma once

#include <cstddef>
#include <vector>

namespace nilm::runtime {

struct BufferRequest {
  std::size_t bytes = 0;
  int first_use = 0;  // op index that writes it (0 for graph inputs)
  int last_use = 0;   // last op index that reads it, inclusive
};

struct ArenaPlan {
  std::vector<std::size_t> offsets;  // one per request, aligned
  std::size_t bytes = 0;             // arena size needed
};

constexpr std::size_t kArenaAlignment = 64;  // a cache line; also enough for any vector load

ArenaPlan plan_arena(const std::vector<BufferRequest>& requests,
                     std::size_t alignment = kArenaAlignment);

// True when no two requests that are live at the same time share a byte (used by the tests
// and checked after planning in debug builds).
bool plan_is_valid(const std::vector<BufferRequest>& requests, const ArenaPlan& plan);

}  // namespace nilm::runtime
