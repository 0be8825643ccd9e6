// What every simulated appliance looks like to the household: a drawn model (the plain struct
// of each appliance file, kept here type-erased) that renders one activation into a 1 s power
// profile. The household schedules activations; the renderer adds the profiles up.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/random.h"

namespace nilm::sim {

using Profile = std::vector<float>;  // one activation's active power in watts, one value a second

struct Activation {
  std::int64_t start_s = 0;   // seconds since the simulation's start (local midnight of day 0)
  std::int32_t length_s = 0;  // profile length; 0 until the schedule is settled (the appliance
                              // decides), or fixed by the schedule (lighting sessions, base load)
  std::uint8_t variant = 0;   // appliance-specific kind of activation (fridge: 1 = defrost)
  std::uint64_t seed = 0;     // the activation's own random stream: settings, durations, ripple

  std::int64_t end_s() const { return start_s + length_s; }
};

// One drawn appliance. render must be pure: the same activation always gives the same profile,
// so a profile can be rendered again when a chunk boundary cuts through it.
struct ApplianceModel {
  std::string name;              // canonical name: "kettle", "oven", "lighting", ...
  double apparent_factor = 1.0;  // the mains meter reads apparent power = active / power factor
  bool resistive = false;        // power follows the square of the mains voltage
  nlohmann::json parameters;     // what was drawn, for simulation.json
  std::function<void(const Activation&, Profile&)> render;
};

// Profile building blocks, all appending whole seconds.
inline void hold(Profile& p, double seconds, double watts) {
  const auto n = static_cast<std::size_t>(seconds < 0 ? 0 : seconds + 0.5);
  p.insert(p.end(), n, static_cast<float>(watts));
}

inline void ramp(Profile& p, double seconds, double from_w, double to_w) {
  const auto n = static_cast<std::size_t>(seconds < 0 ? 0 : seconds + 0.5);
  for (std::size_t i = 0; i < n; ++i)
    p.push_back(static_cast<float>(from_w + (to_w - from_w) * (i + 0.5) / n));
}

// Multiplies p[from..] by (1 + u), u uniform in [-fraction, fraction]: supply ripple, load noise.
inline void add_ripple(Profile& p, std::size_t from, double fraction, Rng& rng) {
  for (std::size_t i = from; i < p.size(); ++i)
    p[i] *= static_cast<float>(1.0 + fraction * (2.0 * rng.uniform() - 1.0));
}

}  // namespace nilm::sim
