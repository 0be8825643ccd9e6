#include "data/series.h"

namespace nilm::data {

CleaningCounts& CleaningCounts::operator+=(const CleaningCounts& o) {
  rows_read += o.rows_read;
  rows_rejected += o.rows_rejected;
  duplicate_times += o.duplicate_times;
  non_monotonic += o.non_monotonic;
  nan_values += o.nan_values;
  negative_values += o.negative_values;
  clipped_values += o.clipped_values;
  issues_rows += o.issues_rows;
  samples_filled += o.samples_filled;
  samples_missing += o.samples_missing;
  empty_channels += o.empty_channels;
  return *this;
}

const ApplianceSeries* HouseSeries::find(const std::string& appliance) const {
  for (const auto& a : appliances)
    if (a.name == appliance) return &a;
  return nullptr;
}

}  // namespace nilm::data
