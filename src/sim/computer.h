// Computer (a distractor): a desktop (idle 50-120 W, bursts of load) or a charging laptop.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct ComputerModel {
  bool desktop;
  double idle_w;   // idle with the screen on
  double busy_w;   // under load
};

ComputerModel draw_computer(Rng& rng);
void render_computer(const ComputerModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_computer(const ComputerModel&);

}  // namespace nilm::sim
