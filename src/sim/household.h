// One simulated household: everything drawn from (seed, house index) before anything is
// rendered: its routine, the appliances it owns with their drawn models and schedules, which
// appliances have a plug meter (REFIT's 9 Appliance columns), and its meter's quirks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/refit_format.h"
#include "sim/appliance_model.h"
#include "sim/habits.h"

namespace nilm::sim {

// The five appliances every simulated house has (data/appliance.h's canonical names).
extern const std::array<const char*, 5> kTargetAppliances;

struct HouseAppliance {
  ApplianceModel model;
  nlohmann::json habit;                  // how its schedule was drawn (simulation.json)
  std::vector<Activation> activations;   // sorted, non-overlapping, lengths set
  int column = 0;                        // REFIT ApplianceK column (1..9); 0 = not plug-metered
};

// The mains meter and the plugs: noise, sampling and data-logging faults.
struct MeterModel {
  double aggregate_noise_w;      // mains reading noise, standard deviation ...
  double aggregate_noise_share;  // ... plus this share of the reading
  double plug_noise_w;           // plug reading noise (only while the appliance draws power)
  double voltage_swing;          // relative mains voltage variation (resistive loads follow V^2)
  double jitter_share;           // share of reading intervals that are 7 or 9 s instead of 8
  double short_gaps_per_day;     // dropouts of 20 s to 10 min
  double long_gaps_per_day;      // dropouts of 30 min to 6 h
  double glitches_per_day;       // single plug readings of 32767 W (REFIT's sensor glitch)
};

struct Interval { std::int64_t start_s, end_s; };  // [start, end) seconds since the start
struct Glitch { std::int64_t at_s; int column; };

struct HouseholdOptions {
  bool meter_gaps = true;   // dropouts in the readings
  bool glitches = true;     // 32767 W plug readings
};

struct Household {
  std::string name;              // "House1", ...
  int index = 0;                 // 0-based position in the population
  std::uint64_t seed = 0;        // this house's own seed, derived from the population seed
  int days = 0;
  std::int64_t start_unix = 0;   // local midnight of day 0 (the simulator's local time is UTC)
  Occupancy occupancy{};
  std::vector<DayInfo> calendar;
  std::vector<HouseAppliance> appliances;
  std::array<std::string, data::kRefitApplianceColumns> columns;  // mapping.json entry
  MeterModel meter{};
  std::vector<Interval> gaps;    // sorted, disjoint
  std::vector<Glitch> glitches;  // sorted by time

  std::int64_t span_s() const { return static_cast<std::int64_t>(days) * 86400; }
  const HouseAppliance* find(const std::string& name) const;  // nullptr when absent
  nlohmann::json describe() const;  // drawn parameters and counts, for simulation.json
};

// House `index` (0-based) of the population drawn from `seed`. A house depends only on
// (seed, index, days, start), not on how many houses are drawn.
Household draw_household(std::uint64_t seed, int index, int days, std::int64_t start_unix,
                         const HouseholdOptions& options = {});

}  // namespace nilm::sim
