// Charts written as PNG images: the pictures people look at next to the numbers (training
// curves, predicted vs true power, per-layer quantization error). Plain data in, file out.
#pragma once

#include <string>
#include <vector>

namespace nilm::plot {

// One line. x and y have the same length; NaN/inf points break the line (gaps stay visible).
struct Series {
  std::string label;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_y = false;  // non-positive values are skipped on a log axis
};

// Throws nilm::Error naming the path when the file cannot be written or the size is unusable.
void write_png(const LineChart&, const std::string& path, int width = 1200, int height = 500);

// One bar per label; reference_lines are horizontal dashed lines (e.g. 0.289 and 0.7 for
// rmse/scale in the quantization debugger). Labels are rotated when they would not fit.
struct BarChart {
  std::string title, y_label;
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<double> reference_lines;
};

void write_png(const BarChart&, const std::string& path, int width = 1200, int height = 500);

}  // namespace nilm::plot
