// How fast the simulator is, by stage: drawing + scheduling a house, rendering + metering it
// (per simulated day), and writing the REFIT CSV (the shared data::write_refit_csv).
// Usage: bench_simulate [houses] [days]   (default 2 houses x 60 days)
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "data/refit_format.h"
#include "sim/household.h"
#include "sim/meter.h"

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int houses = argc > 1 ? std::atoi(argv[1]) : 2;
  const int days = argc > 2 ? std::atoi(argv[2]) : 60;
  const auto path = (std::filesystem::temp_directory_path() / "nilm_bench_simulate.csv").string();
  double draw_s = 0, meter_s = 0, write_s = 0;
  std::uint64_t rows = 0;
  for (int h = 0; h < houses; ++h) {
    auto t0 = std::chrono::steady_clock::now();
    const nilm::sim::Household house = nilm::sim::draw_household(1, h, days, 1388966400);
    draw_s += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const nilm::data::RefitTable table = nilm::sim::read_meters(house);
    meter_s += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    nilm::data::write_refit_csv(path, table);
    write_s += seconds_since(t0);
    rows += table.unix_s.size();
  }
  std::filesystem::remove(path);
  const double house_days = static_cast<double>(houses) * days;
  const double total = draw_s + meter_s + write_s;
  fmt::print("simulate {} houses x {} days ({} rows), one thread\n", houses, days, rows);
  fmt::print("  draw + schedule   {:7.3f} s  {:8.0f} house-days/s  {:4.1f} %\n", draw_s, house_days / draw_s, 100 * draw_s / total);
  fmt::print("  render + meters   {:7.3f} s  {:8.0f} house-days/s  {:4.1f} %\n", meter_s, house_days / meter_s, 100 * meter_s / total);
  fmt::print("  write REFIT CSV   {:7.3f} s  {:8.0f} rows/s        {:4.1f} %\n", write_s, rows / write_s, 100 * write_s / total);
  fmt::print("  total             {:7.3f} s  {:8.0f} house-days/s; 20 houses x 2 years ~ {:.0f} s\n", total,
             house_days / total, 20 * 730 / (house_days / total));
  return 0;
}
