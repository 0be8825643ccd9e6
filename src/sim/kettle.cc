#include "sim/kettle.h"

#include <algorithm>

namespace nilm::sim {

KettleModel draw_kettle(Rng& rng) {
  KettleModel m;
  m.rated_w = kKettleRatedW.draw(rng);
  m.droop = rng.uniform(0.01, 0.03);
  m.efficiency = rng.uniform(0.80, 0.90);
  m.overhead_s = rng.uniform(10, 25);
  m.usual_fill_l = rng.uniform(0.5, 1.2);
  m.tap_temperature_c = rng.uniform(8, 18);
  return m;
}

void render_kettle(const KettleModel& m, Rng& rng, Profile& out) {
  // Boil time from the water's heat capacity: E = V * 4186 J/(kg K) * (100 - T_tap).
  const double litres = std::clamp(rng.normal(m.usual_fill_l, 0.25), 0.25, 1.7);
  const double joules = litres * 4186.0 * (100.0 - m.tap_temperature_c);
  const double seconds = std::clamp(m.overhead_s + joules / (m.efficiency * m.rated_w),
                                    kKettleMinS, kKettleMaxS);
  const std::size_t start = out.size();
  ramp(out, seconds, m.rated_w, m.rated_w * (1.0 - m.droop));
  add_ripple(out, start, 0.002, rng);
}

ApplianceModel make_kettle(const KettleModel& m) {
  ApplianceModel a;
  a.name = "kettle";
  a.apparent_factor = 1.0;
  a.resistive = true;
  a.parameters = {{"rated_w", m.rated_w}, {"droop", m.droop}, {"efficiency", m.efficiency},
                  {"overhead_s", m.overhead_s}, {"usual_fill_l", m.usual_fill_l},
                  {"tap_temperature_c", m.tap_temperature_c}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_kettle(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
