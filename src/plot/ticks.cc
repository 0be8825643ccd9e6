#include "plot/ticks.h"

#include <cmath>
#include <cstdio>

namespace nilm::plot {

namespace {

// The 1, 2, 5 (x 10^k) step nearest to raw (Heckbert's rounding), so the tick count stays
// close to the requested one.
double nice_step(double raw) {
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  double m = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return m * magnitude;
}

}  // namespace

Axis nice_axis(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= std::abs(hi) * 1e-12) {  // a flat series still gets a readable band
    double pad = hi == 0 ? 1 : std::abs(hi) * 0.1;
    lo -= pad, hi += pad;
  }
  if (target < 2) target = 2;
  double step = nice_step((hi - lo) / (target - 1));
  Axis axis;
  axis.lo = std::floor(lo / step + 1e-9) * step;
  axis.hi = std::ceil(hi / step - 1e-9) * step;
  for (long i = 0;; ++i) {
    double v = axis.lo + static_cast<double>(i) * step;
    if (v > axis.hi + step * 1e-6) break;
    axis.ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return axis;
}

Axis log_axis(double lo, double hi) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) lo = 1, hi = 10;
  int a = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int b = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (b <= a) b = a + 1;
  Axis axis;
  axis.lo = std::pow(10.0, a);
  axis.hi = std::pow(10.0, b);
  int every = (b - a + 7) / 8;  // at most ~8 labelled decades
  for (int e = a; e <= b; e += every) axis.ticks.push_back(std::pow(10.0, e));
  return axis;
}

std::string tick_label(double value, double step) {
  char buf[32];
  double mag = std::max(std::abs(value), std::abs(step));
  if (value == 0) return "0";
  if (mag >= 1e6 || mag < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
  }
  // Enough decimals to tell neighbouring ticks apart.
  int decimals = step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 3;
  if (decimals > 6) decimals = 6;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace nilm::plot
