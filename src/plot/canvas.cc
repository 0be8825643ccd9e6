#include "plot/canvas.h"

#include <cmath>

#include "core/error.h"

namespace nilm::plot {

Rect plot_area(int width, int height, double bottom_extra) {
  const double left = 80, right = 24, top = 44, bottom = 58 + bottom_extra;
  return {left, top, std::max(10.0, width - left - right), std::max(10.0, height - top - bottom)};
}

Rgb palette(std::size_t i) {
  static const Rgb colours[] = {
      {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
      {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
      {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}};
  return colours[i % (sizeof colours / sizeof colours[0])];
}

Canvas::Canvas(int width, int height, const std::string& path)
    : width_(width), height_(height), path_(path) {
  if (width < 200 || height < 150 || width > 20000 || height > 20000)
    fail(path + ": image size " + std::to_string(width) + "x" + std::to_string(height) +
         " is outside 200x150 .. 20000x20000");
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  cr_ = cairo_create(surface_);
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

double Canvas::text_width(const std::string& s, double size) {
  cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  return e.x_advance;
}

void Canvas::text(const std::string& s, double x, double y, double size, double anchor,
                  double angle, bool bold) {
  cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, angle);
  cairo_move_to(cr_, -anchor * e.x_advance, size * 0.35);
  cairo_show_text(cr_, s.c_str());
  cairo_restore(cr_);
}

void Canvas::title(const std::string& s) {
  if (s.empty()) return;
  cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
  text(s, width_ / 2.0, 22, 16, 0.5, 0, true);
}

void Canvas::save() {
  cairo_surface_flush(surface_);
  cairo_status_t status = cairo_surface_write_to_png(surface_, path_.c_str());
  if (status != CAIRO_STATUS_SUCCESS)
    fail(path_ + ": cannot write PNG: " + cairo_status_to_string(status));
}

}  // namespace nilm::plot
