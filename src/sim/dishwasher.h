// Dishwasher: a 1-2 h programme of fills, circulation-pump washes, two water-heating phases
// (~2 kW heater with the pump), drains and a drying phase (docs/simulator.md "Dishwasher").
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct DishwasherModel {
  double heater_w;        // water heater (runs with the circulation pump)
  double pump_w;          // circulation pump
  double drain_w;         // drain pump
  double control_w;       // electronics + inlet valve during fills and pauses
  bool drying_heater;     // heated drying (else condensation drying with a small fan)
  double drying_w;        // heater or fan power while drying
  double eco_share;       // how often the long low-temperature programme is chosen
  double quick_share;     // how often the short programme (no prewash, one heating) is chosen
};

constexpr Range kDishwasherHeaterW{1800, 2300};
constexpr Range kDishwasherPumpW{50, 150};
constexpr double kDishwasherMinS = 55 * 60, kDishwasherMaxS = 130 * 60;

DishwasherModel draw_dishwasher(Rng& rng);
void render_dishwasher(const DishwasherModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_dishwasher(const DishwasherModel&);

}  // namespace nilm::sim
