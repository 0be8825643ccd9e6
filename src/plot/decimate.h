// Long series (a month of 8 s samples is 324k points) drawn into ~1000 pixel columns: keep the
// first, min, max and last point of every column so single-sample spikes (a kettle) stay visible.
#pragma once

#include <cstddef>
#include <vector>

namespace nilm::plot {

struct Point {
  double x, y;
};

// Points in drawing order. x must be ascending (time); points with non-finite y become
// breaks (a point with y = NaN is kept once per break so the line is cut there).
// `columns` pixel columns span [x_lo, x_hi]; points outside are dropped.
std::vector<Point> decimate(const double* x, const double* y, std::size_t n, double x_lo,
                            double x_hi, int columns);

}  // namespace nilm::plot
