#include "sim/household.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <numbers>

#include "core/error.h"
#include "sim/base_load.h"
#include "sim/computer.h"
#include "sim/dishwasher.h"
#include "sim/electric_shower.h"
#include "sim/fridge.h"
#include "sim/hair_dryer.h"
#include "sim/immersion_heater.h"
#include "sim/kettle.h"
#include "sim/lighting.h"
#include "sim/microwave.h"
#include "sim/oven.h"
#include "sim/television.h"
#include "sim/toaster.h"
#include "sim/washing_machine.h"

namespace nilm::sim {

const std::array<const char*, 5> kTargetAppliances = {"kettle", "microwave", "fridge",
                                                      "dishwasher", "washing_machine"};

namespace {

// Stream tags: each part of a house draws from its own stream, so adding a draw in one part
// does not reshuffle the others.
enum Tag : std::uint64_t { kOccupancy = 1, kCalendar, kOwned, kMeter, kGaps, kGlitches, kColumns,
                           kModel = 100, kHabit = 200, kSchedule = 300 };

struct Candidate {
  const char* name;
  double owned_share;  // share of houses that have one
  bool plug_metered;   // gets an Appliance column when owned
  ApplianceModel (*draw)(Rng&);
};

// Which appliances a house may own (docs/simulator.md "Appliances").
const std::vector<Candidate>& candidates() {
  static const std::vector<Candidate> table = {
      {"kettle", 1.0, true, [](Rng& r) { return make_kettle(draw_kettle(r)); }},
      {"microwave", 1.0, true, [](Rng& r) { return make_microwave(draw_microwave(r)); }},
      {"fridge", 1.0, true, [](Rng& r) { return make_fridge(draw_fridge(r)); }},
      {"dishwasher", 1.0, true, [](Rng& r) { return make_dishwasher(draw_dishwasher(r)); }},
      {"washing_machine", 1.0, true,
       [](Rng& r) { return make_washing_machine(draw_washing_machine(r)); }},
      {"television", 0.95, true, [](Rng& r) { return make_television(draw_television(r)); }},
      {"computer", 0.75, true, [](Rng& r) { return make_computer(draw_computer(r)); }},
      {"toaster", 0.6, true, [](Rng& r) { return make_toaster(draw_toaster(r)); }},
      {"hair_dryer", 0.5, true, [](Rng& r) { return make_hair_dryer(draw_hair_dryer(r)); }},
      {"oven", 0.6, false, [](Rng& r) { return make_oven(draw_oven(r)); }},
      {"electric_shower", 0.35, false,
       [](Rng& r) { return make_electric_shower(draw_electric_shower(r)); }},
      {"immersion_heater", 0.25, false,
       [](Rng& r) { return make_immersion_heater(draw_immersion_heater(r)); }},
      {"lighting", 1.0, false, [](Rng& r) { return make_lighting(draw_lighting(r)); }},
      {"base_load", 1.0, false, [](Rng& r) { return make_base_load(draw_base_load(r)); }},
  };
  return table;
}

// Daylight at about 52 degrees north (the UK, where REFIT was recorded), ignoring summer time:
// the day lasts 7.7 h at midwinter and 16.6 h at midsummer, centred on 12:10.
void set_daylight(DayInfo& day, int day_of_year) {
  const double length_h =
      12.15 + 4.45 * std::sin(2.0 * std::numbers::pi * (day_of_year - 80) / 365.25);
  day.sunrise_h = 12.17 - length_h / 2;
  day.sunset_h = 12.17 + length_h / 2;
}

std::vector<DayInfo> draw_calendar(int days, std::int64_t start_unix, Rng& rng) {
  std::vector<DayInfo> calendar(static_cast<std::size_t>(days));
  const std::int64_t first_day = start_unix / 86400;  // days since 1970-01-01, a Thursday
  for (int d = 0; d < days; ++d) {
    const std::int64_t day = first_day + d;
    const int weekday = static_cast<int>((day + 3) % 7);  // 0 = Monday
    calendar[d].weekend = weekday >= 5;
    std::time_t t = static_cast<std::time_t>(day * 86400);
    std::tm tm{};
    gmtime_r(&t, &tm);
    set_daylight(calendar[d], tm.tm_yday);
  }
  // Holidays: about one trip every three months, 3-9 days away (never on day 0, so every
  // house starts occupied).
  for (int d = 1; d < days; ++d) {
    if (!rng.chance(1.0 / 90)) continue;
    const int length = rng.integer(3, 9);
    for (int k = d; k < std::min(days, d + length); ++k) calendar[k].holiday = true;
    d += length + 14;
  }
  return calendar;
}

MeterModel draw_meter(Rng& rng) {
  MeterModel m;
  m.aggregate_noise_w = rng.uniform(1.0, 2.5);
  m.aggregate_noise_share = rng.uniform(0.0005, 0.0015);
  m.plug_noise_w = rng.uniform(0.2, 0.8);
  m.voltage_swing = rng.uniform(0.004, 0.01);
  m.jitter_share = rng.uniform(0.2, 0.5);
  m.short_gaps_per_day = rng.uniform(1, 8);
  m.long_gaps_per_day = rng.uniform(0.02, 0.08);
  m.glitches_per_day = rng.uniform(0.02, 0.06);
  return m;
}

std::vector<Interval> draw_gaps(const MeterModel& m, std::int64_t span_s, Rng& rng) {
  std::vector<Interval> gaps;
  const double days = static_cast<double>(span_s) / 86400;
  auto add = [&](int count, double shortest_s, double longest_s) {
    for (int k = 0; k < count; ++k) {
      const auto start = static_cast<std::int64_t>(rng.uniform(0, static_cast<double>(span_s)));
      gaps.push_back({start, start + static_cast<std::int64_t>(rng.log_uniform(shortest_s, longest_s))});
    }
  };
  add(rng.poisson(m.short_gaps_per_day * days), 20, 600);
  add(rng.poisson(m.long_gaps_per_day * days), 1800, 6 * 3600);
  std::sort(gaps.begin(), gaps.end(), [](auto& a, auto& b) { return a.start_s < b.start_s; });
  std::vector<Interval> merged;
  for (const auto& g : gaps) {
    if (!merged.empty() && g.start_s <= merged.back().end_s)
      merged.back().end_s = std::max(merged.back().end_s, g.end_s);
    else
      merged.push_back(g);
  }
  return merged;
}

}  // namespace

const HouseAppliance* Household::find(const std::string& appliance) const {
  for (const auto& a : appliances)
    if (a.model.name == appliance) return &a;
  return nullptr;
}

Household draw_household(std::uint64_t seed, int index, int days, std::int64_t start_unix,
                         const HouseholdOptions& options) {
  if (days <= 0) fail("simulator: days must be positive");
  if (start_unix % 86400 != 0) fail("simulator: the start must be a midnight (UTC)");
  Household h;
  h.index = index;
  h.name = "House" + std::to_string(index + 1);
  h.seed = derive_seed(seed, {static_cast<std::uint64_t>(index)});
  h.days = days;
  h.start_unix = start_unix;
  {
    Rng rng(derive_seed(h.seed, {kOccupancy}));
    h.occupancy = draw_occupancy(rng);
  }
  {
    Rng rng(derive_seed(h.seed, {kCalendar}));
    h.calendar = draw_calendar(days, start_unix, rng);
  }
  const std::int64_t span = h.span_s();
  Rng owned(derive_seed(h.seed, {kOwned}));
  for (std::size_t c = 0; c < candidates().size(); ++c) {
    const Candidate& cand = candidates()[c];
    const bool has = owned.chance(cand.owned_share);  // drawn for every candidate: stable stream
    if (!has) continue;
    HouseAppliance a;
    Rng model_rng(derive_seed(h.seed, {kModel + c}));
    a.model = cand.draw(model_rng);
    a.column = cand.plug_metered ? -1 : 0;  // columns assigned below
    const std::uint64_t schedule_seed = derive_seed(h.seed, {kSchedule + c});
    const std::string name = cand.name;
    if (name == "fridge") {
      Rng r(derive_seed(h.seed, {kModel + c}));  // the same stream: the same FridgeModel
      a.activations = schedule_fridge(a.model, draw_fridge(r), span, schedule_seed);
      a.habit = {{"schedule", "thermostat cycles back to back"}};
    } else if (name == "lighting") {
      a.activations = schedule_lighting(h.occupancy, h.calendar, schedule_seed);
      a.habit = {{"schedule", "dusk (or coming home) to bedtime; waking to dawn"}};
    } else if (name == "base_load") {
      for (int d = 0; d < days; ++d)
        a.activations.push_back({static_cast<std::int64_t>(d) * 86400, 86400, 0,
                                 derive_seed(schedule_seed, {static_cast<std::uint64_t>(d)})});
      a.habit = {{"schedule", "always on"}};
    } else {
      Rng habit_rng(derive_seed(h.seed, {kHabit + c}));
      const UsageHabit habit = draw_habit(name, habit_rng);
      a.activations = schedule_uses(habit, h.occupancy, h.calendar, schedule_seed);
      a.habit = to_json(habit);
      if (name == "immersion_heater") {  // the night timer heats the tank every day at home
        const double timer_h = a.model.parameters["timer_hour"].get<double>();
        for (int d = 0; d < days; ++d) {
          if (h.calendar[d].holiday) continue;
          const std::uint64_t s = derive_seed(schedule_seed, {static_cast<std::uint64_t>(d), 7});
          a.activations.push_back({static_cast<std::int64_t>(d) * 86400 +
                                       static_cast<std::int64_t>(timer_h * 3600),
                                   0, 0, s});
        }
        std::sort(a.activations.begin(), a.activations.end(),
                  [](auto& x, auto& y) { return x.start_s < y.start_s; });
        a.habit["timer_hour"] = timer_h;
      }
      settle_schedule(a.model, habit.min_gap_s, span, a.activations);
    }
    h.appliances.push_back(std::move(a));
  }

  // Plug columns in a house-specific order, as REFIT's per-house tables are.
  std::array<int, data::kRefitApplianceColumns> order;
  for (int k = 0; k < data::kRefitApplianceColumns; ++k) order[k] = k + 1;
  Rng columns_rng(derive_seed(h.seed, {kColumns}));
  for (int k = data::kRefitApplianceColumns - 1; k > 0; --k)
    std::swap(order[k], order[columns_rng.integer(0, k)]);
  std::size_t next = 0;
  for (auto& a : h.appliances) {
    if (a.column != -1) continue;
    if (next == order.size()) fail("simulator: more plug-metered appliances than REFIT columns");
    a.column = order[next++];
    h.columns[a.column - 1] = a.model.name;
  }

  Rng meter_rng(derive_seed(h.seed, {kMeter}));
  h.meter = draw_meter(meter_rng);
  if (options.meter_gaps) {
    Rng rng(derive_seed(h.seed, {kGaps}));
    h.gaps = draw_gaps(h.meter, span, rng);
  }
  if (options.glitches) {
    Rng rng(derive_seed(h.seed, {kGlitches}));
    const int count = rng.poisson(h.meter.glitches_per_day * days);
    std::vector<int> metered;
    for (const auto& a : h.appliances)
      if (a.column > 0) metered.push_back(a.column);
    for (int k = 0; k < count; ++k)
      h.glitches.push_back({static_cast<std::int64_t>(rng.uniform(0, static_cast<double>(span))),
                            metered[static_cast<std::size_t>(rng.integer(0, static_cast<int>(metered.size()) - 1))]});
    std::sort(h.glitches.begin(), h.glitches.end(), [](auto& a, auto& b) { return a.at_s < b.at_s; });
  }
  return h;
}

nlohmann::json Household::describe() const {
  nlohmann::json appliances_json = nlohmann::json::array();
  for (const auto& a : appliances) {
    std::int64_t on_s = 0;
    for (const auto& act : a.activations) on_s += act.length_s;
    appliances_json.push_back({{"name", a.model.name},
                               {"column", a.column == 0 ? nlohmann::json(nullptr) : nlohmann::json(a.column)},
                               {"apparent_factor", a.model.apparent_factor},
                               {"resistive", a.model.resistive},
                               {"model", a.model.parameters},
                               {"habit", a.habit},
                               {"activations", a.activations.size()},
                               {"active_hours", static_cast<double>(on_s) / 3600}});
  }
  nlohmann::json holidays = nlohmann::json::array();
  for (int d = 0; d < days; ++d)
    if (calendar[d].holiday) holidays.push_back(d);
  std::int64_t gap_s = 0;
  for (const auto& g : gaps) gap_s += g.end_s - g.start_s;
  return {{"name", name},
          {"seed", seed},
          {"days", days},
          {"start_unix", start_unix},
          {"occupancy", to_json(occupancy)},
          {"holiday_days", holidays},
          {"meter",
           {{"aggregate_noise_w", meter.aggregate_noise_w},
            {"aggregate_noise_share", meter.aggregate_noise_share},
            {"plug_noise_w", meter.plug_noise_w},
            {"voltage_swing", meter.voltage_swing},
            {"jitter_share", meter.jitter_share},
            {"short_gaps_per_day", meter.short_gaps_per_day},
            {"long_gaps_per_day", meter.long_gaps_per_day},
            {"glitches_per_day", meter.glitches_per_day},
            {"gaps", gaps.size()},
            {"gap_hours", static_cast<double>(gap_s) / 3600},
            {"glitches", glitches.size()}}},
          {"columns", columns},
          {"appliances", appliances_json}};
}

}  // namespace nilm::sim
