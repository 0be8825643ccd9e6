// Bar charts: one bar per label (e.g. per-layer quantization error), dashed reference lines.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "plot/canvas.h"
#include "plot/plot.h"
#include "plot/ticks.h"

namespace nilm::plot {

namespace {

std::string shorten(const std::string& s, std::size_t max_chars) {
  if (s.size() <= max_chars) return s;
  return s.substr(0, max_chars - 3) + "...";
}

}  // namespace

void write_png(const BarChart& chart, const std::string& path, int width, int height) {
  Canvas c(width, height, path);
  auto* cr = c.cr();
  const std::size_t n = std::min(chart.labels.size(), chart.values.size());
  const std::size_t bars = std::max(chart.labels.size(), chart.values.size());

  // Labels are rotated 45 degrees (or dropped to every k-th) when they do not fit flat.
  std::vector<std::string> labels(bars);
  for (std::size_t i = 0; i < chart.labels.size(); ++i) labels[i] = shorten(chart.labels[i], 28);
  double widest = 0;
  for (const auto& l : labels) widest = std::max(widest, c.text_width(l, 10));
  Rect flat = plot_area(width, height);
  double slot = bars ? flat.w / static_cast<double>(bars) : flat.w;
  bool rotate = widest + 4 > slot;
  double extra = rotate ? std::min(widest * std::sin(std::numbers::pi / 4) + 4, height * 0.35) : 0;
  Rect r = plot_area(width, height, extra);
  std::size_t label_every = 1;
  if (rotate) label_every = static_cast<std::size_t>(std::ceil(14.0 / slot));  // 14 px per label
  if (label_every == 0) label_every = 1;

  double lo = 0, hi = 0;  // bars grow from zero
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(chart.values[i])) lo = std::min(lo, chart.values[i]), hi = std::max(hi, chart.values[i]);
  for (double v : chart.reference_lines)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == lo) hi = lo + 1;
  Axis ya = nice_axis(lo, hi, std::max(3, static_cast<int>(r.h / 60)));
  auto to_py = [&](double y) { return r.y + r.h - (y - ya.lo) / (ya.hi - ya.lo) * r.h; };

  c.title(chart.title);
  double step = ya.ticks.size() > 1 ? ya.ticks[1] - ya.ticks[0] : 1;
  cairo_set_line_width(cr, 1);
  for (double v : ya.ticks) {
    double py = std::round(to_py(v)) + 0.5;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, r.x, py);
    cairo_line_to(cr, r.x + r.w, py);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    c.text(tick_label(v, step), r.x - 6, py, 11, 1);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  if (!chart.y_label.empty()) c.text(chart.y_label, 18, r.y + r.h / 2, 12, 0.5, -std::numbers::pi / 2);

  slot = bars ? r.w / static_cast<double>(bars) : r.w;
  double bar_w = std::max(1.0, slot * 0.75);
  double zero = to_py(0);
  for (std::size_t i = 0; i < bars; ++i) {
    double cx = r.x + (static_cast<double>(i) + 0.5) * slot;
    double v = i < n ? chart.values[i] : std::nan("");
    if (std::isfinite(v)) {
      c.set_colour(palette(0));
      double top = to_py(v);
      cairo_rectangle(cr, cx - bar_w / 2, std::min(top, zero), bar_w, std::abs(zero - top));
      cairo_fill(cr);
    } else {  // a missing value is marked, not silently drawn as zero
      cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
      c.text(std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"), cx, zero - 8, 9, 0.5, -std::numbers::pi / 2);
    }
    if (i % label_every != 0 || labels[i].empty()) continue;
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    if (rotate)
      c.text(labels[i], cx + 3, r.y + r.h + 8, 10, 1, -std::numbers::pi / 4);
    else
      c.text(labels[i], cx, r.y + r.h + 14, 10, 0.5);
  }

  // Reference lines, dashed, labelled at the right end.
  double dash[] = {6, 4};
  for (std::size_t k = 0; k < chart.reference_lines.size(); ++k) {
    double v = chart.reference_lines[k];
    if (!std::isfinite(v)) continue;
    double py = std::round(to_py(v)) + 0.5;
    c.set_colour(palette(3 + k));
    cairo_set_line_width(cr, 1.5);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, r.x, py);
    cairo_line_to(cr, r.x + r.w, py);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    // label on a white patch so it stays readable over the bars
    std::string label = tick_label(v, std::abs(v) / 100);
    double lw = c.text_width(label, 10) + 6;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, r.x + r.w - 4 - lw, py - 15, lw, 13);
    cairo_fill(cr);
    c.set_colour(palette(3 + k));
    c.text(label, r.x + r.w - 7, py - 8, 10, 1);
  }

  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, r.x, zero);
  cairo_line_to(cr, r.x + r.w, zero);
  cairo_stroke(cr);
  cairo_rectangle(cr, std::round(r.x) + 0.5, std::round(r.y) + 0.5, std::round(r.w), std::round(r.h));
  cairo_stroke(cr);
  c.save();
}

}  // namespace nilm::plot
