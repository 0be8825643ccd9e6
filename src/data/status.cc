#include "data/status.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nilm::data {

std::size_t duration_samples(double seconds, double period_s) {
  if (!(period_s > 0)) fail("duration_samples: the period must be positive");
  if (!(seconds > 0)) return 0;
  double x = seconds / period_s;
  // Guard against 1.1 / 0.1 = 11.000000000000002 becoming 12.
  return static_cast<std::size_t>(std::ceil(x - 1e-9 * std::max(1.0, x)));
}

std::vector<std::uint8_t> on_off_status(const float* watts, std::size_t n,
                                        const ApplianceParams& params, double period_s) {
  const std::size_t min_on = duration_samples(params.min_on_s, period_s);
  const std::size_t min_off = duration_samples(params.min_off_s, period_s);
  std::vector<std::uint8_t> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = watts[i] >= params.on_threshold_w ? 1 : 0;

  // Fill short interior off-gaps: walk the gaps between consecutive on-runs.
  if (min_off > 0) {
    std::size_t i = 0;
    while (i < n && !s[i]) ++i;  // leading off stays off
    while (i < n) {
      while (i < n && s[i]) ++i;  // end of an on-run
      std::size_t gap_start = i;
      while (i < n && !s[i]) ++i;
      if (i < n && i - gap_start < min_off)  // interior gap (an on-run follows)
        for (std::size_t k = gap_start; k < i; ++k) s[k] = 1;
    }
  }
  // Drop short on-runs.
  if (min_on > 1) {
    std::size_t i = 0;
    while (i < n) {
      while (i < n && !s[i]) ++i;
      std::size_t run_start = i;
      while (i < n && s[i]) ++i;
      if (i - run_start < min_on)
        for (std::size_t k = run_start; k < i; ++k) s[k] = 0;
    }
  }
  return s;
}

std::vector<std::uint8_t> on_off_status_segmented(const float* watts, const std::uint8_t* missing,
                                                  std::size_t n, const ApplianceParams& params,
                                                  double period_s) {
  std::vector<std::uint8_t> out(n, 0);
  std::size_t i = 0;
  while (i < n) {
    while (i < n && missing[i]) ++i;
    std::size_t start = i;
    while (i < n && !missing[i]) ++i;
    if (i > start) {
      auto seg = on_off_status(watts + start, i - start, params, period_s);
      std::copy(seg.begin(), seg.end(), out.begin() + static_cast<std::ptrdiff_t>(start));
    }
  }
  return out;
}

std::size_t count_activations(const std::uint8_t* status, std::size_t n) {
  std::size_t runs = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (status[i] && (i == 0 || !status[i - 1])) ++runs;
  return runs;
}

}  // namespace nilm::data
