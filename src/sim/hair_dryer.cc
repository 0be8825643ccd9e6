#include "sim/hair_dryer.h"

namespace nilm::sim {

HairDryerModel draw_hair_dryer(Rng& rng) { return {rng.uniform(1000, 1800), rng.uniform(0.45, 0.6)}; }

void render_hair_dryer(const HairDryerModel& m, Rng& rng, Profile& out) {
  for (double left = rng.uniform(120, 480); left > 0;) {
    const double stretch = rng.uniform(10, 60);
    const double r = rng.uniform();
    const double w = r < 0.55 ? m.high_w : r < 0.9 ? m.high_w * m.low_share : 0.0;
    const std::size_t start = out.size();
    hold(out, stretch, w);
    add_ripple(out, start, 0.02, rng);  // the fan motor's load changes with airflow
    left -= stretch;
  }
}

ApplianceModel make_hair_dryer(const HairDryerModel& m) {
  ApplianceModel a;
  a.name = "hair_dryer";
  a.resistive = true;
  a.parameters = {{"high_w", m.high_w}, {"low_share", m.low_share}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_hair_dryer(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
