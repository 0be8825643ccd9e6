#include "sim/washing_machine.h"

#include <algorithm>

namespace nilm::sim {

WashingMachineModel draw_washing_machine(Rng& rng) {
  WashingMachineModel m;
  m.heater_w = kWashingHeaterW.draw(rng);
  m.tumble_w = kWashingTumbleW.draw(rng);
  m.tumble_on_s = rng.uniform(8, 15);
  m.tumble_off_s = rng.uniform(3, 8);
  m.spin_w = kWashingSpinW.draw(rng);
  m.control_w = rng.uniform(4, 10);
  m.hot_share = rng.uniform(0.1, 0.3);
  m.cold_share = rng.uniform(0.05, 0.2);
  return m;
}

// Drum bursts for `seconds`: each turn draws its own load (laundry distribution), capped at
// 480 W so that with its ripple tumbling stays in the documented 100-500 W band.
static void tumble(const WashingMachineModel& m, double seconds, double heater_w, Rng& rng,
                   Profile& out) {
  for (double left = seconds; left > 0;) {
    const double on = std::min(left, m.tumble_on_s * rng.uniform(0.8, 1.2));
    const double load = std::min(m.tumble_w * rng.uniform(0.7, 1.5), 480.0);
    const std::size_t start = out.size();
    hold(out, on, heater_w + load);
    add_ripple(out, start, 0.04, rng);
    left -= on;
    const double pause = std::min(left, m.tumble_off_s * rng.uniform(0.8, 1.2));
    hold(out, pause, heater_w + m.control_w);
    left -= pause;
  }
}

static void spin(const WashingMachineModel& m, double seconds, double top_fraction, Rng& rng,
                 Profile& out) {
  const double top = m.spin_w * top_fraction;
  ramp(out, 60, m.tumble_w, top);  // the drum speeds up
  const std::size_t start = out.size();
  hold(out, std::max(seconds - 60, 0.0), top);
  add_ripple(out, start, 0.06, rng);
}

void render_washing_machine(const WashingMachineModel& m, Rng& rng, Profile& out) {
  const double u = rng.uniform();
  // Heating minutes by programme: cold, 30/40 °C, 60 °C.
  const double heat_min = u < m.cold_share                  ? 0.0
                          : u < m.cold_share + m.hot_share ? rng.uniform(18, 28)
                                                           : rng.uniform(6, 16);
  hold(out, rng.uniform(90, 180), m.control_w);        // fill
  tumble(m, rng.uniform(60, 120), 0, rng, out);        // wet the load
  if (heat_min > 0) tumble(m, heat_min * 60, m.heater_w, rng, out);  // heat early, drum turning
  tumble(m, rng.uniform(20, 40) * 60, 0, rng, out);     // main wash
  hold(out, rng.uniform(40, 70), m.control_w);          // drain
  spin(m, rng.uniform(90, 150), 0.6, rng, out);         // intermediate spin
  for (int rinse = 0; rinse < 2; ++rinse) {
    hold(out, rng.uniform(60, 120), m.control_w);       // fill
    tumble(m, rng.uniform(6, 10) * 60, 0, rng, out);
    hold(out, rng.uniform(40, 70), m.control_w);        // drain
    if (rinse == 0) spin(m, rng.uniform(60, 120), 0.6, rng, out);
  }
  spin(m, rng.uniform(300, 600), 1.0, rng, out);        // final spin
  hold(out, rng.uniform(30, 90), m.control_w);          // anti-crease turns / door lock
}

ApplianceModel make_washing_machine(const WashingMachineModel& m) {
  ApplianceModel a;
  a.name = "washing_machine";
  a.apparent_factor = 1.1;  // motor-dominated when not heating
  a.parameters = {{"heater_w", m.heater_w}, {"tumble_w", m.tumble_w},
                  {"tumble_on_s", m.tumble_on_s}, {"tumble_off_s", m.tumble_off_s},
                  {"spin_w", m.spin_w}, {"control_w", m.control_w},
                  {"hot_share", m.hot_share}, {"cold_share", m.cold_share}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_washing_machine(m, rng, out);
  };
  return a;
}

}  // namespace nilm::sim
