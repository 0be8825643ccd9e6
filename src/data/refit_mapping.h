// Which REFIT column (Appliance1..Appliance9) is which appliance, per house. The built-in table
// follows the REFIT cleaned release's readme (with its later corrections to House 12), mapped
// onto canonical names the way the seq2point REFIT scripts choose channels: a house's
// Fridge-Freezer is its `fridge` only where it has no plain fridge. A user JSON
// (`{"House1": ["fridge", "", ...]}`, exactly 9 names, "" = unused) overrides houses one by one.
#pragma once

#include <array>
#include <map>
#include <string>

#include "data/refit_format.h"

namespace nilm::data {

using RefitColumns = std::array<std::string, kRefitApplianceColumns>;
using RefitMapping = std::map<std::string, RefitColumns>;  // "House2" -> names

const RefitMapping& builtin_refit_mapping();  // the 20 REFIT houses

// Reads a mapping JSON; names go through canonical_appliance(). Throws naming the file and
// the house on anything malformed (not an object, not 9 strings, duplicate names in a house).
RefitMapping load_refit_mapping(const std::string& path);
void write_refit_mapping(const std::string& path, const RefitMapping& mapping);

// The built-in table with the houses of `override_path` replaced ("" = none).
RefitMapping refit_mapping_with(const std::string& override_path);

}  // namespace nilm::data
