// Resampling onto a regular grid, and the cleaning of single samples. The policy (also in
// docs/formats.md, "Input formats and cleaning policy"):
//  - The grid is aligned to multiples of the period in epoch time: grid sample k covers
//    [k*P, (k+1)*P) seconds, so every channel of every file lands on the same grid.
//  - A grid sample holding one or more real samples gets their mean (bin mean).
//  - An empty grid sample lies in a gap between two consecutive real samples at times a < b.
//    If b - a <= fill_limit_s it is forward-filled with the previous grid sample's value
//    (state `filled`), else it is `missing` (value 0). The grid runs from the first real
//    sample's grid sample to the last one's: nothing is invented before or after the data.
//  - Samples: NaN/empty = absent (not a real sample, counted); negative -> 0 (counted);
//    above the cap (also +inf) -> the cap (counted).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "data/series.h"

namespace nilm::data {

enum GridState : std::uint8_t { kReal = 0, kFilled = 1, kMissing = 2 };

struct ChannelGrid {  // one channel on the grid
  std::int64_t first_bin = 0;        // absolute grid index: floor(t / period) of sample 0
  std::vector<float> values;         // watts (0 where missing)
  std::vector<std::uint8_t> state;   // GridState per grid sample
  bool empty() const { return values.empty(); }
  std::int64_t end_bin() const { return first_bin + static_cast<std::int64_t>(values.size()); }
};

// Streams one channel's samples (in time order) into a ChannelGrid. O(1) per sample.
class GridBuilder {
 public:
  GridBuilder(double period_s, double fill_limit_s, std::size_t expected_bins = 0);
  // t must not go back in time (readers filter that); t equal to the previous sample's time
  // replaces that sample (duplicate timestamps: the later row wins). Throws on a jump forward
  // of more than a year or a grid over 200 million samples (wrong timestamps, not data).
  void add(double t, float watts);
  ChannelGrid finish();
  double last_time() const { return last_t_; }

 private:
  void close_bin();
  double period_;
  double fill_limit_;
  ChannelGrid grid_;
  bool started_ = false;
  std::int64_t bin_ = 0;  // grid sample being accumulated
  double sum_ = 0;
  std::uint32_t count_ = 0;
  double last_t_ = -std::numeric_limits<double>::infinity();
  float last_v_ = 0;
  float last_bin_value_ = 0;
};

// Applies the sample policy; false when the sample is absent (NaN).
inline bool clean_sample(double& v, float cap_w, CleaningCounts& counts) {
  if (v != v) {
    ++counts.nan_values;
    return false;
  }
  if (v < 0) {
    ++counts.negative_values;
    v = 0;
  } else if (v > cap_w) {
    ++counts.clipped_values;
    v = cap_w;
  }
  return true;
}

// Sums two channels measured separately (REDD's two mains legs, a two-leg appliance):
// defined where both are, missing where either is, filled where either is filled.
ChannelGrid sum_grids(const ChannelGrid& a, const ChannelGrid& b);

struct NamedGrid {
  std::string name;
  ChannelGrid grid;
};

// Puts the aggregate and appliance grids on one common grid (the union of their ranges) and
// builds the house: missing = any channel missing or outside its range, every channel 0 there.
// Appliance channels without a single real sample are dropped (counted in empty_channels).
// Fills counts.samples_filled (grid samples where a channel was forward-filled and none is
// missing) and counts.samples_missing. Throws if the aggregate has no real sample.
HouseSeries assemble_house(const std::string& name, const std::string& source, double period_s,
                           ChannelGrid aggregate, std::vector<NamedGrid> appliances,
                           CleaningCounts counts);

}  // namespace nilm::data
