#include "sim/immersion_heater.h"

namespace nilm::sim {

ImmersionHeaterModel draw_immersion_heater(Rng& rng) {
  return {rng.uniform(2800, 3000), rng.uniform(1.0, 5.0)};
}

void render_immersion_heater(const ImmersionHeaterModel& m, Rng& rng, Profile& out) {
  hold(out, rng.uniform(30, 110) * 60, m.rated_w);  // until the tank is hot again
}

ApplianceModel make_immersion_heater(const ImmersionHeaterModel& m) {
  ApplianceModel a;
  a.name = "immersion_heater";
  a.resistive = true;
  a.parameters = {{"rated_w", m.rated_w}, {"timer_hour", m.timer_hour}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_immersion_heater(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
