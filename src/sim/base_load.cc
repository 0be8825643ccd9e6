#include "sim/base_load.h"

#include <algorithm>

namespace nilm::sim {

BaseLoadModel draw_base_load(Rng& rng) {
  return {rng.uniform(kBaseLoadMinW, 180), rng.uniform(0.03, 0.10), rng.uniform(5, 60),
          rng.uniform(2, 8)};
}

void render_base_load(const BaseLoadModel& m, double seconds, Rng& rng, Profile& out) {
  const std::size_t start = out.size();
  const auto n = static_cast<std::size_t>(seconds);
  while (out.size() - start < n) {  // the floor, in stretches of 5-20 min
    const double stretch = std::min(rng.uniform(300, 1200), static_cast<double>(n - (out.size() - start)));
    hold(out, stretch, m.always_on_w * (1.0 + m.wander * (2.0 * rng.uniform() - 1.0)));
  }
  const int small = rng.poisson(m.small_per_day * seconds / 86400.0);
  for (int k = 0; k < small; ++k) {  // small devices on for minutes to hours
    const auto at = static_cast<std::size_t>(rng.uniform(0, static_cast<double>(n)));
    const auto len = std::min(static_cast<std::size_t>(rng.log_uniform(300, 4 * 3600)), n - at);
    const auto w = static_cast<float>(m.small_w * rng.uniform(0.5, 1.5));
    for (std::size_t i = 0; i < len; ++i) out[start + at + i] += w;
  }
}

ApplianceModel make_base_load(const BaseLoadModel& m) {
  ApplianceModel a;
  a.name = "base_load";
  a.apparent_factor = 1.15;  // electronics on switch-mode supplies
  a.parameters = {{"always_on_w", m.always_on_w}, {"wander", m.wander}, {"small_w", m.small_w},
                  {"small_per_day", m.small_per_day}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_base_load(m, act.length_s, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
