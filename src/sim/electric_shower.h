// Electric shower (a distractor, hard-wired): 7.5-10.5 kW instantaneous water heater, minutes.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct ElectricShowerModel {
  double rated_w;
  double usual_s;  // this household's usual shower length
};

ElectricShowerModel draw_electric_shower(Rng& rng);
void render_electric_shower(const ElectricShowerModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_electric_shower(const ElectricShowerModel&);

}  // namespace nilm::sim
