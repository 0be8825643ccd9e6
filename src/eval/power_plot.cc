#include "eval/power_plot.h"

#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "core/error.h"
#include "plot/plot.h"

namespace nilm::eval {

namespace {

std::string utc_text(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

void check_plot_span(const std::string& path, double period_s, std::size_t n, double start_hours,
                     double hours) {
  const double series_hours = static_cast<double>(n) * period_s / 3600.0;
  if (!(start_hours >= 0) || !(hours > 0) || start_hours >= series_hours)
    fail(path + ": plot span from " + fmt::format("{:g}", start_hours) + " h for " +
         fmt::format("{:g}", hours) + " h is outside the series (" +
         fmt::format("{:.1f}", series_hours) + " h long)");
}

void write_power_plot(const std::string& path, const std::string& title, double period_s,
                      std::int64_t start_unix, std::size_t n, double start_hours, double hours,
                      const std::vector<PowerTrace>& traces) {
  check_plot_span(path, period_s, n, start_hours, hours);
  auto first = static_cast<std::size_t>(std::floor(start_hours * 3600.0 / period_s));
  auto last = std::min(n, static_cast<std::size_t>(std::ceil((start_hours + hours) * 3600.0 / period_s)));
  plot::LineChart chart;
  chart.title = title;
  chart.x_label = "hours since " + utc_text(start_unix);
  chart.y_label = "power (W)";
  for (const auto& trace : traces) {
    plot::Series s;
    s.label = trace.label;
    s.x.reserve(last - first);
    s.y.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
      s.x.push_back(static_cast<double>(i) * period_s / 3600.0);
      s.y.push_back(trace.watts[i]);
    }
    chart.series.push_back(std::move(s));
  }
  plot::write_png(chart, path, 1400, 500);
}

}  // namespace nilm::eval
