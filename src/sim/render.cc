#include "sim/render.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nilm::sim {

HouseRenderer::HouseRenderer(const Household& house)
    : house_(house),
      appliance_w_(house.appliances.size()),
      cached_index_(house.appliances.size(), static_cast<std::size_t>(-1)),
      cached_profile_(house.appliances.size()) {}

// Voltage sags in the evening peak and wanders minute to minute (hash noise). Computed at
// whole minutes and interpolated linearly: smooth, stateless, and cheap per second.
static double minute_voltage_factor(const Household& h, std::int64_t minute) {
  const double noise =
      static_cast<double>(derive_seed(h.seed, {0x7011, static_cast<std::uint64_t>(minute)}) >> 11) *
          0x1.0p-52 - 1.0;
  const double day = 2.0 * std::numbers::pi * static_cast<double>(minute % 1440) / 1440.0;
  const double evening_peak = 2.0 * std::numbers::pi * 19.0 / 24.0;
  const double v = 1.0 + h.meter.voltage_swing * (-0.6 * std::cos(day - evening_peak) + 0.4 * noise);
  return v * v;
}

double HouseRenderer::voltage_factor(std::int64_t t_s) const {
  const std::int64_t minute = t_s / 60;
  const double f = static_cast<double>(t_s % 60) / 60.0;
  return minute_voltage_factor(house_, minute) * (1 - f) + minute_voltage_factor(house_, minute + 1) * f;
}

void HouseRenderer::render(std::int64_t begin_s, std::size_t count) {
  const std::int64_t end_s = begin_s + static_cast<std::int64_t>(count);
  apparent_w_.assign(count, 0.0f);
  std::vector<float> voltage;  // per second, only if a resistive load runs in this chunk
  for (std::size_t i = 0; i < house_.appliances.size(); ++i) {
    const HouseAppliance& a = house_.appliances[i];
    std::vector<float>& out = appliance_w_[i];
    out.assign(count, 0.0f);
    const auto& acts = a.activations;
    // Activations are sorted and disjoint, so their ends are sorted too.
    auto it = std::partition_point(acts.begin(), acts.end(),
                                   [&](const Activation& x) { return x.end_s() <= begin_s; });
    for (; it != acts.end() && it->start_s < end_s; ++it) {
      const auto index = static_cast<std::size_t>(it - acts.begin());
      Profile& profile = cached_profile_[i];
      if (cached_index_[i] != index) {
        profile.clear();
        a.model.render(*it, profile);
        cached_index_[i] = index;
      }
      const std::int64_t from = std::max(begin_s, it->start_s);
      const std::int64_t to = std::min({end_s, it->start_s + static_cast<std::int64_t>(profile.size())});
      for (std::int64_t t = from; t < to; ++t)
        out[static_cast<std::size_t>(t - begin_s)] += profile[static_cast<std::size_t>(t - it->start_s)];
    }
    if (a.model.resistive) {
      if (voltage.empty()) {
        voltage.resize(count);
        std::int64_t minute = begin_s / 60;
        double now = minute_voltage_factor(house_, minute);
        double next = minute_voltage_factor(house_, minute + 1);
        for (std::size_t k = 0; k < count; ++k) {
          const std::int64_t t = begin_s + static_cast<std::int64_t>(k);
          if (t / 60 != minute) {
            minute = t / 60;
            now = next;
            next = minute_voltage_factor(house_, minute + 1);
          }
          const double f = static_cast<double>(t % 60) / 60.0;
          voltage[k] = static_cast<float>(now * (1 - f) + next * f);
        }
      }
      for (std::size_t k = 0; k < count; ++k) out[k] *= voltage[k];
    }
    const auto factor = static_cast<float>(a.model.apparent_factor);
    for (std::size_t k = 0; k < count; ++k) apparent_w_[k] += out[k] * factor;
  }
}

}  // namespace nilm::sim
