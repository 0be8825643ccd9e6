// The plot library writes PNGs of the requested size, puts series where their values say, and
// picks readable tick values.
#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "plot/canvas.h"
#include "plot/decimate.h"
#include "plot/plot.h"
#include "plot/ticks.h"

// fontconfig (behind cairo's text) keeps process-wide caches it never frees: not our leak, so
// LeakSanitizer (NILM_SANITIZE builds) is told to ignore it.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }

namespace nilm::plot {
namespace {

std::string temp_png(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nilm_test_plot_" + name + ".png")).string();
}

// A PNG read back with cairo, independent of how it was drawn.
struct Image {
  cairo_surface_t* s;
  explicit Image(const std::string& path) : s(cairo_image_surface_create_from_png(path.c_str())) {}
  ~Image() { cairo_surface_destroy(s); }
  bool ok() const { return cairo_surface_status(s) == CAIRO_STATUS_SUCCESS; }
  int width() const { return cairo_image_surface_get_width(s); }
  int height() const { return cairo_image_surface_get_height(s); }
  // 0..255 per channel (opaque image, so premultiplication does not matter)
  void rgb(int x, int y, int& r, int& g, int& b) const {
    auto* row = cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s);
    std::uint32_t p = reinterpret_cast<const std::uint32_t*>(row)[x];
    r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
  }
  bool near_colour(int x, int y, Rgb c, int tol = 40) const {
    int r, g, b;
    rgb(x, y, r, g, b);
    return std::abs(r - c.r * 255) < tol && std::abs(g - c.g * 255) < tol && std::abs(b - c.b * 255) < tol;
  }
  // Rows in column x whose pixel is close to colour c.
  std::vector<int> rows_with(int x, Rgb c) const {
    std::vector<int> rows;
    for (int y = 0; y < height(); ++y)
      if (near_colour(x, y, c)) rows.push_back(y);
    return rows;
  }
};

TEST(Ticks, NiceNumbers) {
  Axis a = nice_axis(0, 2873, 6);
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 3000);
  ASSERT_EQ(a.ticks.size(), 7u);  // step 500
  EXPECT_EQ(a.ticks[1], 500);
  Axis b = nice_axis(-0.13, 0.92, 6);  // step 0.2
  EXPECT_NEAR(b.lo, -0.2, 1e-12);
  EXPECT_NEAR(b.hi, 1.0, 1e-12);
  EXPECT_EQ(b.ticks.size(), 7u);
  Axis flat = nice_axis(5, 5);
  EXPECT_LT(flat.lo, 5);
  EXPECT_GT(flat.hi, 5);
  Axis bad = nice_axis(NAN, INFINITY);
  EXPECT_EQ(bad.lo, 0);
  EXPECT_EQ(bad.hi, 1);
  Axis lg = log_axis(0.003, 450);
  EXPECT_NEAR(lg.lo, 1e-3, 1e-15);
  EXPECT_NEAR(lg.hi, 1e3, 1e-9);
  EXPECT_EQ(lg.ticks.size(), 7u);
}

TEST(Ticks, Labels) {
  EXPECT_EQ(tick_label(500, 500), "500");
  EXPECT_EQ(tick_label(0.4, 0.2), "0.4");
  EXPECT_EQ(tick_label(2.5, 0.5), "2.5");
  EXPECT_EQ(tick_label(0.289, 0.00289), "0.289");
  EXPECT_EQ(tick_label(0.7, 0.007), "0.7");
  EXPECT_EQ(tick_label(1e-4, 1e-4), "0.0001");
  EXPECT_EQ(tick_label(2e6, 1e6), "2e+06");
}

TEST(Decimate, KeepsSpikesAndBounds) {
  // 100000 points of zero with one spike: reduced to a few points per column, spike kept.
  std::vector<double> x(100000), y(100000, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  y[54321] = 3000;
  auto pts = decimate(x.data(), y.data(), x.size(), 0, 99999, 1000);
  EXPECT_LE(pts.size(), 4000u);
  double max_y = 0;
  for (auto p : pts) max_y = std::max(max_y, p.y);
  EXPECT_EQ(max_y, 3000);
  // x stays ascending, first and last points kept
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_LE(pts[i - 1].x, pts[i].x);
  EXPECT_EQ(pts.front().x, 0);
  EXPECT_EQ(pts.back().x, 99999);
}

TEST(Decimate, NanBreaksTheLine) {
  std::vector<double> x{0, 1, 2, 3, 4}, y{1, 2, NAN, 4, 5};
  auto pts = decimate(x.data(), y.data(), 5, 0, 4, 100);
  ASSERT_EQ(pts.size(), 5u);
  EXPECT_TRUE(std::isnan(pts[2].y));
  EXPECT_EQ(pts[3].y, 4);
}

TEST(LineChart, WritesRequestedSizeAndDrawsSeriesAtTheirValues) {
  LineChart chart{"Two constants", "hours", "W", {}, false};
  chart.series.push_back({"low", {0, 10}, {2.5, 2.5}});
  chart.series.push_back({"high", {0, 10}, {7.5, 7.5}});
  std::string path = temp_png("line");
  write_png(chart, path, 800, 400);
  Image img(path);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img.width(), 800);
  EXPECT_EQ(img.height(), 400);

  Rect r = plot_area(800, 400);
  Axis ya = nice_axis(2.5, 7.5, std::max(3, static_cast<int>(r.h / 60)));
  auto expected_row = [&](double v) { return r.y + r.h - (v - ya.lo) / (ya.hi - ya.lo) * r.h; };
  int column = static_cast<int>(r.x + r.w * 0.3);  // away from the legend (top right)
  for (int k = 0; k < 2; ++k) {
    auto rows = img.rows_with(column, palette(static_cast<std::size_t>(k)));
    ASSERT_FALSE(rows.empty()) << "series " << k << " not drawn";
    double want = expected_row(k == 0 ? 2.5 : 7.5);
    for (int row : rows) EXPECT_NEAR(row, want, 2.0) << "series " << k;
  }
  // Nothing drawn in the series colour far from the lines (e.g. near the bottom of the area).
  EXPECT_FALSE(img.near_colour(column, static_cast<int>(r.y + r.h - 3), palette(0)));
  std::filesystem::remove(path);
}

TEST(LineChart, LogAxisAndEmptyAndLongSeries) {
  LineChart chart{"Loss", "epoch", "loss", {}, true};
  Series s{"train", {}, {}};
  for (int i = 0; i < 200000; ++i) {
    s.x.push_back(i);
    s.y.push_back(i == 7 ? 0.0 : 1.0 / (1 + i));  // a zero is skipped on a log axis
  }
  chart.series.push_back(s);
  std::string path = temp_png("log");
  write_png(chart, path);
  Image img(path);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img.width(), 1200);
  EXPECT_EQ(img.height(), 500);

  LineChart none{"Nothing", "", "", {}, false};
  write_png(none, path, 300, 200);
  EXPECT_TRUE(Image(path).ok());
  std::filesystem::remove(path);
}

TEST(BarChart, BarsAndReferenceLines) {
  BarChart chart{"rmse / scale per layer", "rmse/scale", {}, {}, {0.289, 0.7}};
  for (int i = 0; i < 40; ++i) {  // many long labels: rotated
    chart.labels.push_back("sequential/conv1d_" + std::to_string(i) + "/Relu");
    chart.values.push_back(i == 5 ? NAN : 0.1 + 0.02 * i);
  }
  std::string path = temp_png("bar");
  write_png(chart, path, 1000, 600);
  Image img(path);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img.width(), 1000);
  EXPECT_EQ(img.height(), 600);

  // The tallest bar (last, 0.88) is coloured right above the zero line; the first bar is not
  // coloured at a height above its value.
  int bar_pixels = 0;
  for (int x = 0; x < img.width(); ++x)
    for (int y = 0; y < img.height(); ++y) bar_pixels += img.near_colour(x, y, palette(0), 10);
  EXPECT_GT(bar_pixels, 1000);
  std::filesystem::remove(path);
}

TEST(BarChart, BarHeightMatchesValue) {
  BarChart chart{"one", "", {"a", "b"}, {1.0, 0.5}, {}};
  std::string path = temp_png("bar2");
  write_png(chart, path, 400, 300);
  Image img(path);
  ASSERT_TRUE(img.ok());
  Rect r = plot_area(400, 300);
  Axis ya = nice_axis(0, 1.0, std::max(3, static_cast<int>(r.h / 60)));
  auto row = [&](double v) { return r.y + r.h - (v - ya.lo) / (ya.hi - ya.lo) * r.h; };
  int cx1 = static_cast<int>(r.x + 1.5 * r.w / 2);  // centre of the second bar (0.5)
  auto rows = img.rows_with(cx1, palette(0));
  ASSERT_FALSE(rows.empty());
  EXPECT_NEAR(rows.front(), row(0.5), 2.0);
  EXPECT_NEAR(rows.back(), row(0.0), 2.0);
  std::filesystem::remove(path);
}

TEST(Plot, BadPathOrSizeIsAnError) {
  LineChart chart{"t", "", "", {{"a", {0, 1}, {0, 1}}}, false};
  EXPECT_THROW(write_png(chart, "/nonexistent-dir/x.png"), nilm::Error);
  EXPECT_THROW(write_png(chart, temp_png("tiny"), 10, 10), nilm::Error);
}

}  // namespace
}  // namespace nilm::plot
