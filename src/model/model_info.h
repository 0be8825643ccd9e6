// What `nilm` needs to use a model file on its own: the appliance, the window, the input and
// target scaling and the on/off rule. Stored as Graph::metadata entries (keys "nilm.*", values
// as text) so it travels inside the .tflite file (Model.metadata).
#pragma once

#include <string>

#include "model/graph.h"

namespace nilm::model {

struct ModelInfo {
  std::string appliance;          // canonical name, e.g. "kettle"
  std::string architecture;       // "cnn" | "transformer" | ...
  int window = 599;               // input samples per prediction
  double period_s = 8.0;          // sample period the model was trained at
  float aggregate_mean = 522.0f;  // input = (watts - mean) / std
  float aggregate_std = 814.0f;
  float max_power_w = 0.0f;       // P_m: prediction * P_m = watts
  float on_threshold_w = 0.0f;    // on/off rule of NILM.md section 3
  double min_on_s = 0.0;
  double min_off_s = 0.0;
  std::string quantization = "float32";  // "float32", "w8", "w8_a8", "w8_a16", "f16", ...
  std::string training;           // free text (JSON by convention): data, houses, epochs, ...
};

// Metadata keys (all prefixed "nilm.").
namespace keys {
inline constexpr const char* appliance = "nilm.appliance";
inline constexpr const char* architecture = "nilm.architecture";
inline constexpr const char* window = "nilm.window";
inline constexpr const char* period_s = "nilm.period_s";
inline constexpr const char* aggregate_mean = "nilm.aggregate_mean";
inline constexpr const char* aggregate_std = "nilm.aggregate_std";
inline constexpr const char* max_power_w = "nilm.max_power_w";
inline constexpr const char* on_threshold_w = "nilm.on_threshold_w";
inline constexpr const char* min_on_s = "nilm.min_on_s";
inline constexpr const char* min_off_s = "nilm.min_off_s";
inline constexpr const char* quantization = "nilm.quantization";
inline constexpr const char* training = "nilm.training";
inline constexpr const char* format_version = "nilm.format_version";  // "1"
}  // namespace keys

void set_model_info(Graph& graph, const ModelInfo& info);
bool has_model_info(const Graph& graph);
// Throws nilm::Error "<where>: metadata <key>: ..." for a missing or malformed entry.
ModelInfo model_info(const Graph& graph, const std::string& where);

}  // namespace nilm::model
