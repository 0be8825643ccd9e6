// Trained checkpoints as evaluation predictors (no LibTorch in this header).
#pragma once

#include <memory>
#include <string>

#include "eval/predictor.h"
#include "eval/registry.h"

namespace nilm::train {

// A .nilmckpt file, or a training output directory (its best.nilmckpt). threads <= 0: all.
std::unique_ptr<eval::Predictor> load_checkpoint_predictor(const std::string& path, int threads);
// True when `path` starts with the checkpoint magic (or is a directory with best.nilmckpt).
bool is_checkpoint(const std::string& path);
// For eval::register_predictor_loader: accepts checkpoints, LibTorch uses its own threads.
eval::PredictorLoader checkpoint_predictor_loader();

}  // namespace nilm::train
