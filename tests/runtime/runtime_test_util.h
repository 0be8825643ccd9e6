// Helpers for the runtime tests: random inputs, running a graph under a tier / CPU-feature
// mask / thread count, comparing outputs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/graph.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace nilm::runtime::testing {

inline std::vector<float> random_floats(std::mt19937& rng, std::size_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

inline int random_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Runs `model` on `inputs` (one vector per graph input) and returns every output.
inline std::vector<std::vector<float>> run_model(const Model& model,
                                                 const std::vector<std::vector<float>>& inputs,
                                                 int threads = 1) {
  Interpreter interp(model, threads);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(interp.input_elements(i), inputs[i].size());
    std::copy(inputs[i].begin(), inputs[i].end(), interp.input(i));
  }
  interp.invoke();
  std::vector<std::vector<float>> out;
  for (std::size_t i = 0; i < interp.output_count(); ++i)
    out.emplace_back(interp.output(i), interp.output(i) + interp.output_elements(i));
  return out;
}

// Random values for every graph input (positive where `positive`).
inline std::vector<std::vector<float>> random_inputs(const model::Graph& g, std::mt19937& rng,
                                                     float lo = -1.f, float hi = 1.f) {
  std::vector<std::vector<float>> v;
  for (int t : g.inputs) v.push_back(random_floats(rng, std::size_t(g.tensor(t).elements()), lo, hi));
  return v;
}

// |got - want| <= atol + rtol * |want| elementwise; reports the first few mismatches.
inline ::testing::AssertionResult close(const std::vector<float>& got, const std::vector<float>& want,
                                        float rtol, float atol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
  int bad = 0;
  std::string msg;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const float err = std::fabs(got[i] - want[i]);
    if (!(err <= atol + rtol * std::fabs(want[i]))) {
      if (++bad <= 5)
        msg += " [" + std::to_string(i) + "] got " + std::to_string(got[i]) + " want " + std::to_string(want[i]);
    }
  }
  if (bad) return ::testing::AssertionFailure() << bad << " of " << got.size() << " differ:" << msg;
  return ::testing::AssertionSuccess();
}

}  // namespace nilm::runtime::testing
