// Checkpoint -> graph IR -> .tflite (`nilm convert --mode convert_only`). No LibTorch: the
// checkpoint's JSON header says what the model is (spec + ordered layer table, see
// train/checkpoint.h) and its float32 blobs are the weights. Every layer kind the trainer
// lists becomes TFLite builtin ops (docs/model_format.md, "Conversion"): static shapes,
// float32 input [batch, window, 1] (normalised aggregate) and output [batch, 1] (watts / P_m),
// the model's facts as nilm.* metadata.
#pragma once

#include <string>

#include "model/graph.h"
#include "model/model_info.h"
#include "train/checkpoint_file.h"

namespace nilm::convert {

struct ConvertOptions {
  int batch = 1;  // windows per invocation (static)
};

// Lowers a checkpoint already read. `where` (the file name) prefixes every error, which names
// the layer or tensor at fault (unknown layer kind, missing tensor, wrong shape, ...).
model::Graph checkpoint_to_graph(const train::CheckpointFile& file, const std::string& where,
                                 const ConvertOptions& options = {});

// The ModelInfo a checkpoint's meta gives (appliance, window, scaling, on/off rule, training).
model::ModelInfo model_info_from_checkpoint(const train::CheckpointFile& file, const std::string& where);

// Reads `checkpoint_path`, converts, writes `tflite_path`. Returns the graph written.
model::Graph convert_checkpoint(const std::string& checkpoint_path, const std::string& tflite_path,
                                const ConvertOptions& options = {});

}  // namespace nilm::convert
