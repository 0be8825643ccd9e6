// Hair dryer (a distractor): high/low heat settings switched during use, brief pauses.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct HairDryerModel {
  double high_w;     // high setting
  double low_share;  // low setting as a share of high
};

HairDryerModel draw_hair_dryer(Rng& rng);
void render_hair_dryer(const HairDryerModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_hair_dryer(const HairDryerModel&);

}  // namespace nilm::sim
