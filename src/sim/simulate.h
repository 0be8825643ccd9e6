// `nilm simulate`: a population of households written as a REFIT-like dataset folder:
//   CLEAN_House<N>.csv   REFIT's cleaned CSV layout (data/refit_format.h)
//   mapping.json         which Appliance column is which appliance, per house
//   splits.json          train/validation/test houses per target appliance
//   simulation.json      the seed and every house's drawn parameters and counts
//   House<N>_day.png     one day of the aggregate and the five target appliances
// The same options give byte-identical files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/meter.h"

namespace nilm::sim {

struct SimulationOptions {
  int houses = 5;
  int days = 30;
  std::uint64_t seed = 1;
  std::int64_t start_unix = 1388966400;  // 2014-01-06 00:00 UTC, a Monday (REFIT's era)
  bool meter_gaps = true;
  bool glitches = true;
  bool images = true;
  int threads = 1;  // houses simulated at once (the output does not depend on it)
};

struct HouseSummary {
  std::string name;
  MeterCounts counts;
  std::vector<std::pair<std::string, std::size_t>> activations;  // per target appliance
};

// Writes the folder (created if needed); throws nilm::Error naming the file that failed.
std::vector<HouseSummary> simulate(const SimulationOptions&, const std::string& out_dir);

// Splits by house, the same for every target: the last ~20% of the houses test, the ~10%
// before them validation, the rest train (5 houses: House1-3 / House4 / House5).
// 2 houses: train House1, test House2, no validation; 1 house: train only.
nlohmann::json house_splits(const std::vector<std::string>& houses);

// "YYYY-MM-DD" -> epoch seconds of that midnight, UTC; throws naming the text.
std::int64_t parse_date(const std::string& text);

}  // namespace nilm::sim
