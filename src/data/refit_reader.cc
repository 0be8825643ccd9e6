#include "data/refit_reader.h"

#include <algorithm>

#include "data/generic_csv.h"

namespace nilm::data {

HouseSeries read_refit_csv(const std::string& path, const std::string& house_name,
                           const RefitColumns& names, const ReadOptions& options) {
  CsvColumns columns;
  columns.time = "Unix";  // the Time text is local time with DST jumps; Unix is unambiguous
  columns.iso_time = false;
  columns.aggregate = "Aggregate";
  columns.issues = "Issues";
  columns.format_hint = " (REFIT header is Time,Unix,Aggregate,Appliance1..Appliance9,Issues)";
  for (int k = 0; k < kRefitApplianceColumns; ++k) {
    const std::string& name = names[static_cast<std::size_t>(k)];
    if (name.empty()) continue;
    if (!options.appliances.empty() &&
        std::find(options.appliances.begin(), options.appliances.end(), name) == options.appliances.end())
      continue;
    columns.appliances.emplace_back("Appliance" + std::to_string(k + 1), name);
  }
  return read_csv_table(path, house_name, "refit", columns, options);
}

}  // namespace nilm::data
