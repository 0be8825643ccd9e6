// The one interface every model is evaluated through: LibTorch checkpoints (train layer),
// .tflite files (runtime layer) and the trivial baselines. A predictor sees normalised
// aggregate windows and answers scaled predictions; the evaluation does the rest (windowing,
// de-scaling, status, metrics), so every model is scored by the same code.
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <string>

namespace nilm::eval {

// What a model knows about how it was trained, when it carries that (checkpoints and converted
// models do). Empty / NaN fields mean "unknown": the store's values are used then.
struct ModelFacts {
  std::string appliance;                    // refused if it differs from the evaluated one
  float aggregate_mean = std::nanf("");     // input z-score constants the model was trained with
  float aggregate_std = std::nanf("");
  float max_power_w = std::nanf("");        // P_m: predictions are multiplied by it
};

struct Predictor {
  virtual ~Predictor() = default;
  virtual int window() const = 0;
  virtual std::string describe() const = 0;
  // inputs: count x window normalised aggregate; out: count scaled predictions (watts / P_m)
  virtual void predict(const float* inputs, std::size_t count, float* out) = 0;
  virtual ModelFacts facts() const { return {}; }
};

// A model answering the same scaled value for every window: the "always off" (0) and
// "mean of the training target" baselines. Thread-safe.
class ConstantPredictor final : public Predictor {
 public:
  ConstantPredictor(float scaled_value, int window, std::string description)
      : value_(scaled_value), window_(window), description_(std::move(description)) {}
  int window() const override { return window_; }
  std::string describe() const override { return description_; }
  void predict(const float*, std::size_t count, float* out) override {
    for (std::size_t i = 0; i < count; ++i) out[i] = value_;
  }

 private:
  float value_;
  int window_;
  std::string description_;
};

}  // namespace nilm::eval
