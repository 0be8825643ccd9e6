#include "plot/decimate.h"

#include <cmath>
#include <limits>

namespace nilm::plot {

std::vector<Point> decimate(const double* x, const double* y, std::size_t n, double x_lo,
                            double x_hi, int columns) {
  std::vector<Point> out;
  if (n == 0 || columns <= 0) return out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double span = x_hi - x_lo;
  if (!(span > 0)) span = 1;
  // Per pixel column: the indices of its first, lowest, highest and last point.
  bool in_bucket = false;
  long bucket = 0;
  std::size_t first = 0, last = 0, lo = 0, hi = 0;
  auto flush = [&] {
    if (!in_bucket) return;
    std::size_t keep[4] = {first, lo < hi ? lo : hi, lo < hi ? hi : lo, last};
    for (int k = 0; k < 4; ++k) {
      if (k > 0 && keep[k] == keep[k - 1]) continue;
      out.push_back({x[keep[k]], y[keep[k]]});
    }
    in_bucket = false;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || x[i] < x_lo || x[i] > x_hi) continue;
    if (!std::isfinite(y[i])) {
      flush();
      if (!out.empty() && std::isfinite(out.back().y)) out.push_back({x[i], nan});
      continue;
    }
    long b = static_cast<long>((x[i] - x_lo) / span * columns);
    if (b >= columns) b = columns - 1;
    if (!in_bucket || b != bucket) {
      flush();
      in_bucket = true;
      bucket = b;
      first = last = lo = hi = i;
      continue;
    }
    last = i;
    if (y[i] < y[lo]) lo = i;
    if (y[i] > y[hi]) hi = i;
  }
  flush();
  return out;
}

}  // namespace nilm::plot
