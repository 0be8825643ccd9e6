// Renders a household second by second: each appliance's active power and the apparent power
// the mains meter sees (every load, plug-metered or not, divided by its power factor).
// Works in chunks (a day at a time for long simulations), re-rendering the one activation a
// chunk boundary cuts through, so memory stays flat however long the simulation is.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/household.h"

namespace nilm::sim {

class HouseRenderer {
 public:
  explicit HouseRenderer(const Household& house);

  // Renders seconds [begin_s, begin_s + count) (any order; sequential is cheapest).
  void render(std::int64_t begin_s, std::size_t count);

  // Active power of house.appliances[i] over the last rendered chunk.
  const std::vector<float>& appliance(std::size_t i) const { return appliance_w_[i]; }
  // The mains meter's apparent power over the last rendered chunk (before meter noise).
  const std::vector<float>& apparent() const { return apparent_w_; }
  // Resistive loads' power factor from the mains voltage, (V / V_nominal)^2, at a second.
  double voltage_factor(std::int64_t t_s) const;

 private:
  const Household& house_;
  std::vector<std::vector<float>> appliance_w_;
  std::vector<float> apparent_w_;
  // The last activation rendered per appliance (kept for the next chunk if it runs over).
  std::vector<std::size_t> cached_index_;
  std::vector<Profile> cached_profile_;
};

}  // namespace nilm::sim
