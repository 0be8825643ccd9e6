// The REFIT cleaned-release CSV layout ("CLEAN_HouseN.csv"):
//   Time,Unix,Aggregate,Appliance1,...,Appliance9,Issues
// Time is a local date-time text, Unix epoch seconds, powers integer watts, Issues 0/1.
// The simulator writes this layout so that simulated data goes through the real reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nilm::data {

constexpr int kRefitApplianceColumns = 9;

struct RefitTable {  // one house, column by column, all columns the same length
  std::vector<std::int64_t> unix_s;
  std::vector<float> aggregate;
  std::vector<std::vector<float>> appliances;  // kRefitApplianceColumns columns
  std::vector<std::uint8_t> issues;
};

// Writes the CSV with REFIT's header; powers are rounded to whole watts as in the dataset, the
// Time column is written in UTC. Throws nilm::Error naming the path on failure.
void write_refit_csv(const std::string& path, const RefitTable& table);

}  // namespace nilm::data
