// Moving a LibTorch model in and out of the checkpoint file (train-private, LibTorch).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "train/checkpoint_file.h"
#include "train/models.h"

namespace nilm::train {

// Weights (every parameter, in registration order, on the CPU) + meta + the ordered layer table
// {name, kind, parameters} that a converter walks.
CheckpointFile make_checkpoint(Seq2PointNet& model, const CheckpointMeta& meta);
// Copies the file's tensors into the model; every parameter must be present with its shape.
void load_weights(Seq2PointNet& model, const CheckpointFile& file, const std::string& path);

struct LoadedModel {
  std::shared_ptr<Seq2PointNet> net;
  CheckpointMeta meta;
};
LoadedModel load_model(const std::string& path);  // builds the model the file describes

}  // namespace nilm::train
