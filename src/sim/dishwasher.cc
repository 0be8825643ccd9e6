#include "sim/dishwasher.h"

#include <algorithm>

namespace nilm::sim {

DishwasherModel draw_dishwasher(Rng& rng) {
  DishwasherModel m;
  m.heater_w = kDishwasherHeaterW.draw(rng);
  m.pump_w = kDishwasherPumpW.draw(rng);
  m.drain_w = rng.uniform(30, 60);
  m.control_w = rng.uniform(3, 8);
  m.drying_heater = rng.chance(0.4);
  m.drying_w = m.drying_heater ? rng.uniform(500, 900) : rng.uniform(15, 35);
  m.eco_share = rng.uniform(0.1, 0.5);
  m.quick_share = rng.uniform(0.05, 0.25);
  return m;
}

void render_dishwasher(const DishwasherModel& m, Rng& rng, Profile& out) {
  const double u = rng.uniform();
  const bool quick = u < m.quick_share;
  const bool eco = !quick && u < m.quick_share + m.eco_share;
  // Eco heats less but washes longer; durations in minutes, jittered per run.
  const double heat_main = quick ? rng.uniform(10, 14) : eco ? rng.uniform(9, 13) : rng.uniform(14, 20);
  const double wash_main = quick ? rng.uniform(18, 25) : eco ? rng.uniform(30, 40) : rng.uniform(18, 28);
  const double heat_rinse = quick ? rng.uniform(5, 8) : eco ? rng.uniform(6, 9) : rng.uniform(10, 15);
  const double dry = quick ? rng.uniform(10, 15) : rng.uniform(15, 30);
  auto fill = [&] { hold(out, rng.uniform(60, 120), m.control_w); };
  auto drain = [&] { hold(out, rng.uniform(50, 90), m.drain_w); };
  auto pump = [&](double minutes) {
    const std::size_t start = out.size();
    hold(out, minutes * 60, m.pump_w);
    add_ripple(out, start, 0.05, rng);
  };
  auto heat = [&](double minutes) {
    const std::size_t start = out.size();
    hold(out, minutes * 60, m.heater_w + m.pump_w);
    add_ripple(out, start, 0.005, rng);
  };
  hold(out, 5, m.control_w);
  if (!quick) {  // prewash
    fill();
    pump(rng.uniform(5, 8));
    drain();
  }
  fill();  // main wash: heat with the pump circulating, then wash
  heat(heat_main);
  pump(wash_main);
  drain();
  fill();  // cold rinse
  pump(rng.uniform(4, 8));
  drain();
  fill();  // hot rinse
  heat(heat_rinse);
  pump(rng.uniform(3, 6));
  drain();
  if (m.drying_heater) {  // heated drying: the element pulses
    for (double left = dry * 60; left > 0; left -= 240) {
      hold(out, std::min(left, 150.0), m.drying_w);
      hold(out, std::min(std::max(left - 150.0, 0.0), 90.0), m.control_w);
    }
  } else {
    hold(out, dry * 60, m.drying_w);
  }
}

ApplianceModel make_dishwasher(const DishwasherModel& m) {
  ApplianceModel a;
  a.name = "dishwasher";
  a.apparent_factor = 1.05;
  a.resistive = true;  // the heater dominates its energy
  a.parameters = {{"heater_w", m.heater_w}, {"pump_w", m.pump_w}, {"drain_w", m.drain_w},
                  {"control_w", m.control_w}, {"drying_heater", m.drying_heater},
                  {"drying_w", m.drying_w}, {"eco_share", m.eco_share},
                  {"quick_share", m.quick_share}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_dishwasher(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
