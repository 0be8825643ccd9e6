// Seq2point training windows over a prepared store: each window is `window` aggregate samples
// and its target is the appliance's power and status at the midpoint. A window never touches a
// missing sample. Zero-copy (WindowRef points into the mapped store) and random-access, so an
// epoch needs no per-window memory: shuffling is a seeded bijection of the window indices and
// the balanced mode selects by rank over a bitmap of the midpoints' status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/appliance.h"
#include "data/store.h"

namespace nilm::data {

struct SamplerOptions {
  int window = 599;            // odd, so there is a midpoint
  int stride = 1;              // distance between window starts within a gap-free stretch
  bool shuffle = true;         // random order, fixed by (seed, epoch)
  std::uint64_t seed = 0;
  bool balanced = false;       // equal numbers of on and off midpoints, alternating on/off;
                               // (each class shuffled, or evenly spaced without shuffle)
  std::size_t max_windows = 0; // cap per epoch (0 = all): shuffled epochs draw a different
                               // random subset each; unshuffled ones take evenly spaced windows
};

struct WindowRef {
  const float* aggregate;  // `window` samples, watts
  float target_w;          // appliance watts at the midpoint
  std::uint8_t status;     // appliance on/off at the midpoint
  std::uint32_t house;     // index into the sampler's house list
  std::size_t mid;         // midpoint's sample index within the house
};

// A bijection of [0, n) chosen by a 64-bit key: a few rounds of (multiply by an odd constant,
// add, xor-shift) on the next power of two, cycle-walking back into range. O(1) memory.
class IndexPermutation {
 public:
  IndexPermutation() = default;
  IndexPermutation(std::uint64_t n, std::uint64_t key);
  std::uint64_t operator()(std::uint64_t i) const;
  std::uint64_t size() const { return n_; }

 private:
  static constexpr int kRounds = 4;
  std::uint64_t n_ = 0, mask_ = 0;
  int shift_ = 1;
  std::uint64_t mul_[kRounds] = {}, add_[kRounds] = {};
};

class WindowSampler {
 public:
  // Throws if the appliance is not in the store's table, a house lacks it, the options are
  // invalid, or no window fits (or, balanced, no window has an on or no window an off midpoint).
  WindowSampler(const Store& store, const std::string& appliance,
                const std::vector<std::string>& houses, SamplerOptions options);

  std::size_t size() const { return epoch_size_; }  // windows per epoch
  std::size_t available() const { return total_; }  // all gap-free windows
  std::size_t available_on() const { return total_on_; }  // of which the midpoint is on

  void start_epoch(std::uint64_t epoch);  // reshuffles deterministically from (seed, epoch)
  bool next(WindowRef& out);              // zero-copy; false at the end of the epoch
  void rewind() { pos_ = ahead_end_ = 0; }  // same epoch again, same order

  // Random access to the current epoch (thread-safe: const), for filling batches in parallel.
  WindowRef at(std::size_t i) const;      // i < size()

  // Normalised batch from the epoch's cursor: inputs [count x window] = (x - mean) / std,
  // targets = watts / max_power_w clipped to [0, 1], status 0/1. targets or status may be
  // nullptr. Returns how many windows were written (< batch only at the end of the epoch).
  std::size_t fill_batch(std::size_t batch, float* inputs, float* targets, float* status);
  // The same for windows [first, first + count) of the epoch; const, for parallel filling.
  void fill(std::size_t first, std::size_t count, float* inputs, float* targets,
            float* status) const;

  int window() const { return opt_.window; }
  const ApplianceParams& appliance() const { return params_; }
  Scaling scaling() const { return scaling_; }
  const std::vector<std::string>& houses() const { return house_names_; }
  const SamplerOptions& options() const { return opt_; }

 private:
  struct Source {
    const float* aggregate;
    const float* watts;
    const std::uint8_t* status;
  };
  struct Segment {  // windows [first, first + count) start at start0 + k * stride in `house`
    std::uint64_t first;
    std::uint64_t start0;
    std::uint32_t house;
  };

  WindowRef ref(std::uint64_t global) const;    // window index over all available windows
  void prefetch(const WindowRef& r) const;      // asks for the window's cache lines early
  std::uint64_t global_index(std::uint64_t i) const;  // epoch position -> window index
  std::uint64_t select(bool on, std::uint64_t rank) const;  // rank-th window of a class

  Store store_;  // keeps the mappings alive
  SamplerOptions opt_;
  ApplianceParams params_;
  Scaling scaling_;
  std::vector<std::string> house_names_;
  std::vector<Source> sources_;
  std::vector<Segment> segments_;
  std::uint64_t total_ = 0, total_on_ = 0;

  // Balanced mode: bit k set when window k's midpoint is on; on-windows before each block.
  static constexpr std::size_t kBlockWords = 8;  // 512 windows per block
  std::vector<std::uint64_t> on_bits_;
  std::vector<std::uint64_t> block_on_;

  std::size_t epoch_size_ = 0, pos_ = 0;
  // next() looks kAhead windows ahead and prefetches them, so that memory latency overlaps the
  // consumer's work (random windows are mostly cache misses).
  static constexpr std::size_t kAhead = 8;
  WindowRef ahead_[kAhead] = {};
  std::size_t ahead_end_ = 0;  // windows [pos_, ahead_end_) are in ahead_
  IndexPermutation perm_, perm_on_, perm_off_;
};

}  // namespace nilm::data
