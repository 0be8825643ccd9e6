// UK-DALE layout: house_N/channel_K.dat ("unix_seconds watts" per line, space-separated) and
// house_N/labels.dat ("K label" per line); channel 1 is the aggregate. The channel-file and
// labels parsing here is shared with REDD (redd.h), which uses the same line formats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/readers.h"
#include "data/resample.h"

namespace nilm::data {

struct ChannelLabel {
  int channel;
  std::string label;
};

// labels.dat; throws "path:line: ..." on a malformed line, a repeated channel, or no lines.
std::vector<ChannelLabel> read_labels(const std::string& path);

// One channel file onto the grid. Lines "unix watts" (tabs or spaces; a trailing '\r' is fine).
// Cleaning as the CSV readers: a value that is not a number is an error naming the line;
// NaN absent, negative 0, above cap_w clipped, time going back skipped, duplicate time: later
// wins, a last line cut short skipped; all counted into `counts`.
ChannelGrid read_dat_channel(const std::string& path, float cap_w, const ReadOptions& options,
                             CleaningCounts& counts);

HouseSeries read_ukdale_house(const std::string& house_dir, const std::string& house_name,
                              const ReadOptions& options);

// Raw (not resampled) samples of one meter, for the writers.
struct RawChannel {
  std::string label;                 // as the dataset spells it ("aggregate", "dish_washer")
  std::vector<std::int64_t> unix_s;
  std::vector<float> watts;
};

void write_dat_channel(const std::string& path, const RawChannel& channel);
void write_labels(const std::string& path, const std::vector<ChannelLabel>& labels);

// Writes house_dir/channel_1.dat (the aggregate, labelled "aggregate"), channel_2.. (the
// appliances, with their labels) and labels.dat. Creates house_dir.
void write_ukdale_house(const std::string& house_dir, const RawChannel& aggregate,
                        const std::vector<RawChannel>& appliances);

}  // namespace nilm::data
