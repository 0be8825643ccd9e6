// Toaster (a distractor at microwave-like power): a steady resistive load for a few minutes.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct ToasterModel {
  double rated_w;
  double usual_s;  // this household's usual browning time
};

ToasterModel draw_toaster(Rng& rng);
void render_toaster(const ToasterModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_toaster(const ToasterModel&);

}  // namespace nilm::sim
