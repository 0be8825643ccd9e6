#include "model/model_info.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace nilm::model {

namespace {

// Shortest text that reads back as the same double (%.17g round-trips).
std::string number_text(double value) {
  char buffer[64];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

const std::string& entry(const Graph& graph, const char* key, const std::string& where) {
  auto it = graph.metadata.find(key);
  if (it == graph.metadata.end()) fail(where + ": metadata " + key + " is missing");
  return it->second;
}

double number(const Graph& graph, const char* key, const std::string& where) {
  const std::string& text = entry(graph, key, where);
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value))
    fail(where + ": metadata " + key + ": '" + text + "' is not a number");
  return value;
}

}  // namespace

void set_model_info(Graph& graph, const ModelInfo& info) {
  auto& m = graph.metadata;
  m[keys::format_version] = "1";
  m[keys::appliance] = info.appliance;
  m[keys::architecture] = info.architecture;
  m[keys::window] = std::to_string(info.window);
  m[keys::period_s] = number_text(info.period_s);
  m[keys::aggregate_mean] = number_text(info.aggregate_mean);
  m[keys::aggregate_std] = number_text(info.aggregate_std);
  m[keys::max_power_w] = number_text(info.max_power_w);
  m[keys::on_threshold_w] = number_text(info.on_threshold_w);
  m[keys::min_on_s] = number_text(info.min_on_s);
  m[keys::min_off_s] = number_text(info.min_off_s);
  m[keys::quantization] = info.quantization;
  m[keys::training] = info.training;
}

bool has_model_info(const Graph& graph) { return graph.metadata.count(keys::format_version) != 0; }

ModelInfo model_info(const Graph& graph, const std::string& where) {
  const std::string& version = entry(graph, keys::format_version, where);
  if (version != "1") fail(where + ": metadata " + keys::format_version + " is '" + version + "', this nilm reads 1");
  ModelInfo info;
  info.appliance = entry(graph, keys::appliance, where);
  if (info.appliance.empty()) fail(where + ": metadata " + keys::appliance + " is empty");
  info.architecture = entry(graph, keys::architecture, where);
  const double window = number(graph, keys::window, where);
  if (window < 1 || window > 1e7 || window != std::floor(window))
    fail(where + ": metadata " + keys::window + " must be a positive whole number");
  info.window = static_cast<int>(window);
  auto positive = [&](const char* key) {
    const double v = number(graph, key, where);
    if (v <= 0) fail(where + ": metadata " + key + " must be positive");
    return v;
  };
  auto non_negative = [&](const char* key) {
    const double v = number(graph, key, where);
    if (v < 0) fail(where + ": metadata " + key + " must not be negative");
    return v;
  };
  info.period_s = positive(keys::period_s);
  info.aggregate_mean = static_cast<float>(number(graph, keys::aggregate_mean, where));
  info.aggregate_std = static_cast<float>(positive(keys::aggregate_std));
  info.max_power_w = static_cast<float>(positive(keys::max_power_w));
  info.on_threshold_w = static_cast<float>(non_negative(keys::on_threshold_w));
  info.min_on_s = non_negative(keys::min_on_s);
  info.min_off_s = non_negative(keys::min_off_s);
  info.quantization = entry(graph, keys::quantization, where);
  info.training = entry(graph, keys::training, where);
  return info;
}

}  // namespace nilm::model
