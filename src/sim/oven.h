// Electric oven (a distractor, usually hard-wired so not plug-metered): a preheat at full
// element power, then thermostat cycling of the element under a fan (docs/simulator.md).
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct OvenModel {
  double element_w;      // heating elements together
  double fan_w;          // fan + lamp, on for the whole session
  double preheat_s;
  double cycle_on_s;     // thermostat: element on for about this long ...
  double cycle_off_s;    // ... then off for about this long
};

OvenModel draw_oven(Rng& rng);
void render_oven(const OvenModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_oven(const OvenModel&);

}  // namespace nilm::sim
