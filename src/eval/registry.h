// Loading a model file as a Predictor without nilm_eval linking LibTorch or the runtime: the
// layers that can load a format register a loader at program start (the CLI does it in
// src/cli/predictor_loaders.cc), and make_predictor dispatches on the file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/predictor.h"

namespace nilm::eval {

// How a loaded model wants to be driven by N evaluation threads.
enum class Parallelism {
  internal,    // one instance given all N threads, called from one worker (LibTorch: its ops
               // run on their own thread pool)
  per_worker,  // one instance per worker thread, each given 1 thread (an interpreter with its
               // own arena and scratch buffers, e.g. our .tflite runtime)
  shared,      // one thread-safe instance called from all N workers
};

struct PredictorLoader {
  std::string name;                                        // "LibTorch checkpoint", ".tflite"
  std::function<bool(const std::string& path)> accepts;    // cheap: extension / magic bytes
  std::function<std::unique_ptr<Predictor>(const std::string& path, int threads)> load;
  Parallelism parallelism = Parallelism::per_worker;
};

// Later registrations are asked first, so a more specific loader can shadow a general one.
void register_predictor_loader(PredictorLoader loader);
std::vector<std::string> registered_loader_names();

// The first registered loader that accepts the path loads it. Throws nilm::Error naming the
// path when the file does not exist or no loader accepts it (listing the loaders there are).
std::unique_ptr<Predictor> make_predictor(const std::string& path, int threads);

// Predictors for `threads` evaluation workers, following the loader's Parallelism.
struct PredictorSet {
  std::vector<std::unique_ptr<Predictor>> owned;
  std::vector<Predictor*> workers;  // one per worker thread (may repeat a shared instance)
};
PredictorSet make_predictors(const std::string& path, int threads);

// A set that drives one thread-safe predictor from `threads` workers.
PredictorSet share_predictor(std::unique_ptr<Predictor> predictor, int threads);

}  // namespace nilm::eval
