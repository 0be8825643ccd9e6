#include "data/redd.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/appliance_names.h"

namespace nilm::data {

namespace fs = std::filesystem;

namespace {
std::string channel_path(const std::string& dir, int k) {
  return (fs::path(dir) / ("channel_" + std::to_string(k) + ".dat")).string();
}
}  // namespace

HouseSeries read_redd_house(const std::string& house_dir, const std::string& house_name,
                            const ReadOptions& options) {
  const std::string labels_path = (fs::path(house_dir) / "labels.dat").string();
  const std::vector<ChannelLabel> labels = read_labels(labels_path);
  CleaningCounts counts;
  ChannelGrid aggregate;
  int mains = 0;
  std::vector<std::string> raw;
  std::vector<int> channels;
  for (const auto& l : labels) {
    if (is_mains_label(l.label)) {
      ChannelGrid leg = read_dat_channel(channel_path(house_dir, l.channel), options.aggregate_cap_w, options, counts);
      aggregate = mains++ == 0 ? std::move(leg) : sum_grids(aggregate, leg);
    } else {
      raw.push_back(l.label);
      channels.push_back(l.channel);
    }
  }
  if (mains == 0) fail(labels_path + ": no \"mains\" channel");
  const std::vector<std::string> names = canonical_house_names(raw);
  std::vector<NamedGrid> appliances;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!options.appliances.empty() &&
        std::find(options.appliances.begin(), options.appliances.end(), names[i]) == options.appliances.end())
      continue;
    ChannelGrid g = read_dat_channel(channel_path(house_dir, channels[i]), options.appliance_cap_w, options, counts);
    auto same = std::find_if(appliances.begin(), appliances.end(), [&](const NamedGrid& a) { return a.name == names[i]; });
    if (same != appliances.end())
      same->grid = sum_grids(same->grid, g);
    else
      appliances.push_back({names[i], std::move(g)});
  }
  try {
    return assemble_house(house_name, "redd", options.period_s, std::move(aggregate),
                          std::move(appliances), counts);
  } catch (const Error& e) {
    fail(house_dir + ": " + e.what());
  }
}

void write_redd_house(const std::string& house_dir, const RawChannel& aggregate,
                      const std::vector<RawChannel>& appliances) {
  fs::create_directories(house_dir);
  RawChannel leg1{"mains", aggregate.unix_s, {}}, leg2{"mains", aggregate.unix_s, {}};
  for (float w : aggregate.watts) {
    leg1.watts.push_back(w * 0.5f);  // halving is exact in binary floating point
    leg2.watts.push_back(w - w * 0.5f);
  }
  write_dat_channel(channel_path(house_dir, 1), leg1);
  write_dat_channel(channel_path(house_dir, 2), leg2);
  std::vector<ChannelLabel> labels = {{1, "mains"}, {2, "mains"}};
  int k = 3;
  for (const auto& a : appliances) {
    write_dat_channel(channel_path(house_dir, k), a);
    labels.push_back({k++, a.label});
  }
  write_labels((fs::path(house_dir) / "labels.dat").string(), labels);
}

}  // namespace nilm::data
