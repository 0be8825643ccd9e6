// REDD low-frequency layout: low_freq/house_N/channel_K.dat ("unix_seconds watts") and
// labels.dat ("K label"). The two "mains" channels are the two legs of a US split-phase
// supply: each is resampled on its own, then they are summed into the aggregate. Appliance
// channels sharing a label (two-leg appliances such as washer_dryer) are summed the same way.
#pragma once

#include <string>
#include <vector>

#include "data/readers.h"
#include "data/ukdale.h"

namespace nilm::data {

HouseSeries read_redd_house(const std::string& house_dir, const std::string& house_name,
                            const ReadOptions& options);

// Writes house_dir in REDD's layout: channel_1 and channel_2 "mains" (the aggregate split in
// two exact halves: w/2 and w - w/2), then the appliances with their labels, and labels.dat.
void write_redd_house(const std::string& house_dir, const RawChannel& aggregate,
                      const std::vector<RawChannel>& appliances);

}  // namespace nilm::data
