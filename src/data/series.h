// The data layer's common currency: one house resampled onto a regular time grid.
// Readers (REFIT, UK-DALE, REDD, generic CSV) produce it; the prepared store saves it; the
// window sampler reads the store. Power is in watts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nilm::data {

// What cleaning and resampling did, counted, so that nothing is dropped silently. Every
// reader fills these and `nilm prepare` prints them per house and in total.
struct CleaningCounts {
  std::uint64_t rows_read = 0;          // data rows / lines parsed
  std::uint64_t rows_rejected = 0;      // rows skipped by a documented policy (see docs/formats.md)
  std::uint64_t duplicate_times = 0;    // rows whose timestamp repeats the previous one (later one kept)
  std::uint64_t non_monotonic = 0;      // rows going back in time (skipped)
  std::uint64_t nan_values = 0;         // NaN / empty fields, treated as absent samples
  std::uint64_t negative_values = 0;    // negative power, set to 0
  std::uint64_t clipped_values = 0;     // above the glitch cap, clipped to the cap
  std::uint64_t issues_rows = 0;        // REFIT rows flagged Issues=1 (sub-meters above aggregate)
  std::uint64_t samples_filled = 0;     // grid samples forward-filled across short gaps
  std::uint64_t samples_missing = 0;    // grid samples inside gaps longer than the fill limit
  std::uint64_t empty_channels = 0;     // appliance channels without one valid sample (dropped)

  CleaningCounts& operator+=(const CleaningCounts& o);
};

struct ApplianceSeries {
  std::string name;          // canonical appliance name: "kettle", "washing_machine", ...
  std::vector<float> watts;  // same length as the house's aggregate
};

struct HouseSeries {
  std::string name;              // e.g. "House2", "house_1"
  std::string source;            // "refit", "ukdale", "redd", "csv", "simulated"
  double period_s = 8.0;         // grid period
  std::int64_t start_unix = 0;   // epoch seconds of sample 0
  std::vector<float> aggregate;  // watts; 0 where missing
  std::vector<std::uint8_t> missing;  // 1 where any channel has no data (gap over the limit)
  std::vector<ApplianceSeries> appliances;
  CleaningCounts counts;

  std::size_t size() const { return aggregate.size(); }
  const ApplianceSeries* find(const std::string& appliance) const;
};

}  // namespace nilm::data
