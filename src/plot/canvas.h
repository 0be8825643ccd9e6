// What both chart kinds share: a white cairo image, the frame layout, the palette, text and
// saving. Internal to the plot layer (tests include it to know where the plot area is).
#pragma once

#include <cairo.h>

#include <string>

namespace nilm::plot {

struct Rect {
  double x, y, w, h;  // top-left corner and size in pixels
};

// The plot area inside a width x height image: margins for title, tick labels, axis labels.
// bottom_extra grows the bottom margin (rotated bar labels).
Rect plot_area(int width, int height, double bottom_extra = 0);

struct Rgb {
  double r, g, b;
};
// Distinct colours for series (matplotlib's tab10), cycled.
Rgb palette(std::size_t i);

class Canvas {
 public:
  Canvas(int width, int height, const std::string& path);  // throws on a bad size
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }

  void set_colour(Rgb c, double alpha = 1.0) { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }
  double text_width(const std::string& s, double size);
  // anchor: 0 = left, 0.5 = centre, 1 = right of x; baseline centred vertically on y.
  void text(const std::string& s, double x, double y, double size, double anchor = 0,
            double angle = 0, bool bold = false);
  void title(const std::string& s);
  void save();  // throws nilm::Error naming the path

 private:
  int width_, height_;
  std::string path_;
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

}  // namespace nilm::plot
