// Line charts: several series on shared axes, legend in the top-right corner.
#include <cmath>
#include <limits>
#include <numbers>

#include "plot/canvas.h"
#include "plot/decimate.h"
#include "plot/plot.h"
#include "plot/ticks.h"

namespace nilm::plot {

namespace {

bool usable(double y, bool log_y) { return std::isfinite(y) && (!log_y || y > 0); }

void draw_y_grid(Canvas& c, const Rect& r, const Axis& axis, bool log_y) {
  auto* cr = c.cr();
  double step = axis.ticks.size() > 1 ? axis.ticks[1] - axis.ticks[0] : 1;
  for (double v : axis.ticks) {
    double t = log_y ? (std::log10(v) - std::log10(axis.lo)) / (std::log10(axis.hi) - std::log10(axis.lo))
                     : (v - axis.lo) / (axis.hi - axis.lo);
    double py = std::round(r.y + r.h - t * r.h) + 0.5;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, r.x, py);
    cairo_line_to(cr, r.x + r.w, py);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    c.text(log_y ? tick_label(v, v) : tick_label(v, step), r.x - 6, py, 11, 1);
  }
}

}  // namespace

void write_png(const LineChart& chart, const std::string& path, int width, int height) {
  Canvas c(width, height, path);
  Rect r = plot_area(width, height);
  auto* cr = c.cr();

  // Data ranges over every usable point.
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : chart.series) {
    std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !usable(s.y[i], chart.log_y)) continue;
      x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]), y_hi = std::max(y_hi, s.y[i]);
    }
  }
  bool empty = !(x_lo <= x_hi);
  Axis xa = nice_axis(empty ? 0 : x_lo, empty ? 1 : x_hi, std::max(3, static_cast<int>(r.w / 110)));
  Axis ya = chart.log_y ? log_axis(empty ? 1 : y_lo, empty ? 10 : y_hi)
                        : nice_axis(empty ? 0 : y_lo, empty ? 1 : y_hi, std::max(3, static_cast<int>(r.h / 60)));
  auto to_px = [&](double x) { return r.x + (x - xa.lo) / (xa.hi - xa.lo) * r.w; };
  auto to_py = [&](double y) {
    double t = chart.log_y ? (std::log10(y) - std::log10(ya.lo)) / (std::log10(ya.hi) - std::log10(ya.lo))
                           : (y - ya.lo) / (ya.hi - ya.lo);
    return r.y + r.h - t * r.h;
  };

  c.title(chart.title);
  draw_y_grid(c, r, ya, chart.log_y);
  double x_step = xa.ticks.size() > 1 ? xa.ticks[1] - xa.ticks[0] : 1;
  for (double v : xa.ticks) {
    double px = std::round(to_px(v)) + 0.5;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, px, r.y);
    cairo_line_to(cr, px, r.y + r.h);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    c.text(tick_label(v, x_step), px, r.y + r.h + 14, 11, 0.5);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  if (!chart.x_label.empty()) c.text(chart.x_label, r.x + r.w / 2, height - 14, 12, 0.5);
  if (!chart.y_label.empty()) c.text(chart.y_label, 18, r.y + r.h / 2, 12, 0.5, -std::numbers::pi / 2);
  if (empty) c.text("(no data)", r.x + r.w / 2, r.y + r.h / 2, 14, 0.5);

  // Series, clipped to the plot area.
  cairo_save(cr);
  cairo_rectangle(cr, r.x, r.y, r.w, r.h);
  cairo_clip(cr);
  cairo_set_line_width(cr, 1.5);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const auto& s = chart.series[k];
    std::size_t n = std::min(s.x.size(), s.y.size());
    std::vector<double> y(s.y.begin(), s.y.begin() + static_cast<long>(n));
    if (chart.log_y)
      for (double& v : y)
        if (!(v > 0)) v = std::numeric_limits<double>::quiet_NaN();
    auto points = decimate(s.x.data(), y.data(), n, xa.lo, xa.hi, static_cast<int>(r.w));
    c.set_colour(palette(k));
    bool pen_down = false;
    std::size_t run = 0;
    for (const auto& p : points) {
      if (!std::isfinite(p.y)) {
        if (pen_down && run == 1) cairo_rel_line_to(cr, 0.5, 0);  // lone point: a visible dot
        pen_down = false;
        continue;
      }
      if (pen_down) {
        cairo_line_to(cr, to_px(p.x), to_py(p.y));
        ++run;
      } else {
        cairo_move_to(cr, to_px(p.x), to_py(p.y));
        pen_down = true;
        run = 1;
      }
    }
    if (pen_down && run == 1) cairo_rel_line_to(cr, 0.5, 0);
    cairo_stroke(cr);
  }
  cairo_restore(cr);

  // Frame.
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, std::round(r.x) + 0.5, std::round(r.y) + 0.5, std::round(r.w), std::round(r.h));
  cairo_stroke(cr);

  // Legend (only when there is something to tell apart).
  bool any_label = false;
  for (const auto& s : chart.series) any_label |= !s.label.empty();
  if (any_label) {
    double w = 0;
    for (const auto& s : chart.series) w = std::max(w, c.text_width(s.label, 11));
    double box_w = w + 40, box_h = 18.0 * static_cast<double>(chart.series.size()) + 8;
    double bx = r.x + r.w - box_w - 8, by = r.y + 8;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, bx, by, box_w, box_h);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_stroke(cr);
    for (std::size_t k = 0; k < chart.series.size(); ++k) {
      double ly = by + 13 + 18.0 * static_cast<double>(k);
      c.set_colour(palette(k));
      cairo_set_line_width(cr, 2.5);
      cairo_move_to(cr, bx + 6, ly);
      cairo_line_to(cr, bx + 28, ly);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      c.text(chart.series[k].label, bx + 34, ly, 11);
    }
  }
  c.save();
}

}  // namespace nilm::plot
