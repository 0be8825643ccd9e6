#include "sim/electric_shower.h"

#include <algorithm>

namespace nilm::sim {

ElectricShowerModel draw_electric_shower(Rng& rng) {
  return {rng.uniform(7500, 10500), rng.uniform(300, 600)};
}

void render_electric_shower(const ElectricShowerModel& m, Rng& rng, Profile& out) {
  // The user settles the temperature in the first half minute (the heater steps), then it holds.
  double left = std::clamp(rng.normal(m.usual_s, 90), 180.0, 900.0);
  for (int step = 0; step < 3 && left > 0; ++step, left -= 10)
    hold(out, std::min(left, 10.0), m.rated_w * rng.uniform(0.7, 1.0));
  hold(out, left, m.rated_w * rng.uniform(0.85, 1.0));
}

ApplianceModel make_electric_shower(const ElectricShowerModel& m) {
  ApplianceModel a;
  a.name = "electric_shower";
  a.resistive = true;
  a.parameters = {{"rated_w", m.rated_w}, {"usual_s", m.usual_s}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_electric_shower(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
