// Each appliance's signature stays inside the ranges docs/simulator.md documents (the numbers
// here are the documented ones, written out, not read from the simulator's constants).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "sim/dishwasher.h"
#include "sim/fridge.h"
#include "sim/kettle.h"
#include "sim/microwave.h"
#include "sim/washing_machine.h"

using namespace nilm::sim;

namespace {

// Runs of consecutive samples >= threshold: (start, length).
std::vector<std::pair<std::size_t, std::size_t>> runs_above(const Profile& p, float threshold) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t i = 0; i < p.size();) {
    if (p[i] < threshold) { ++i; continue; }
    std::size_t j = i;
    while (j < p.size() && p[j] >= threshold) ++j;
    runs.emplace_back(i, j - i);
    i = j;
  }
  return runs;
}

constexpr int kHouses = 60;      // models drawn
constexpr int kActivations = 20;  // activations rendered per model

}  // namespace

TEST(SimKettle, PowerAndDurationWithinDocumentedRanges) {
  for (int h = 0; h < kHouses; ++h) {
    Rng rng(derive_seed(1, {static_cast<std::uint64_t>(h)}));
    const KettleModel m = draw_kettle(rng);
    for (int k = 0; k < kActivations; ++k) {
      Profile p;
      render_kettle(m, rng, p);
      ASSERT_GE(p.size(), 60u);   // 1-5 min
      ASSERT_LE(p.size(), 300u);
      for (float w : p) {
        ASSERT_GE(w, 2150.0f);  // 2.15-3 kW (docs/simulator.md)
        ASSERT_LE(w, 3000.0f);
      }
    }
  }
}

TEST(SimMicrowave, FullPowerRangeAndDutyCyclingAtLowSettings) {
  int duty_cycled = 0;
  for (int h = 0; h < kHouses; ++h) {
    Rng rng(derive_seed(2, {static_cast<std::uint64_t>(h)}));
    const MicrowaveModel m = draw_microwave(rng);
    for (int k = 0; k < kActivations; ++k) {
      Profile p;
      render_microwave(m, rng, p);
      ASSERT_GE(p.size(), 30u);   // 0.5-10 min
      ASSERT_LE(p.size(), 600u);
      const float peak = *std::max_element(p.begin(), p.end());
      ASSERT_GE(peak, 800.0f);    // 0.8-1.5 kW
      ASSERT_LE(peak, 1500.0f);
      for (float w : p) ASSERT_TRUE(w < 200.0f || w >= 800.0f) << w;  // fan or magnetron
      const auto runs = runs_above(p, 200.0f);
      if (runs.size() > 1) {
        ++duty_cycled;
        for (std::size_t r = 1; r < runs.size(); ++r) {  // the magnetron's period is 20-32 s
          const std::size_t period = runs[r].first - runs[r - 1].first;
          ASSERT_GE(period, 19u);
          ASSERT_LE(period, 33u);
        }
      }
    }
  }
  EXPECT_GT(duty_cycled, kHouses * kActivations / 20);  // low settings do occur
}

TEST(SimFridge, CompressorCyclesSpikeAndDefrost) {
  int defrosts = 0;
  for (int h = 0; h < kHouses; ++h) {
    Rng rng(derive_seed(3, {static_cast<std::uint64_t>(h)}));
    const FridgeModel m = draw_fridge(rng);
    for (int k = 0; k < kActivations; ++k) {
      const std::uint8_t variant = (m.frost_free && k == 0) ? kFridgeDefrost : 0;
      Profile p;
      render_fridge_cycle(m, variant, k * 4000.0, rng, p);
      if (variant == 0) {  // one cycle = run + off: a 15-40 min period (+-25 % per cycle)
        ASSERT_GE(p.size(), static_cast<std::size_t>(0.75 * 900));
        ASSERT_LE(p.size(), static_cast<std::size_t>(1.25 * 2400));
      }
      const auto runs = runs_above(p, 50.0f);
      ASSERT_FALSE(runs.empty());
      const auto& run = runs.back();  // the compressor run (after any defrost)
      const float spike = p[run.first];
      ASSERT_GE(spike, 2.4f * 70);    // start-up spike
      ASSERT_LE(spike, 600.0f);
      // After settling, the compressor runs at 70-150 W.
      const std::size_t settled = run.first + 300;
      for (std::size_t i = settled; i < run.first + run.second; ++i) {
        ASSERT_GE(p[i], 70.0f * 0.98f);
        ASSERT_LE(p[i], 150.0f * 1.05f);
      }
      if (variant == kFridgeDefrost) {
        ++defrosts;
        ASSERT_GE(runs.size(), 2u);
        const auto& heater = runs.front();  // 150-350 W for 15-30 min
        ASSERT_GE(heater.second, static_cast<std::size_t>(0.9 * 900) - 1);
        ASSERT_LE(heater.second, static_cast<std::size_t>(1.1 * 1800) + 1);
        ASSERT_GE(p[heater.first + 10], 150.0f * 0.98f);
        ASSERT_LE(p[heater.first + 10], 350.0f * 1.02f);
      }
    }
  }
  EXPECT_GT(defrosts, 5);
}

TEST(SimDishwasher, ProgrammeLengthHeatingPhasesAndPump) {
  for (int h = 0; h < kHouses; ++h) {
    Rng rng(derive_seed(4, {static_cast<std::uint64_t>(h)}));
    const DishwasherModel m = draw_dishwasher(rng);
    for (int k = 0; k < 5; ++k) {
      Profile p;
      render_dishwasher(m, rng, p);
      ASSERT_GE(p.size(), 55u * 60);   // a 1-2 h programme
      ASSERT_LE(p.size(), 130u * 60);
      // Two water-heating phases of ~2 kW (heater + pump), each at least 5 minutes.
      std::size_t heating = 0;
      for (const auto& [start, len] : runs_above(p, 1500.0f)) {
        if (len < 300) continue;
        ++heating;
        ASSERT_GE(p[start + 60], 1800.0f * 0.99f);
        ASSERT_LE(p[start + 60], (2300.0f + 150.0f) * 1.01f);
      }
      ASSERT_EQ(heating, 2u);
      // Pump phases: 50-150 W (+-5 % ripple) for minutes at a time.
      const auto pump = std::count_if(p.begin(), p.end(), [](float w) { return w >= 47 && w <= 158; });
      ASSERT_GT(pump, 8 * 60);
    }
  }
}

TEST(SimWashingMachine, EarlyHeatingTumblingAndSpin) {
  int heated = 0;
  for (int h = 0; h < kHouses; ++h) {
    Rng rng(derive_seed(5, {static_cast<std::uint64_t>(h)}));
    const WashingMachineModel m = draw_washing_machine(rng);
    for (int k = 0; k < 5; ++k) {
      Profile p;
      render_washing_machine(m, rng, p);
      ASSERT_GE(p.size(), 45u * 60);
      ASSERT_LE(p.size(), 150u * 60);
      const auto hot = runs_above(p, 1500.0f);
      if (!hot.empty()) {  // heating ~2 kW, in the first half of the programme
        ++heated;
        ASSERT_LT(hot.back().first + hot.back().second, p.size() / 2);
        ASSERT_GE(*std::max_element(p.begin(), p.end()), 1800.0f);
      }
      // After heating, the motor never exceeds 500 W (tumbling and spin bursts).
      const std::size_t after = hot.empty() ? 0 : hot.back().first + hot.back().second;
      for (std::size_t i = after; i < p.size(); ++i) ASSERT_LE(p[i], 500.0f);
      // Tumbling pauses: the motor stops and restarts many times (drops below 50 W).
      std::size_t restarts = 0;
      for (std::size_t i = after + 1; i < p.size(); ++i) restarts += p[i - 1] < 50 && p[i] >= 60;
      ASSERT_GT(restarts, 30u);
      // The final spin: the last minutes hold 250-500 W.
      const std::size_t spin_end = p.size() - 95;  // after the anti-crease tail (<= 90 s)
      ASSERT_GE(p[spin_end - 60], 250.0f * 0.94f);
    }
  }
  EXPECT_GT(heated, kHouses * 5 / 2);  // most programmes heat
}
