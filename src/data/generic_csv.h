// CSV tables with a header: users' own meter logs ("generic CSV"), and the engine under the
// REFIT reader. One pass over the memory-mapped file, hand-written number parsing, no per-row
// allocation; every kept column streams into its own grid (resample.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/readers.h"

namespace nilm::data {

struct CsvColumns {  // header names (matched case-insensitively) and what they become
  std::string time;
  bool iso_time = true;   // accept ISO-8601 as well as epoch seconds (REFIT: Unix only)
  std::string aggregate;
  std::vector<std::pair<std::string, std::string>> appliances;  // header name -> appliance name
  std::string issues;     // optional flag column (REFIT "Issues"); "" = none
  std::string format_hint;  // appended to "missing column" errors
  char separator = ',';     // ',' ';' or '\t'; with ';' or '\t', "12,5" is a decimal comma
};

// Reads the named columns; every other column is ignored. source: HouseSeries::source.
HouseSeries read_csv_table(const std::string& path, const std::string& house_name,
                           const std::string& source, const CsvColumns& columns,
                           const ReadOptions& options);

// A user's CSV: fields separated by ',', ';' or tab (the one the header line uses most);
// header row; time column = options.csv_time_column or the first column, epoch
// seconds or ISO-8601 (auto-detected per value; no zone = UTC); aggregate column =
// options.csv_aggregate_column; every other column is an appliance in watts, named by
// canonical_house_names() of its header.
HouseSeries read_generic_csv(const std::string& path, const std::string& house_name,
                             const ReadOptions& options);

}  // namespace nilm::data
