// A household's habits: when people get up, eat and sleep, whether the house is empty on
// weekdays, and for each appliance how often and at which times of day it is used. Event
// times are drawn from a mixture of daily modes anchored to the household's routine, so the
// same appliance is used at different times in different houses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/appliance_model.h"

namespace nilm::sim {

struct Occupancy {
  double wake_weekday_h;  // hours after local midnight
  double wake_weekend_h;
  double dinner_h;
  double bed_h;           // may exceed 24 (after midnight)
  bool away_weekdays;     // everyone out at work or school on weekdays
  double leave_h, return_h;
};

enum class Anchor { wake, dinner, bed, clock };  // clock: offset_h is the hour itself

struct TimeMode {
  Anchor anchor;
  double offset_h, sd_h, weight;
  bool needs_daytime_home;  // skipped on weekdays when the house is empty
};

struct UsageHabit {
  double per_day = 0;         // expected uses on a weekday with someone home all day
  double weekend_factor = 1;  // multiplies per_day on Saturdays and Sundays
  double min_gap_s = 0;       // a use never starts before the previous one ended + this
  std::vector<TimeMode> modes;
};

// What a day looks like for scheduling: weekday/weekend, holiday, daylight.
struct DayInfo {
  bool weekend = false;
  bool holiday = false;   // the house is empty: only fridge, base load and timers run
  double sunrise_h = 7, sunset_h = 17;
};

Occupancy draw_occupancy(Rng& rng);
// The appliance's habit drawn for one house (rates and mode weights vary between houses).
// Throws for an appliance without a habit table entry (fridge, lighting, base load have their
// own schedules).
UsageHabit draw_habit(const std::string& appliance, Rng& rng);
bool has_habit(const std::string& appliance);

// Uses of one appliance over all days, sorted by start; lengths still 0 (see settle_schedule).
std::vector<Activation> schedule_uses(const UsageHabit&, const Occupancy&,
                                      const std::vector<DayInfo>& days, std::uint64_t seed);
// Renders each use to learn its length and delays uses that would overlap the previous one
// (a kettle cannot boil twice at once); drops uses pushed past span_s.
void settle_schedule(const ApplianceModel&, double min_gap_s, std::int64_t span_s,
                     std::vector<Activation>& uses);

// Lighting sessions: dusk (or coming home) to bedtime, and waking to dawn on dark mornings.
std::vector<Activation> schedule_lighting(const Occupancy&, const std::vector<DayInfo>& days,
                                          std::uint64_t seed);

nlohmann::json to_json(const Occupancy&);
nlohmann::json to_json(const UsageHabit&);

}  // namespace nilm::sim
