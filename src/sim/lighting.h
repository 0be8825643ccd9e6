// Lighting (a distractor, never plug-metered): while it is dark and someone is up, rooms'
// lights switch on and off, so the load walks in steps of one room's lighting.
// The schedule fixes each session's length (dusk to bedtime, waking to dawn).
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct LightingModel {
  double room_w;   // one room's lights
  int rooms;       // rooms that may be lit at once
};

LightingModel draw_lighting(Rng& rng);
void render_lighting(const LightingModel&, double seconds, Rng& activation_rng, Profile& out);
ApplianceModel make_lighting(const LightingModel&);

}  // namespace nilm::sim
