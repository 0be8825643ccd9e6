#include "sim/habits.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace nilm::sim {

Occupancy draw_occupancy(Rng& rng) {
  Occupancy o;
  o.wake_weekday_h = rng.uniform(6.0, 8.0);
  o.wake_weekend_h = o.wake_weekday_h + rng.uniform(0.5, 2.0);
  o.dinner_h = rng.uniform(17.5, 19.5);
  o.bed_h = rng.uniform(22.0, 24.5);
  o.away_weekdays = rng.chance(0.6);
  o.leave_h = o.wake_weekday_h + rng.uniform(0.7, 1.5);
  o.return_h = rng.uniform(16.5, 18.5);
  return o;
}

namespace {

struct HabitSpec {
  const char* appliance;
  Range per_day, weekend_factor;
  double min_gap_s;
  std::vector<TimeMode> modes;
};

// Usage rates and daily modes (docs/simulator.md "Habits" says where the numbers come from).
const std::vector<HabitSpec>& habit_table() {
  using A = Anchor;
  static const std::vector<HabitSpec> table = {
      {"kettle", {3.0, 7.0}, {1.0, 1.4}, 300,
       {{A::wake, 0.2, 0.3, 3, false}, {A::clock, 10.5, 1.0, 1, true},
        {A::clock, 13.0, 0.7, 1.2, true}, {A::clock, 15.75, 0.8, 1.2, true},
        {A::dinner, -0.3, 0.6, 1.5, false}, {A::dinner, 2.0, 1.0, 1.5, false}}},
      {"microwave", {1.0, 3.0}, {0.8, 1.3}, 120,
       {{A::wake, 0.4, 0.4, 0.6, false}, {A::clock, 12.75, 0.6, 1.5, true},
        {A::dinner, -0.2, 0.6, 2, false}, {A::dinner, 2.5, 1.0, 0.6, false}}},
      {"dishwasher", {0.5, 1.0}, {1.0, 1.4}, 600,
       {{A::dinner, 1.5, 0.7, 3, false}, {A::bed, -0.5, 0.5, 0.8, false},
        {A::wake, 1.0, 0.7, 0.5, false}, {A::clock, 14.0, 1.5, 0.5, true}}},
      {"washing_machine", {0.3, 0.9}, {1.3, 2.2}, 600,
       {{A::wake, 1.5, 1.0, 2, false}, {A::clock, 13.0, 1.5, 1, true},
        {A::dinner, 1.0, 1.0, 1, false}}},
      {"oven", {0.2, 0.6}, {1.2, 1.8}, 3600,
       {{A::dinner, -0.8, 0.5, 3, false}, {A::clock, 12.5, 0.5, 0.5, true}}},
      {"toaster", {0.1, 0.5}, {1.0, 1.8}, 600,
       {{A::wake, 0.3, 0.3, 3, false}, {A::clock, 12.5, 0.7, 0.5, true}}},
      {"hair_dryer", {0.2, 0.7}, {1.0, 1.3}, 1800,
       {{A::wake, 0.6, 0.3, 3, false}, {A::bed, -2.0, 1.0, 1, false}}},
      {"electric_shower", {0.7, 2.0}, {0.8, 1.2}, 900,
       {{A::wake, 0.1, 0.3, 4, false}, {A::bed, -1.0, 0.7, 1, false}}},
      {"immersion_heater", {0.05, 0.3}, {1.0, 1.5}, 3600,  // boosts; the night timer is extra
       {{A::dinner, 1.0, 1.0, 1, false}}},
      {"television", {0.9, 1.6}, {1.0, 1.5}, 600,
       {{A::dinner, 0.7, 0.6, 4, false}, {A::clock, 14.5, 1.5, 1, true},
        {A::wake, 0.5, 0.5, 0.5, false}}},
      {"computer", {1.0, 3.0}, {0.8, 1.2}, 600,
       {{A::clock, 9.5, 0.8, 2, true}, {A::clock, 14.0, 1.2, 2, true},
        {A::dinner, 1.5, 1.0, 2, false}}},
  };
  return table;
}

const HabitSpec* find_spec(const std::string& appliance) {
  for (const auto& s : habit_table())
    if (appliance == s.appliance) return &s;
  return nullptr;
}

double anchor_hour(Anchor a, const Occupancy& o, bool weekend) {
  switch (a) {
    case Anchor::wake: return weekend ? o.wake_weekend_h : o.wake_weekday_h;
    case Anchor::dinner: return o.dinner_h;
    case Anchor::bed: return o.bed_h;
    case Anchor::clock: return 0;
  }
  return 0;
}

}  // namespace

bool has_habit(const std::string& appliance) { return find_spec(appliance) != nullptr; }

UsageHabit draw_habit(const std::string& appliance, Rng& rng) {
  const HabitSpec* spec = find_spec(appliance);
  if (!spec) fail("simulator: no usage habit for appliance '" + appliance + "'");
  UsageHabit h;
  h.per_day = spec->per_day.draw(rng);
  h.weekend_factor = spec->weekend_factor.draw(rng);
  h.min_gap_s = spec->min_gap_s;
  h.modes = spec->modes;
  for (auto& m : h.modes) {  // each household leans on its own times of day
    m.weight *= rng.uniform(0.5, 1.5);
    m.offset_h += rng.normal(0, 0.25);
  }
  return h;
}

std::vector<Activation> schedule_uses(const UsageHabit& h, const Occupancy& o,
                                      const std::vector<DayInfo>& days, std::uint64_t seed) {
  std::vector<Activation> uses;
  double all_weight = 0;
  for (const auto& m : h.modes) all_weight += m.weight;
  for (std::size_t d = 0; d < days.size(); ++d) {
    const DayInfo& day = days[d];
    if (day.holiday) continue;
    Rng rng(derive_seed(seed, {d}));
    const bool empty_daytime = o.away_weekdays && !day.weekend;
    double weight = 0;
    for (const auto& m : h.modes)
      if (!(empty_daytime && m.needs_daytime_home)) weight += m.weight;
    if (weight <= 0) continue;
    // An empty house uses things less, but not in proportion: people catch up in the evening.
    double rate = h.per_day * (day.weekend ? h.weekend_factor : 1.0);
    rate *= 0.5 + 0.5 * weight / all_weight;
    const int n = rng.poisson(rate);
    for (int k = 0; k < n; ++k) {
      double pick = rng.uniform(0, weight);
      const TimeMode* mode = nullptr;
      for (const auto& m : h.modes) {
        if (empty_daytime && m.needs_daytime_home) continue;
        mode = &m;
        if ((pick -= m.weight) < 0) break;
      }
      double hour = anchor_hour(mode->anchor, o, day.weekend) + mode->offset_h +
                    rng.normal(0, mode->sd_h);
      hour = std::clamp(hour, 0.0, 27.0);
      Activation a;
      a.start_s = static_cast<std::int64_t>(d) * 86400 + static_cast<std::int64_t>(hour * 3600);
      a.seed = derive_seed(seed, {d, static_cast<std::uint64_t>(k), 0x5e});
      uses.push_back(a);
    }
  }
  std::sort(uses.begin(), uses.end(),
            [](const Activation& a, const Activation& b) { return a.start_s < b.start_s; });
  return uses;
}

void settle_schedule(const ApplianceModel& model, double min_gap_s, std::int64_t span_s,
                     std::vector<Activation>& uses) {
  Profile scratch;
  std::int64_t free_from = std::numeric_limits<std::int64_t>::min();
  std::size_t kept = 0;
  for (auto a : uses) {
    a.start_s = std::max(a.start_s, free_from);
    if (a.start_s >= span_s) continue;
    if (a.length_s == 0) {
      scratch.clear();
      model.render(a, scratch);
      a.length_s = static_cast<std::int32_t>(scratch.size());
    }
    free_from = a.end_s() + static_cast<std::int64_t>(min_gap_s);
    uses[kept++] = a;
  }
  uses.resize(kept);
}

std::vector<Activation> schedule_lighting(const Occupancy& o, const std::vector<DayInfo>& days,
                                          std::uint64_t seed) {
  std::vector<Activation> sessions;
  auto add = [&](std::size_t d, double from_h, double to_h, std::uint64_t tag) {
    if (to_h - from_h < 5.0 / 60) return;
    Activation a;
    a.start_s = static_cast<std::int64_t>(d) * 86400 + static_cast<std::int64_t>(from_h * 3600);
    a.length_s = static_cast<std::int32_t>((to_h - from_h) * 3600);
    a.seed = derive_seed(seed, {d, tag});
    sessions.push_back(a);
  };
  for (std::size_t d = 0; d < days.size(); ++d) {
    const DayInfo& day = days[d];
    if (day.holiday) continue;
    Rng rng(derive_seed(seed, {d}));
    const double wake = day.weekend ? o.wake_weekend_h : o.wake_weekday_h;
    const bool out_all_day = o.away_weekdays && !day.weekend;
    if (wake < day.sunrise_h) {
      const double until = std::min(day.sunrise_h, out_all_day ? o.leave_h : wake + 1.5);
      add(d, wake, until, 1);
    }
    double from = day.sunset_h - rng.uniform(0, 0.5);
    if (out_all_day) from = std::max(from, o.return_h);
    add(d, from, std::max(from, o.bed_h + rng.normal(0, 0.3)), 2);
  }
  return sessions;
}

nlohmann::json to_json(const Occupancy& o) {
  return {{"wake_weekday_h", o.wake_weekday_h}, {"wake_weekend_h", o.wake_weekend_h},
          {"dinner_h", o.dinner_h}, {"bed_h", o.bed_h}, {"away_weekdays", o.away_weekdays},
          {"leave_h", o.leave_h}, {"return_h", o.return_h}};
}

nlohmann::json to_json(const UsageHabit& h) {
  static const char* anchors[] = {"wake", "dinner", "bed", "clock"};
  nlohmann::json modes = nlohmann::json::array();
  for (const auto& m : h.modes)
    modes.push_back({{"anchor", anchors[static_cast<int>(m.anchor)]}, {"offset_h", m.offset_h},
                     {"sd_h", m.sd_h}, {"weight", m.weight},
                     {"needs_daytime_home", m.needs_daytime_home}});
  return {{"per_day", h.per_day}, {"weekend_factor", h.weekend_factor},
          {"min_gap_s", h.min_gap_s}, {"modes", modes}};
}

}  // namespace nilm::sim
