// Fridge or fridge-freezer: a thermostat cycling the compressor, with a start-up spike and
// (frost-free fridge-freezers) a periodic defrost heater (docs/simulator.md "Fridge").
// Each activation is one whole cycle (compressor run + the off time after it), so the fridge
// runs back to back for the whole simulation.
#pragma once

#include "sim/appliance_model.h"

namespace nilm::sim {

struct FridgeModel {
  bool freezer;             // fridge-freezer (else a fridge alone)
  bool frost_free;          // has a defrost heater
  double compressor_w;      // steady running power
  double spike_factor;      // start-up current spike, times the running power, for 1-2 s
  double settle_s;          // time constant of the run's initial overshoot
  double period_s;          // mean cycle period (run + off)
  double duty;              // mean share of the period the compressor runs
  double daytime_boost;     // extra duty in the afternoon (warm kitchen, door openings)
  double standby_w;         // electronics with the compressor off
  double defrost_every_s;   // time between defrost cycles
  double defrost_w, defrost_s;
};

constexpr Range kFridgeCompressorW{70, 150};
constexpr Range kFridgePeriodS{900, 2400};
constexpr std::uint8_t kFridgeDefrost = 1;  // Activation::variant of a defrost cycle

FridgeModel draw_fridge(Rng& rng);
// One cycle starting at time of day tod_s: the compressor run (after the defrost heater for
// variant kFridgeDefrost) followed by the off time.
void render_fridge_cycle(const FridgeModel&, std::uint8_t variant, double tod_s, Rng& rng,
                         Profile& out);
ApplianceModel make_fridge(const FridgeModel&);
// Cycles back to back over [0, span_s): defrost cycles every defrost_every_s when frost-free.
std::vector<Activation> schedule_fridge(const ApplianceModel&, const FridgeModel&,
                                        std::int64_t span_s, std::uint64_t seed);

}  // namespace nilm::sim
