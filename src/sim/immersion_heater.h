// Immersion heater (a distractor, hard-wired): a 3 kW hot-water element on a night timer or a
// boost, running until the tank thermostat opens: kettle power, but for half an hour or more.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct ImmersionHeaterModel {
  double rated_w;
  double timer_hour;  // the daily timer's switch-on time (cheap night rate)
};

ImmersionHeaterModel draw_immersion_heater(Rng& rng);
void render_immersion_heater(const ImmersionHeaterModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_immersion_heater(const ImmersionHeaterModel&);

}  // namespace nilm::sim
