// `nilm prepare` as a library call: read every house of a dataset (data/readers.h), compute
// each appliance's on/off status, write the prepared store (data/store.h) and report what was
// read, filled, marked missing, clipped and rejected, and how often each appliance ran.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/readers.h"

namespace nilm::data {

struct PrepareOptions {
  Format format = Format::refit;
  std::string input_dir;
  std::string out_dir;
  std::string splits_path;      // "" = <input>/splits.json if present, else the REFIT or
                                // UK-DALE splits, else positional splits (redd, csv)
  std::string mapping_path;     // REFIT column mapping ("" = <input>/mapping.json if present)
  std::string appliances_path;  // appliance table overrides/additions ("" = built-in)
  double period_s = 8.0;
  double fill_limit_s = 180.0;
  float appliance_cap_w = 4000;
  float aggregate_cap_w = 30000;
  std::vector<std::string> houses;  // only these: names ("House2") or numbers ("2"); empty = all
  std::string csv_time_column;
  std::string csv_aggregate_column = "aggregate";
};

// Writes the store and returns its store.json (which holds the "report"). Only the appliances
// of the table are kept (add entries to the table to keep others). Throws nilm::Error naming
// the file on bad input; no store is left behind then.
nlohmann::json prepare_store(const PrepareOptions& options);

// The report as text tables: per house samples, time span, filled/missing/clipped/rejected;
// per appliance and house activations and on-fraction; the splits; warnings.
std::string format_prepare_report(const nlohmann::json& store_meta);

// Houses of `found` chosen by `wanted` (exact names, or numbers matching a name's trailing
// digits: "2" picks "House2" or "house_2"). Throws listing the houses found for a miss.
std::vector<HouseSource> select_houses(const std::vector<HouseSource>& found,
                                       const std::vector<std::string>& wanted);

}  // namespace nilm::data
