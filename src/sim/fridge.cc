#include "sim/fridge.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nilm::sim {

FridgeModel draw_fridge(Rng& rng) {
  FridgeModel m;
  m.freezer = rng.chance(0.6);
  m.frost_free = m.freezer && rng.chance(0.7);
  m.compressor_w = kFridgeCompressorW.draw(rng);
  m.spike_factor = rng.uniform(2.5, 4.0);
  m.settle_s = rng.uniform(30, 90);
  m.period_s = kFridgePeriodS.draw(rng);
  m.duty = rng.uniform(0.3, 0.5);
  m.daytime_boost = rng.uniform(0.03, 0.10);
  m.standby_w = rng.chance(0.5) ? rng.uniform(0.5, 3.0) : 0.0;
  m.defrost_every_s = rng.uniform(8, 24) * 3600;
  m.defrost_w = rng.uniform(150, 350);
  m.defrost_s = rng.uniform(900, 1800);
  return m;
}

static void compressor_run(const FridgeModel& m, double seconds, Rng& rng, Profile& out) {
  const auto n = static_cast<std::size_t>(seconds);
  const int spike_s = rng.integer(1, 2);
  const std::size_t start = out.size();
  for (std::size_t i = 0; i < n; ++i) {
    double w = m.compressor_w * (1.0 + 0.2 * std::exp(-static_cast<double>(i) / m.settle_s));
    if (static_cast<int>(i) < spike_s) w = m.compressor_w * m.spike_factor;
    out.push_back(static_cast<float>(w));
  }
  add_ripple(out, start + static_cast<std::size_t>(spike_s), 0.01, rng);
}

void render_fridge_cycle(const FridgeModel& m, std::uint8_t variant, double tod_s, Rng& rng,
                         Profile& out) {
  // Warmer afternoons and door openings lengthen the runs; nights shorten them.
  const double day_phase = 2.0 * std::numbers::pi * (tod_s / 86400.0 - 15.0 / 24.0);
  const double duty = std::clamp(m.duty + m.daytime_boost * std::cos(day_phase), 0.15, 0.8);
  const double period = m.period_s * std::clamp(rng.normal(1.0, 0.08), 0.75, 1.25);
  double run_s = duty * period;
  double off_s = period - run_s;
  if (variant == kFridgeDefrost) {
    const std::size_t start = out.size();
    hold(out, m.defrost_s * rng.uniform(0.9, 1.1), m.defrost_w);
    add_ripple(out, start, 0.01, rng);
    hold(out, rng.uniform(300, 600), m.standby_w);  // drip time
    run_s *= rng.uniform(1.5, 2.0);                 // recovery: the freezer warmed up
  }
  compressor_run(m, run_s, rng, out);
  hold(out, off_s, m.standby_w);
}

ApplianceModel make_fridge(const FridgeModel& m) {
  ApplianceModel a;
  a.name = "fridge";
  a.apparent_factor = 1.25;  // induction motor: power factor about 0.8
  a.parameters = {{"freezer", m.freezer}, {"frost_free", m.frost_free},
                  {"compressor_w", m.compressor_w}, {"spike_factor", m.spike_factor},
                  {"settle_s", m.settle_s}, {"period_s", m.period_s}, {"duty", m.duty},
                  {"daytime_boost", m.daytime_boost}, {"standby_w", m.standby_w},
                  {"defrost_every_s", m.defrost_every_s}, {"defrost_w", m.defrost_w},
                  {"defrost_s", m.defrost_s}};
  a.render = [m](const Activation& act, Profile& out) {
    Rng rng(act.seed);
    render_fridge_cycle(m, act.variant, static_cast<double>(act.start_s % 86400), rng, out);
  };
  return a;
}

std::vector<Activation> schedule_fridge(const ApplianceModel& model, const FridgeModel& m,
                                        std::int64_t span_s, std::uint64_t seed) {
  std::vector<Activation> cycles;
  Rng rng(seed);
  std::int64_t t = -static_cast<std::int64_t>(rng.uniform(0, m.period_s));  // mid-cycle at 0
  double next_defrost = rng.uniform(0, m.defrost_every_s);
  Profile scratch;
  for (std::uint64_t k = 0; t < span_s; ++k) {
    Activation a;
    a.start_s = t;
    a.seed = derive_seed(seed, {k});
    if (m.frost_free && static_cast<double>(t) >= next_defrost) {
      a.variant = kFridgeDefrost;
      next_defrost += m.defrost_every_s * rng.uniform(0.9, 1.1);
    }
    scratch.clear();
    model.render(a, scratch);
    a.length_s = static_cast<std::int32_t>(scratch.size());
    t += a.length_s;
    cycles.push_back(a);
  }
  return cycles;
}

}  // namespace nilm::sim
