// Television (a distractor, plug-metered in many REFIT houses): evening viewing sessions of
// 60-200 W whose power follows the picture's brightness.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct TelevisionModel {
  double on_w;         // mean power while on
  double brightness;   // how much the power follows the picture, fraction
};

TelevisionModel draw_television(Rng& rng);
void render_television(const TelevisionModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_television(const TelevisionModel&);

}  // namespace nilm::sim
