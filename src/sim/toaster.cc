#include "sim/toaster.h"

#include <algorithm>

namespace nilm::sim {

ToasterModel draw_toaster(Rng& rng) { return {rng.uniform(800, 1300), rng.uniform(120, 210)}; }

void render_toaster(const ToasterModel& m, Rng& rng, Profile& out) {
  const double seconds = std::clamp(rng.normal(m.usual_s, 20), 90.0, 270.0);
  ramp(out, seconds, m.rated_w, m.rated_w * 0.97);  // nichrome resistance rises as it heats
}

ApplianceModel make_toaster(const ToasterModel& m) {
  ApplianceModel a;
  a.name = "toaster";
  a.resistive = true;
  a.parameters = {{"rated_w", m.rated_w}, {"usual_s", m.usual_s}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_toaster(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
