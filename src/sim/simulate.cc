#include "sim/simulate.h"

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/progress.h"
#include "data/refit_format.h"
#include "plot/plot.h"
#include "sim/household.h"

namespace nilm::sim {

namespace {

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path + ": cannot create file");
  f << j.dump(2) << '\n';
  if (!f.flush()) fail(path + ": write failed");
}

// The day with the most target-appliance activity among the first week: a picture that shows
// every signature (a quiet holiday day would show nothing).
int busiest_day(const Household& h) {
  const int days = std::min(h.days, 7);
  std::vector<double> score(static_cast<std::size_t>(days), 0.0);
  for (const char* name : kTargetAppliances) {
    const HouseAppliance* a = h.find(name);
    if (!a || std::string(name) == "fridge") continue;
    for (const auto& act : a->activations) {
      const auto d = act.start_s / 86400;
      if (d >= 0 && d < days) score[static_cast<std::size_t>(d)] += 1.0 + act.length_s / 3600.0;
    }
  }
  return static_cast<int>(std::max_element(score.begin(), score.end()) - score.begin());
}

void write_day_png(const Household& h, const data::RefitTable& t, const std::string& path) {
  const int day = busiest_day(h);
  const std::int64_t from = h.start_unix + static_cast<std::int64_t>(day) * 86400;
  const std::int64_t to = from + 86400;
  plot::LineChart chart;
  chart.title = h.name + ", day " + std::to_string(day + 1) + " (simulated, ~8 s readings)";
  chart.x_label = "hour of day";
  chart.y_label = "power (W)";
  auto series = [&](const std::string& label, const std::vector<float>& w) {
    plot::Series s;
    s.label = label;
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < t.unix_s.size(); ++i) {
      if (t.unix_s[i] < from || t.unix_s[i] >= to) continue;
      if (last != std::numeric_limits<std::int64_t>::min() && t.unix_s[i] - last > 60) {
        s.x.push_back(std::nan(""));  // a meter dropout breaks the line
        s.y.push_back(std::nan(""));
      }
      last = t.unix_s[i];
      s.x.push_back(static_cast<double>(t.unix_s[i] - from) / 3600.0);
      s.y.push_back(std::min(w[i], 12000.0f));
    }
    chart.series.push_back(std::move(s));
  };
  series("aggregate", t.aggregate);
  for (const char* name : kTargetAppliances)
    if (const HouseAppliance* a = h.find(name); a && a->column > 0)
      series(name, t.appliances[static_cast<std::size_t>(a->column - 1)]);
  plot::write_png(chart, path, 1600, 600);
}

}  // namespace

nlohmann::json house_splits(const std::vector<std::string>& houses) {
  const auto n = houses.size();
  std::size_t test = 0, validation = 0;
  if (n >= 3) {
    test = std::max<std::size_t>(1, n / 5);
    validation = std::max<std::size_t>(1, n / 10);
  } else if (n == 2) {
    test = 1;
  }
  const std::size_t train = n - test - validation;
  nlohmann::json part = {{"train", std::vector<std::string>(houses.begin(), houses.begin() + train)},
                         {"validation", std::vector<std::string>(houses.begin() + train,
                                                                 houses.begin() + train + validation)},
                         {"test", std::vector<std::string>(houses.end() - test, houses.end())}};
  nlohmann::json splits = nlohmann::json::object();
  for (const char* name : kTargetAppliances) splits[name] = part;  // every house has all five
  return splits;
}

std::int64_t parse_date(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
      d < 1 || d > 31 || y < 1970 || y > 9999)
    fail("start date '" + text + "': expected YYYY-MM-DD (1970 or later)");
  // Days from civil (Howard Hinnant's algorithm).
  y -= m <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (static_cast<std::int64_t>(era) * 146097 + doe - 719468) * 86400;
}

std::vector<HouseSummary> simulate(const SimulationOptions& o, const std::string& out_dir) {
  if (o.houses <= 0) fail("simulate: --houses must be positive");
  if (o.days <= 0) fail("simulate: --days must be positive");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) fail(out_dir + ": cannot create folder: " + ec.message());
  const std::string dir = out_dir + "/";

  HouseholdOptions house_options;
  house_options.meter_gaps = o.meter_gaps;
  house_options.glitches = o.glitches;
  std::vector<HouseSummary> summaries(static_cast<std::size_t>(o.houses));
  std::vector<nlohmann::json> described(summaries.size());
  std::vector<std::array<std::string, data::kRefitApplianceColumns>> columns(summaries.size());

  Progress progress("simulate", static_cast<std::uint64_t>(o.houses) * o.days, "house-days");
  std::atomic<std::uint64_t> days_done{0};
  std::mutex progress_mutex;
  std::atomic<int> next_house{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (int i; (i = next_house++) < o.houses;) {
      try {
        const Household h = draw_household(o.seed, i, o.days, o.start_unix, house_options);
        HouseSummary& s = summaries[static_cast<std::size_t>(i)];
        s.name = h.name;
        const data::RefitTable table = read_meters(h, &s.counts, [&](int) {
          const auto done = ++days_done;
          std::lock_guard lock(progress_mutex);
          progress.update(done);
        });
        data::write_refit_csv(dir + "CLEAN_" + h.name + ".csv", table);
        if (o.images) write_day_png(h, table, dir + h.name + "_day.png");
        for (const char* name : kTargetAppliances)
          s.activations.emplace_back(name, h.find(name)->activations.size());
        nlohmann::json d = h.describe();
        d["rows"] = s.counts.rows;
        d["readings_lost_in_gaps"] = s.counts.skipped_in_gaps;
        d["glitch_readings"] = s.counts.glitches;
        d["issues_rows"] = s.counts.issues_rows;
        described[static_cast<std::size_t>(i)] = std::move(d);
        columns[static_cast<std::size_t>(i)] = h.columns;
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next_house = o.houses;  // stop handing out houses
      }
    }
  };
  const int threads = std::clamp(o.threads, 1, o.houses);
  std::vector<std::thread> pool;
  for (int k = 1; k < threads; ++k) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  progress.finish();

  nlohmann::json mapping = nlohmann::json::object();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    mapping[summaries[i].name] = columns[i];
    names.push_back(summaries[i].name);
  }
  write_json(dir + "mapping.json", mapping);
  write_json(dir + "splits.json", house_splits(names));
  write_json(dir + "simulation.json",
             {{"generator", "nilm simulate"},
              {"seed", o.seed},
              {"houses", o.houses},
              {"days", o.days},
              {"start_unix", o.start_unix},
              {"meter_gaps", o.meter_gaps},
              {"glitches", o.glitches},
              {"local_time", "UTC (no summer time)"},
              {"house", described}});
  return summaries;
}

}  // namespace nilm::sim
