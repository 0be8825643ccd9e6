// Microwave oven: magnetron duty-cycled at low power settings over a fan/turntable/lamp base
// (docs/simulator.md "Microwave").
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct MicrowaveModel {
  double magnetron_w;   // input power with the magnetron on (fan and lamp included)
  double idle_w;        // fan + turntable + lamp while the magnetron is off
  double cycle_s;       // duty-cycle period at reduced power settings
  double ripple;        // magnetron supply fluctuation, fraction
  double full_power_share;  // how often this household cooks at full power
};

constexpr Range kMicrowaveMagnetronW{850, 1430};
constexpr double kMicrowaveMinS = 30, kMicrowaveMaxS = 600;

MicrowaveModel draw_microwave(Rng& rng);
void render_microwave(const MicrowaveModel&, Rng& activation_rng, Profile& out);
ApplianceModel make_microwave(const MicrowaveModel&);

}  // namespace nilm::sim
