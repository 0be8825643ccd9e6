#include "sim/oven.h"

namespace nilm::sim {

OvenModel draw_oven(Rng& rng) {
  OvenModel m;
  m.element_w = rng.uniform(2000, 3000);
  m.fan_w = rng.uniform(20, 45);
  m.preheat_s = rng.uniform(480, 900);
  m.cycle_on_s = rng.uniform(20, 50);
  m.cycle_off_s = rng.uniform(40, 120);
  return m;
}

void render_oven(const OvenModel& m, Rng& rng, Profile& out) {
  hold(out, m.preheat_s * rng.uniform(0.9, 1.1), m.element_w + m.fan_w);
  for (double left = rng.uniform(20, 70) * 60; left > 0;) {
    const double on = m.cycle_on_s * rng.uniform(0.8, 1.2);
    const double off = m.cycle_off_s * rng.uniform(0.8, 1.2);
    hold(out, on, m.element_w + m.fan_w);
    hold(out, off, m.fan_w);
    left -= on + off;
  }
  hold(out, rng.uniform(120, 600), m.fan_w);  // cooling fan after switching off
}

ApplianceModel make_oven(const OvenModel& m) {
  ApplianceModel a;
  a.name = "oven";
  a.resistive = true;
  a.parameters = {{"element_w", m.element_w}, {"fan_w", m.fan_w}, {"preheat_s", m.preheat_s},
                  {"cycle_on_s", m.cycle_on_s}, {"cycle_off_s", m.cycle_off_s}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_oven(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
