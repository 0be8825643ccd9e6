#include "sim/television.h"

namespace nilm::sim {

TelevisionModel draw_television(Rng& rng) { return {rng.uniform(60, 200), rng.uniform(0.05, 0.15)}; }

void render_television(const TelevisionModel& m, Rng& rng, Profile& out) {
  for (double left = rng.uniform(45, 240) * 60; left > 0;) {  // one scene at a time
    const double scene = rng.uniform(5, 40);
    hold(out, scene, m.on_w * (1.0 + m.brightness * (2.0 * rng.uniform() - 1.0)));
    left -= scene;
  }
}

ApplianceModel make_television(const TelevisionModel& m) {
  ApplianceModel a;
  a.name = "television";
  a.apparent_factor = 1.1;
  a.parameters = {{"on_w", m.on_w}, {"brightness", m.brightness}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_television(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
