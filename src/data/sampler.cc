#include "data/sampler.h"

#include <algorithm>
#include <bit>

#include "core/error.h"

namespace nilm::data {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// i * total / count without overflow: evenly spaced picks for unshuffled capped epochs.
std::uint64_t spaced(std::uint64_t i, std::uint64_t total, std::uint64_t count) {
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>(static_cast<u128>(i) * total / count);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// IndexPermutation

IndexPermutation::IndexPermutation(std::uint64_t n, std::uint64_t key) : n_(n) {
  int bits = n <= 1 ? 0 : 64 - std::countl_zero(n - 1);  // 2^bits >= n
  mask_ = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
  shift_ = std::max(1, (bits + 1) / 2);
  for (int r = 0; r < kRounds; ++r) {
    mul_[r] = (splitmix64(key + 2 * r) | 1) & mask_;
    if (mask_ && !(mul_[r] & 1)) mul_[r] |= 1;
    add_[r] = splitmix64(key + 2 * r + 1) & mask_;
  }
}

std::uint64_t IndexPermutation::operator()(std::uint64_t i) const {
  // Each round is a bijection of [0, 2^bits); walking the cycle until we land below n again
  // makes it a bijection of [0, n) (at most ~2 rounds on average since 2^bits < 2n).
  do {
    for (int r = 0; r < kRounds; ++r) {
      i = (i * mul_[r] + add_[r]) & mask_;
      i ^= i >> shift_;
    }
  } while (i >= n_);
  return i;
}

// ---------------------------------------------------------------------------------------------
// WindowSampler

WindowSampler::WindowSampler(const Store& store, const std::string& appliance,
                             const std::vector<std::string>& houses, SamplerOptions options)
    : store_(store), opt_(options), params_(store.appliances().get(appliance)),
      scaling_(store.scaling()), house_names_(houses) {
  if (opt_.window < 1 || opt_.window % 2 == 0)
    fail("sampler: the window must be a positive odd number of samples, got " +
         std::to_string(opt_.window));
  if (opt_.stride < 1) fail("sampler: the stride must be positive, got " + std::to_string(opt_.stride));
  if (houses.empty()) fail("sampler: no houses given for " + appliance);
  if (houses.size() > 0xffffffffu) fail("sampler: too many houses");

  const std::size_t w = static_cast<std::size_t>(opt_.window);
  const std::size_t stride = static_cast<std::size_t>(opt_.stride);
  for (std::uint32_t h = 0; h < houses.size(); ++h) {
    HouseView v = store.house(houses[h]);
    const float* watts = v.appliance(appliance);
    const std::uint8_t* status = v.status(appliance);
    if (!watts || !status)
      fail(store.dir() + ": house " + houses[h] + " has no " + appliance + " channel");
    sources_.push_back({v.aggregate, watts, status});
    // Gap-free stretches; a window fits wherever a stretch is at least `window` long.
    std::size_t i = 0;
    while (i < v.n) {
      while (i < v.n && v.missing[i]) ++i;
      std::size_t start = i;
      while (i < v.n && !v.missing[i]) ++i;
      if (i - start >= w) {
        std::uint64_t count = (i - start - w) / stride + 1;
        segments_.push_back({total_, start, h});
        total_ += count;
      }
    }
  }
  if (total_ == 0)
    fail(store.dir() + ": no window of " + std::to_string(w) +
         " samples without missing data in " + join(houses));

  // Midpoint status of every window, as a bitmap with per-block counts for rank/select.
  const std::size_t half = w / 2;
  on_bits_.assign((total_ + 63) / 64, 0);
  for (std::size_t s = 0; s < segments_.size(); ++s) {
    const Segment& seg = segments_[s];
    std::uint64_t end = s + 1 < segments_.size() ? segments_[s + 1].first : total_;
    const std::uint8_t* st = sources_[seg.house].status + seg.start0 + half;
    for (std::uint64_t k = seg.first, off = 0; k < end; ++k, off += stride)
      if (st[off]) on_bits_[k >> 6] |= 1ull << (k & 63);
  }
  block_on_.resize((on_bits_.size() + kBlockWords - 1) / kBlockWords);
  for (std::size_t b = 0; b < block_on_.size(); ++b) {
    block_on_[b] = total_on_;
    for (std::size_t k = b * kBlockWords; k < std::min(on_bits_.size(), (b + 1) * kBlockWords); ++k)
      total_on_ += static_cast<std::uint64_t>(std::popcount(on_bits_[k]));
  }
  if (opt_.balanced && (total_on_ == 0 || total_on_ == total_))
    fail(store.dir() + ": balanced sampling of " + appliance + " needs windows with the " +
         "appliance on and off at the midpoint, but in " + join(houses) + " it is " +
         (total_on_ == 0 ? "never on" : "always on"));
  start_epoch(0);
}

void WindowSampler::start_epoch(std::uint64_t epoch) {
  const std::uint64_t key = splitmix64(splitmix64(opt_.seed) ^ (epoch * 0xd1342543de82ef95ull));
  pos_ = ahead_end_ = 0;
  if (opt_.balanced) {
    std::uint64_t k = std::min(total_on_, total_ - total_on_);
    if (opt_.max_windows) k = std::min<std::uint64_t>(k, std::max<std::size_t>(1, opt_.max_windows / 2));
    epoch_size_ = 2 * k;
    if (opt_.shuffle) {
      perm_on_ = IndexPermutation(total_on_, key ^ 0x6f6e);
      perm_off_ = IndexPermutation(total_ - total_on_, key ^ 0x6f6666);
    }
  } else {
    epoch_size_ = opt_.max_windows ? std::min<std::uint64_t>(total_, opt_.max_windows) : total_;
    if (opt_.shuffle) perm_ = IndexPermutation(total_, key);
  }
}

std::uint64_t WindowSampler::select(bool on, std::uint64_t rank) const {
  const std::uint64_t block_size = kBlockWords * 64;
  auto before = [&](std::size_t b) { return on ? block_on_[b] : b * block_size - block_on_[b]; };
  std::size_t lo = 0, hi = block_on_.size();  // last block with before(b) <= rank
  while (hi - lo > 1) {
    std::size_t mid = (lo + hi) / 2;
    if (before(mid) <= rank) lo = mid;
    else hi = mid;
  }
  std::uint64_t r = rank - before(lo);
  for (std::size_t k = lo * kBlockWords; k < on_bits_.size(); ++k) {
    std::uint64_t word = on ? on_bits_[k] : ~on_bits_[k];
    auto c = static_cast<std::uint64_t>(std::popcount(word));
    if (r < c) {
      int base = 0;  // skip whole bytes, then clear the lowest set bits of the last one
      for (;; base += 8) {
        auto in_byte = static_cast<std::uint64_t>(std::popcount((word >> base) & 0xff));
        if (r < in_byte) break;
        r -= in_byte;
      }
      std::uint64_t byte = (word >> base) & 0xff;
      for (; r > 0; --r) byte &= byte - 1;
      return k * 64 + static_cast<std::uint64_t>(base + std::countr_zero(byte));
    }
    r -= c;
  }
  fail("sampler: internal error: window rank out of range");
}

std::uint64_t WindowSampler::global_index(std::uint64_t i) const {
  if (opt_.balanced) {
    const std::uint64_t k = epoch_size_ / 2, j = i / 2;
    const bool on = (i % 2) == 0;
    const std::uint64_t n = on ? total_on_ : total_ - total_on_;
    std::uint64_t rank = opt_.shuffle ? (on ? perm_on_(j) : perm_off_(j)) : spaced(j, n, k);
    return select(on, rank);
  }
  if (opt_.shuffle) return perm_(i);
  return epoch_size_ == total_ ? i : spaced(i, total_, epoch_size_);
}

WindowRef WindowSampler::ref(std::uint64_t g) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), g,
                             [](std::uint64_t v, const Segment& s) { return v < s.first; });
  const Segment& seg = *(it - 1);
  const std::size_t start = seg.start0 + (g - seg.first) * static_cast<std::uint64_t>(opt_.stride);
  const std::size_t mid = start + static_cast<std::size_t>(opt_.window / 2);
  const Source& src = sources_[seg.house];
  return {src.aggregate + start, src.watts[mid], src.status[mid], seg.house, mid};
}

WindowRef WindowSampler::at(std::size_t i) const {
  if (i >= epoch_size_)
    fail("sampler: window " + std::to_string(i) + " of an epoch of " + std::to_string(epoch_size_));
  return ref(global_index(i));
}

void WindowSampler::prefetch(const WindowRef& r) const {
  const char* p = reinterpret_cast<const char*>(r.aggregate);
  const std::size_t bytes = static_cast<std::size_t>(opt_.window) * sizeof(float);
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
  __builtin_prefetch(p + bytes - 1);
}

bool WindowSampler::next(WindowRef& out) {
  if (pos_ >= epoch_size_) return false;
  const std::size_t want = std::min(epoch_size_, pos_ + kAhead);
  for (; ahead_end_ < want; ++ahead_end_) {
    ahead_[ahead_end_ % kAhead] = ref(global_index(ahead_end_));
    prefetch(ahead_[ahead_end_ % kAhead]);
  }
  out = ahead_[pos_ % kAhead];
  ++pos_;
  return true;
}

void WindowSampler::fill(std::size_t first, std::size_t count, float* inputs, float* targets,
                         float* status) const {
  const std::size_t w = static_cast<std::size_t>(opt_.window);
  const float inv_std = 1.0f / scaling_.aggregate_std, mean = scaling_.aggregate_mean;
  const float inv_pm = 1.0f / params_.max_power_w;
  if (first + count > epoch_size_ || first + count < first)
    fail("sampler: windows " + std::to_string(first) + "+" + std::to_string(count) +
         " past the epoch of " + std::to_string(epoch_size_));
  WindowRef ahead[kAhead];
  const std::size_t primed = std::min(count, kAhead);
  for (std::size_t k = 0; k < primed; ++k) prefetch(ahead[k] = ref(global_index(first + k)));
  for (std::size_t k = 0; k < count; ++k) {
    const WindowRef r = ahead[k % kAhead];
    if (k + kAhead < count)
      prefetch(ahead[k % kAhead] = ref(global_index(first + k + kAhead)));
    float* dst = inputs + k * w;
    for (std::size_t j = 0; j < w; ++j) dst[j] = (r.aggregate[j] - mean) * inv_std;
    if (targets) targets[k] = std::clamp(r.target_w * inv_pm, 0.0f, 1.0f);
    if (status) status[k] = r.status ? 1.0f : 0.0f;
  }
}

std::size_t WindowSampler::fill_batch(std::size_t batch, float* inputs, float* targets,
                                      float* status) {
  std::size_t count = std::min(batch, epoch_size_ - pos_);
  fill(pos_, count, inputs, targets, status);
  pos_ += count;
  ahead_end_ = std::max(ahead_end_, pos_);  // look-ahead entries past pos_ stay valid
  return count;
}

}  // namespace nilm::data
