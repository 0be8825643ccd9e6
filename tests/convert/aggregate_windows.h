// Aggregate-like input windows for conversion tests: a household at 8 s (slowly varying base
// load, fridge cycles, kettle/heater-sized bursts, meter noise), a window every 37 samples,
// normalised as the trainer does: (watts - 522) / 814.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace nilm::convert::testing {

inline std::vector<float> aggregate_windows(int count, int window, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> noise(0.0f, 8.0f);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int stride = 37;
  const std::size_t n = std::size_t(count) * stride + std::size_t(window);
  std::vector<float> watts(n);
  int burst_left = 0;
  float burst = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const float base = 180.0f + 60.0f * std::sin(float(t) / 900.0f);
    const float fridge = (t / 150) % 3 == 0 ? 95.0f : 0.0f;
    if (burst_left == 0 && u(gen) < 0.01f) {
      burst_left = 3 + int(u(gen) * 40);
      burst = u(gen) < 0.5f ? 2600.0f + 300.0f * u(gen) : 900.0f + 1500.0f * u(gen);
    }
    float b = 0;
    if (burst_left > 0) {
      --burst_left;
      b = burst;
    }
    watts[t] = std::max(0.0f, base + fridge + b + noise(gen));
  }
  std::vector<float> windows(std::size_t(count) * std::size_t(window));
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < window; ++k)
      windows[std::size_t(i) * std::size_t(window) + std::size_t(k)] =
          (watts[std::size_t(i) * stride + std::size_t(k)] - 522.0f) / 814.0f;
  return windows;
}

}  // namespace nilm::convert::testing
