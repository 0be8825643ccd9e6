// Latency statistics of timed runs: mean, median, percentiles, min, max, standard deviation.
//
// Percentiles use the nearest-rank definition: the p-th percentile of n sorted samples is the
// smallest sample with at least p% of the samples at or below it, sorted[ceil(p/100 * n) - 1]
// (a real measurement, never an interpolated value; p99 of fewer than 100 runs is the maximum).
// The median is the usual one: the middle sample, or the mean of the two middle samples.
#pragma once

#include <cstddef>
#include <vector>

namespace nilm::perf {

struct LatencyStats {
  std::size_t runs = 0;
  double mean_us = 0, median_us = 0, p90_us = 0, p99_us = 0, min_us = 0, max_us = 0;
  double stddev_us = 0;  // population standard deviation
};

// Throws nilm::Error for an empty sample set or p outside (0, 100].
double percentile(std::vector<double> samples, double p);
LatencyStats summarize(std::vector<double> samples_us);

}  // namespace nilm::perf
