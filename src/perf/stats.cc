#include "perf/stats.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nilm::perf {
namespace {

double nearest_rank(const std::vector<double>& sorted, double p) {
  const auto n = double(sorted.size());
  // The small tolerance keeps e.g. 0.9 * 10 = 9.000000000000002 at rank 9.
  const auto rank = std::size_t(std::ceil(p / 100.0 * n - 1e-9));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) fail("percentile of no samples");
  if (!(p > 0 && p <= 100)) fail("percentile " + std::to_string(p) + " is outside (0, 100]");
  std::sort(samples.begin(), samples.end());
  return nearest_rank(samples, p);
}

LatencyStats summarize(std::vector<double> samples_us) {
  if (samples_us.empty()) fail("latency statistics of no runs");
  std::sort(samples_us.begin(), samples_us.end());
  const std::size_t n = samples_us.size();
  LatencyStats s;
  s.runs = n;
  double sum = 0;
  for (double v : samples_us) sum += v;
  s.mean_us = sum / double(n);
  double squares = 0;
  for (double v : samples_us) squares += (v - s.mean_us) * (v - s.mean_us);
  s.stddev_us = std::sqrt(squares / double(n));
  s.median_us = n % 2 ? samples_us[n / 2] : (samples_us[n / 2 - 1] + samples_us[n / 2]) / 2;
  s.p90_us = nearest_rank(samples_us, 90);
  s.p99_us = nearest_rank(samples_us, 99);
  s.min_us = samples_us.front();
  s.max_us = samples_us.back();
  return s;
}

}  // namespace nilm::perf
