// Base load (never plug-metered): always-on devices (router, standby, boiler electronics,
// alarm, chargers) that wander slowly, plus small devices switching now and then.
// One activation per day, 86400 s long.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct BaseLoadModel {
  double always_on_w;  // the floor every house has
  double wander;       // slow relative variation
  double small_w;      // a typical small device (charger, fan, radio)
  double small_per_day;
};

constexpr double kBaseLoadMinW = 40;  // the lowest always_on_w: keeps mains above the plugs

BaseLoadModel draw_base_load(Rng& rng);
void render_base_load(const BaseLoadModel&, double seconds, Rng& activation_rng, Profile& out);
ApplianceModel make_base_load(const BaseLoadModel&);

}  // namespace nilm::sim
