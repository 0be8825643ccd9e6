#include "sim/meter.h"

#include <algorithm>

#include "sim/render.h"

namespace nilm::sim {

// Meter noise never exceeds 3 standard deviations: a reading is off by a few watts, and the
// mains stays above the plugs unless something really is wrong (a glitch).
static double bounded_noise(Rng& rng, double sd) {
  return std::clamp(rng.normal(0, sd), -3 * sd, 3 * sd);
}

data::RefitTable read_meters(const Household& house, MeterCounts* counts_out,
                             const std::function<void(int)>& on_day) {
  data::RefitTable table;
  table.appliances.resize(data::kRefitApplianceColumns);
  const auto expected = static_cast<std::size_t>(house.span_s() / 8 + 16);
  table.unix_s.reserve(expected);
  table.aggregate.reserve(expected);
  table.issues.reserve(expected);
  for (auto& c : table.appliances) c.reserve(expected);

  MeterCounts counts;
  const MeterModel& m = house.meter;
  Rng rng(derive_seed(house.seed, {0x4ead}));
  HouseRenderer renderer(house);
  std::int64_t next = rng.integer(0, 7);
  std::size_t gap = 0, glitch = 0;
  std::array<float, data::kRefitApplianceColumns> plugs{};
  for (int d = 0; d < house.days; ++d) {
    const std::int64_t day_start = static_cast<std::int64_t>(d) * 86400;
    renderer.render(day_start, 86400);
    const auto& apparent = renderer.apparent();
    for (; next < day_start + 86400;) {
      const std::int64_t t = next;
      const double u = rng.uniform();
      next += 8 + (u < m.jitter_share / 2 ? -1 : u < m.jitter_share ? 1 : 0);
      while (gap < house.gaps.size() && house.gaps[gap].end_s <= t) ++gap;
      if (gap < house.gaps.size() && house.gaps[gap].start_s <= t) {
        ++counts.skipped_in_gaps;
        continue;
      }
      const auto k = static_cast<std::size_t>(t - day_start);
      plugs.fill(0.0f);
      for (std::size_t i = 0; i < house.appliances.size(); ++i) {
        const int column = house.appliances[i].column;
        if (column == 0) continue;
        double w = renderer.appliance(i)[k];
        if (w > 0.5) w = std::max(0.0, w + bounded_noise(rng, m.plug_noise_w));
        plugs[column - 1] = static_cast<float>(w);
      }
      const double sd = m.aggregate_noise_w + m.aggregate_noise_share * apparent[k];
      const double aggregate = std::max(0.0, apparent[k] + bounded_noise(rng, sd));
      for (; glitch < house.glitches.size() && house.glitches[glitch].at_s <= t; ++glitch) {
        plugs[house.glitches[glitch].column - 1] = kGlitchW;
        ++counts.glitches;
      }
      double plug_sum = 0;
      for (std::size_t c = 0; c < plugs.size(); ++c) {
        table.appliances[c].push_back(plugs[c]);
        plug_sum += std::round(plugs[c]);
      }
      table.unix_s.push_back(house.start_unix + t);
      table.aggregate.push_back(static_cast<float>(aggregate));
      // Compared as written (whole watts), as a REFIT user would check it.
      const bool issue = plug_sum > std::round(aggregate);
      table.issues.push_back(issue ? 1 : 0);
      counts.issues_rows += issue;
      ++counts.rows;
    }
    if (on_day) on_day(d);
  }
  if (counts_out) *counts_out = counts;
  return table;
}

}  // namespace nilm::sim
