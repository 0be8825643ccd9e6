// The picture next to the metrics: aggregate, true and predicted power over a time span.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nilm::eval {

struct PowerTrace {
  std::string label;
  const float* watts;  // n values; NaN draws as a gap (no prediction there)
};

// Throws nilm::Error naming the path unless [start_hours, start_hours + hours) overlaps the n
// samples of the series (checked before a long evaluation, not after it).
void check_plot_span(const std::string& path, double period_s, std::size_t n, double start_hours,
                     double hours);

// Samples [start, start + count) of series sampled every period_s from start_unix; x axis in
// hours since the series start. Throws nilm::Error if the span is empty or outside the series.
void write_power_plot(const std::string& path, const std::string& title, double period_s,
                      std::int64_t start_unix, std::size_t n, double start_hours, double hours,
                      const std::vector<PowerTrace>& traces);

}  // namespace nilm::eval
