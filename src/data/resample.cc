#include "data/resample.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nilm::data {

namespace {
// A grid longer than this is a wrong timestamp, not data (50 years at 8 s).
constexpr std::int64_t kMaxGridSamples = 200'000'000;
// No meter log has a year-long hole; a jump that long is a wrong timestamp, and filling it
// with missing grid samples would take gigabytes.
constexpr double kMaxGapS = 366.0 * 86400;
}  // namespace

GridBuilder::GridBuilder(double period_s, double fill_limit_s, std::size_t expected_bins)
    : period_(period_s), fill_limit_(fill_limit_s) {
  if (!(period_s > 0)) fail("resampling period must be positive");
  grid_.values.reserve(expected_bins);
  grid_.state.reserve(expected_bins);
}

void GridBuilder::close_bin() {
  last_bin_value_ = static_cast<float>(sum_ / count_);
  grid_.values.push_back(last_bin_value_);
  grid_.state.push_back(kReal);
}

void GridBuilder::add(double t, float watts) {
  const auto bin = static_cast<std::int64_t>(std::floor(t / period_));
  if (!started_) {
    started_ = true;
    grid_.first_bin = bin_ = bin;
    sum_ = watts;
    count_ = 1;
  } else if (t == last_t_) {  // duplicate timestamp: the later sample replaces the earlier
    sum_ += static_cast<double>(watts) - last_v_;
  } else if (bin == bin_) {
    sum_ += watts;
    ++count_;
  } else {
    close_bin();
    if (t - last_t_ > kMaxGapS)
      fail("time jumps forward by " + std::to_string(static_cast<long long>((t - last_t_) / 86400)) +
           " days (more than a year): a wrong timestamp?");
    if (bin - grid_.first_bin > kMaxGridSamples)
      fail("time span over " + std::to_string(kMaxGridSamples) + " grid samples: wrong timestamps?");
    const bool fill = t - last_t_ <= fill_limit_;
    const float value = fill ? last_bin_value_ : 0.0f;
    const std::uint8_t state = fill ? kFilled : kMissing;
    for (std::int64_t b = bin_ + 1; b < bin; ++b) {
      grid_.values.push_back(value);
      grid_.state.push_back(state);
    }
    bin_ = bin;
    sum_ = watts;
    count_ = 1;
  }
  last_t_ = t;
  last_v_ = watts;
}

ChannelGrid GridBuilder::finish() {
  if (started_) close_bin();
  started_ = false;
  return std::move(grid_);
}

ChannelGrid sum_grids(const ChannelGrid& a, const ChannelGrid& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  ChannelGrid out;
  out.first_bin = std::min(a.first_bin, b.first_bin);
  const std::int64_t end = std::max(a.end_bin(), b.end_bin());
  const auto n = static_cast<std::size_t>(end - out.first_bin);
  out.values.assign(n, 0.0f);
  out.state.assign(n, kMissing);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t bin = out.first_bin + static_cast<std::int64_t>(i);
    if (bin < a.first_bin || bin >= a.end_bin() || bin < b.first_bin || bin >= b.end_bin())
      continue;
    const auto ia = static_cast<std::size_t>(bin - a.first_bin);
    const auto ib = static_cast<std::size_t>(bin - b.first_bin);
    const std::uint8_t s = std::max(a.state[ia], b.state[ib]);
    out.state[i] = s;
    if (s != kMissing) out.values[i] = a.values[ia] + b.values[ib];
  }
  return out;
}

namespace {
// Moves or copies a channel onto [first, first + n); outside its range it is missing.
// `mask` collects missing, `filled` collects filled.
std::vector<float> place(ChannelGrid& g, std::int64_t first, std::size_t n,
                         std::vector<std::uint8_t>& mask, std::vector<std::uint8_t>& filled) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t bin = first + static_cast<std::int64_t>(i);
    if (bin < g.first_bin || bin >= g.end_bin()) {
      mask[i] = 1;
      continue;
    }
    const std::uint8_t s = g.state[static_cast<std::size_t>(bin - g.first_bin)];
    mask[i] |= s == kMissing;
    filled[i] |= s == kFilled;
  }
  if (g.first_bin == first && g.values.size() == n) {
    std::vector<std::uint8_t>().swap(g.state);
    return std::move(g.values);
  }
  std::vector<float> out(n, 0.0f);
  for (std::size_t i = 0; i < g.values.size(); ++i) {
    const std::int64_t at = g.first_bin + static_cast<std::int64_t>(i) - first;
    out[static_cast<std::size_t>(at)] = g.values[i];
  }
  g = ChannelGrid{};
  return out;
}
}  // namespace

HouseSeries assemble_house(const std::string& name, const std::string& source, double period_s,
                           ChannelGrid aggregate, std::vector<NamedGrid> appliances,
                           CleaningCounts counts) {
  if (aggregate.empty()) fail(name + ": the aggregate has no valid sample");
  std::int64_t first = aggregate.first_bin, end = aggregate.end_bin();
  std::vector<NamedGrid> kept;
  for (auto& a : appliances) {
    if (a.grid.empty()) {
      ++counts.empty_channels;
      continue;
    }
    first = std::min(first, a.grid.first_bin);
    end = std::max(end, a.grid.end_bin());
    kept.push_back(std::move(a));
  }
  const auto n = static_cast<std::size_t>(end - first);
  HouseSeries house;
  house.name = name;
  house.source = source;
  house.period_s = period_s;
  house.start_unix = static_cast<std::int64_t>(std::llround(static_cast<double>(first) * period_s));
  house.missing.assign(n, 0);
  std::vector<std::uint8_t> filled(n, 0);
  house.aggregate = place(aggregate, first, n, house.missing, filled);
  for (auto& a : kept)
    house.appliances.push_back({a.name, place(a.grid, first, n, house.missing, filled)});
  for (std::size_t i = 0; i < n; ++i) {
    if (house.missing[i]) {
      ++counts.samples_missing;
      house.aggregate[i] = 0;
      for (auto& a : house.appliances) a.watts[i] = 0;
    } else if (filled[i]) {
      ++counts.samples_filled;
    }
  }
  house.counts = counts;
  return house;
}

}  // namespace nilm::data
