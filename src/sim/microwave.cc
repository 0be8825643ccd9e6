#include "sim/microwave.h"

#include <algorithm>
#include <cmath>

namespace nilm::sim {

MicrowaveModel draw_microwave(Rng& rng) {
  MicrowaveModel m;
  m.magnetron_w = kMicrowaveMagnetronW.draw(rng);
  m.idle_w = rng.uniform(40, 110);
  m.cycle_s = rng.uniform(20, 32);
  m.ripple = rng.uniform(0.02, 0.04);
  m.full_power_share = rng.uniform(0.75, 0.9);
  return m;
}

void render_microwave(const MicrowaveModel& m, Rng& rng, Profile& out) {
  // Reheating at full power is short; defrosting or simmering at a low setting runs longer.
  static constexpr double kLowSettings[] = {0.3, 0.5, 0.7};
  const bool full = rng.chance(m.full_power_share);
  const double on_fraction = full ? 1.0 : kLowSettings[rng.integer(0, 2)];
  const double seconds = full ? rng.log_uniform(kMicrowaveMinS, 360) : rng.uniform(180, kMicrowaveMaxS);
  const auto n = static_cast<std::size_t>(seconds);
  const std::size_t start = out.size();
  const double on_s = on_fraction * m.cycle_s;
  const double wobble_phase = rng.uniform(0, 6.283);
  for (std::size_t i = 0; i < n; ++i) {
    const double in_cycle = std::fmod(static_cast<double>(i), m.cycle_s);
    // The first second is fan only; the magnetron fires from the second one on.
    const bool magnetron = i > 0 && in_cycle < on_s;
    double w = m.idle_w;
    if (magnetron)  // slow wobble (load heating up) on top of the per-second ripple below
      w = m.magnetron_w * (1.0 + 0.5 * m.ripple * std::sin(wobble_phase + 0.21 * static_cast<double>(i)));
    out.push_back(static_cast<float>(w));
  }
  add_ripple(out, start, m.ripple * 0.5, rng);
}

ApplianceModel make_microwave(const MicrowaveModel& m) {
  ApplianceModel a;
  a.name = "microwave";
  a.apparent_factor = 1.05;  // power factor about 0.95 (switch-mode magnetron supply)
  a.parameters = {{"magnetron_w", m.magnetron_w}, {"idle_w", m.idle_w}, {"cycle_s", m.cycle_s},
                  {"ripple", m.ripple}, {"full_power_share", m.full_power_share}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_microwave(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
