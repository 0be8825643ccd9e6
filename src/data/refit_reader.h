// The REFIT cleaned-release CSV reader (layout in refit_format.h): one pass over the memory-
// mapped file, hand-written number parsing, every kept column streamed into its grid.
#pragma once

#include <string>

#include "data/readers.h"
#include "data/refit_mapping.h"

namespace nilm::data {

// Reads `path` (CLEAN_HouseN.csv) as house `house_name` whose Appliance1..9 columns are
// `columns` ("" = unused). Uses the Unix column as time; Time text is not parsed.
HouseSeries read_refit_csv(const std::string& path, const std::string& house_name,
                           const RefitColumns& columns, const ReadOptions& options);

}  // namespace nilm::data
