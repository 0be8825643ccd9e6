// What a training run leaves for people to look at: train_log.jsonl (one JSON object per
// epoch) and loss.png / val_mae.png curves next to the checkpoints. Torch-free.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/train.h"

namespace nilm::train {

nlohmann::json to_json(const EpochRecord&);
// Rewrites the log and the plots from the whole history (so --resume keeps them whole).
void write_training_report(const std::string& dir, const std::vector<EpochRecord>& history);

}  // namespace nilm::train
