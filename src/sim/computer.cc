#include "sim/computer.h"

namespace nilm::sim {

ComputerModel draw_computer(Rng& rng) {
  ComputerModel m;
  m.desktop = rng.chance(0.6);
  m.idle_w = m.desktop ? rng.uniform(50, 120) : rng.uniform(15, 35);
  m.busy_w = m.idle_w + (m.desktop ? rng.uniform(60, 130) : rng.uniform(15, 30));
  return m;
}

void render_computer(const ComputerModel& m, Rng& rng, Profile& out) {
  const std::size_t start = out.size();
  for (double left = rng.uniform(30, 240) * 60; left > 0;) {
    const bool busy = rng.chance(0.2);
    const double stretch = busy ? rng.uniform(5, 60) : rng.uniform(20, 300);
    hold(out, stretch, busy ? m.busy_w : m.idle_w);
    left -= stretch;
  }
  add_ripple(out, start, 0.03, rng);
}

ApplianceModel make_computer(const ComputerModel& m) {
  ApplianceModel a;
  a.name = "computer";
  a.apparent_factor = 1.05;  // active power-factor correction
  a.parameters = {{"desktop", m.desktop}, {"idle_w", m.idle_w}, {"busy_w", m.busy_w}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_computer(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
