// Washing machine: fill, an early ~2 kW water-heating phase, drum tumbling (100-500 W bursts
// with pauses), rinses and spin bursts ending in the final spin (docs/simulator.md
// "Washing machine").
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct WashingMachineModel {
  double heater_w;         // water heater
  double tumble_w;         // motor while tumbling (each burst varies around it)
  double tumble_on_s;      // drum turns for this long ...
  double tumble_off_s;     // ... then pauses (and reverses)
  double spin_w;           // motor at the final spin's top speed
  double control_w;        // electronics + inlet valve
  double hot_share;        // how often a 60 °C wash is chosen (else 30/40 °C or cold)
  double cold_share;       // how often a cold wash (no heating) is chosen
};

constexpr Range kWashingHeaterW{1800, 2400};
constexpr Range kWashingTumbleW{100, 300};
constexpr Range kWashingSpinW{250, 470};
constexpr double kWashingMinS = 45 * 60, kWashingMaxS = 150 * 60;

WashingMachineModel draw_washing_machine(Rng& rng);
void render_washing_machine(const WashingMachineModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_washing_machine(const WashingMachineModel&);

}  // namespace nilm::sim
