// Small stores written by the tests themselves (no reader involved).
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "core/error.h"
#include "data/store.h"

namespace nilm::test {

inline std::string temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("nilm_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

// Runs f, expects nilm::Error, returns its message.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nilm::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected nilm::Error";
  return "";
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A house with bursts of kettle use (2500 W for 3 samples every ~17 samples), a fridge cycling,
// and `missing` ranges [a, b) zeroed and marked missing.
inline data::HouseSeries make_house(const std::string& name, std::size_t n, std::uint32_t seed,
                                    std::vector<std::pair<std::size_t, std::size_t>> missing = {}) {
  data::HouseSeries h;
  h.name = name;
  h.source = "test";
  h.period_s = 8;
  h.start_unix = 1'400'000'000 + seed * 1000;
  h.aggregate.resize(n);
  h.missing.assign(n, 0);
  data::ApplianceSeries kettle{"kettle", std::vector<float>(n, 0.f)};
  data::ApplianceSeries fridge{"fridge", std::vector<float>(n, 0.f)};
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 17 >= 5 && i % 17 < 8) kettle.watts[i] = 2500.f + float(rng() % 100);
    fridge.watts[i] = (i / 10) % 2 ? 90.f : 2.f;
    h.aggregate[i] = 150.f + kettle.watts[i] + fridge.watts[i] + float(rng() % 50);
  }
  for (auto [a, b] : missing)
    for (std::size_t i = a; i < b && i < n; ++i) {
      h.missing[i] = 1;
      h.aggregate[i] = kettle.watts[i] = fridge.watts[i] = 0;
    }
  h.appliances = {kettle, fridge};
  return h;
}

// Two houses: "HouseA" (200 samples, gaps at [50, 55) and [150, 152)) and "HouseB" (80, none).
inline data::Store write_small_store(const std::string& dir) {
  data::StoreWriter w(dir, 8, data::builtin_appliance_table());
  w.add_house(make_house("HouseA", 200, 1, {{50, 55}, {150, 152}}));
  w.add_house(make_house("HouseB", 80, 2));
  data::Splits splits;
  splits["kettle"] = {{"HouseA"}, {}, {"HouseB"}};
  splits["fridge"] = {{"HouseB"}, {}, {"HouseA"}};
  w.commit(splits);
  return data::Store::open(dir);
}

}  // namespace nilm::test
