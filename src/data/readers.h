// Dataset readers: REFIT cleaned CSVs, UK-DALE and REDD channel files, and users' own CSV meter
// logs, each read and resampled onto one regular grid (see resample.h and docs/formats.md
// "Input formats and cleaning policy" for what is filled, clipped, skipped and counted).
#pragma once

#include <string>
#include <vector>

#include "data/series.h"

namespace nilm::data {

enum class Format { refit, ukdale, redd, csv };
Format parse_format(const std::string& name);            // "refit"|"ukdale"|"redd"|"csv"; throws
std::string format_name(Format);

struct ReadOptions {
  double period_s = 8.0;          // grid period
  double fill_limit_s = 180.0;    // gaps (time between consecutive real samples) up to this are
                                  // forward-filled; longer gaps are marked missing
  float appliance_cap_w = 4000;   // plug glitch cap: above it a value is clipped (counted)
  float aggregate_cap_w = 30000;  // mains glitch cap
  std::string mapping_path;       // REFIT: JSON column mapping overriding the built-in table
                                  // (default: <input>/mapping.json if present)
  std::vector<std::string> appliances;  // keep only these canonical names; empty: keep all
  // generic CSV: which column is time and which is the aggregate; other columns are appliances
  std::string csv_time_column = "";       // default: first column
  std::string csv_aggregate_column = "aggregate";
};

struct HouseSource { std::string name; std::string path; };   // name e.g. "House2", "house_1"

// The houses in an input folder, sorted by house number (then name):
//   refit: CLEAN_HouseN.csv files (name "HouseN", path the CSV)
//   ukdale: house_N folders (name "house_N", path the folder)
//   redd: low_freq/house_N folders, or house_N folders directly (name "house_N")
//   csv: *.csv files (name the file stem); input_dir may also be a single .csv file
// Throws if the folder does not exist or holds no house of that format.
std::vector<HouseSource> discover_houses(Format, const std::string& input_dir);

// Reads one house and resamples every channel onto the grid (ReadOptions::period_s).
HouseSeries read_house(Format, const HouseSource&, const ReadOptions&);

}  // namespace nilm::data
