// Mutation fuzzing of the .tflite loader: corrupted variants of a real model file (flipped
// bytes, overwritten offsets and lengths, truncations, splices, random garbage) must each be
// refused with nilm::Error or load into a graph that passes validate(), writes and reloads
// identically and evaluates without touching memory out of bounds. Run under ASan/UBSan by the
// model_loader_fuzz_sanitized test (tests/model/fuzz/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nilm::model::testing {

struct FuzzStats {
  int variants = 0;
  int rejected = 0;      // nilm::Error
  int loaded = 0;        // accepted and consistent
  int evaluated = 0;     // accepted and small enough to evaluate with the reference
  std::vector<std::string> sample_errors;  // a few messages, for the log
};

// Throws std::runtime_error (not nilm::Error) on any inconsistency: an exception of another type
// escaping the loader, or an accepted graph that does not survive write -> load unchanged.
FuzzStats fuzz_loader(const std::vector<std::uint8_t>& model, int iterations, std::uint64_t seed);

// A small real model (reduced CNN and transformer with metadata) to mutate.
std::vector<std::uint8_t> fuzz_seed_model(int which);

}  // namespace nilm::model::testing
