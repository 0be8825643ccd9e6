// Axis ranges and tick values on "nice" numbers (1, 2, 5 x 10^k), so axes read 0, 500, 1000
// rather than 0, 437.2, 874.4.
#pragma once

#include <string>
#include <vector>

namespace nilm::plot {

struct Axis {
  double lo = 0, hi = 1;          // the drawn range (ticks' outer values)
  std::vector<double> ticks;      // values where labels go, ascending
};

// A nice axis covering [lo, hi] with about `target` ticks. Handles lo == hi and non-finite
// input (falls back to [0, 1]).
Axis nice_axis(double lo, double hi, int target = 6);

// Decades covering [lo, hi] (both > 0) for a log axis; ticks are powers of ten.
Axis log_axis(double lo, double hi);

// A short label: "0", "2.5", "1e+06", "0.001"; trailing zeros removed.
std::string tick_label(double value, double step);

}  // namespace nilm::plot
