// Kettle: a resistive element switched on until the water boils (docs/simulator.md "Kettle").
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct KettleModel {
  double rated_w;          // element power at the start of a boil
  double droop;            // fraction the power falls over a boil (element and supply warm up)
  double efficiency;       // share of the electrical energy that ends up in the water
  double overhead_s;       // heating the element and body before the water warms
  double usual_fill_l;     // this household's typical fill
  double tap_temperature_c;
};

constexpr Range kKettleRatedW{2300, 2900};
constexpr double kKettleMinS = 60, kKettleMaxS = 300;  // boil-dry protection / smallest fill

KettleModel draw_kettle(Rng& rng);
void render_kettle(const KettleModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_kettle(const KettleModel&);

}  // namespace nilm::sim
