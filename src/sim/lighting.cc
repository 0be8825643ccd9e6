#include "sim/lighting.h"

#include <algorithm>

namespace nilm::sim {

LightingModel draw_lighting(Rng& rng) { return {rng.uniform(15, 80), rng.integer(2, 6)}; }

void render_lighting(const LightingModel& m, double seconds, Rng& rng, Profile& out) {
  const auto end = out.size() + static_cast<std::size_t>(seconds);
  int lit = 1;
  while (out.size() < end) {
    const double stretch = std::min(rng.uniform(3, 30) * 60, static_cast<double>(end - out.size()));
    hold(out, stretch, lit * m.room_w);
    lit = std::clamp(lit + rng.integer(-1, 1), 1, m.rooms);
  }
}

ApplianceModel make_lighting(const LightingModel& m) {
  ApplianceModel a;
  a.name = "lighting";
  a.apparent_factor = 1.15;  // CFL and LED drivers
  a.parameters = {{"room_w", m.room_w}, {"rooms", m.rooms}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_lighting(m, act.length_s, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
