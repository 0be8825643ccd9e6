#include "train/model_spec.h"

#include "core/error.h"

namespace nilm::train {

using nlohmann::json;

int ModelSpec::pooled_length() const { return window / 2; }

int ModelSpec::flatten_length() const {
  int n = window;
  for (std::size_t i = 0; i + 1 < conv_filters.size(); ++i) n = (n + 1) / 2;  // "same" pool
  return n;
}

ModelSpec default_spec(const std::string& arch, int window) {
  if (arch != "cnn" && arch != "transformer")
    fail("unknown model architecture '" + arch + "' (expected cnn or transformer)");
  ModelSpec s;
  s.arch = arch;
  s.window = window;
  return s;
}

namespace {

// Reads a required field with a message naming it; nlohmann's own messages name no field.
template <typename T>
T field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) fail(where + ": missing field '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception& e) {
    fail(where + ": field '" + key + "': " + e.what());
  }
}

template <typename T>
T field_or(const json& j, const char* key, T fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return field<T>(j, key, where);
}

}  // namespace

json to_json(const ModelSpec& s) {
  json j = {{"arch", s.arch}, {"window", s.window}};
  if (s.arch == "cnn") {
    j["conv_filters"] = s.conv_filters;
    j["conv_kernels"] = s.conv_kernels;
    j["dense"] = s.dense;
  } else {
    j["d_model"] = s.d_model;
    j["heads"] = s.heads;
    j["head_dim"] = s.head_dim;
    j["ff_dim"] = s.ff_dim;
    j["blocks"] = s.blocks;
    j["embed_kernel"] = s.embed_kernel;
    j["head_hidden"] = s.head_hidden;
    j["dropout"] = s.dropout;
  }
  return j;
}

ModelSpec model_spec_from_json(const json& j, const std::string& where) {
  const std::string w = where + ": model";
  ModelSpec s = default_spec(field<std::string>(j, "arch", w), field<int>(j, "window", w));
  if (s.window < 4) fail(w + ": window " + std::to_string(s.window) + " is too short");
  if (s.arch == "cnn") {
    s.conv_filters = field<std::vector<int>>(j, "conv_filters", w);
    s.conv_kernels = field<std::vector<int>>(j, "conv_kernels", w);
    s.dense = field<std::vector<int>>(j, "dense", w);
    if (s.conv_filters.empty() || s.conv_filters.size() != s.conv_kernels.size())
      fail(w + ": conv_filters and conv_kernels must be non-empty and of equal length");
  } else {
    s.d_model = field<int>(j, "d_model", w);
    s.heads = field<int>(j, "heads", w);
    s.head_dim = field<int>(j, "head_dim", w);
    s.ff_dim = field<int>(j, "ff_dim", w);
    s.blocks = field<int>(j, "blocks", w);
    s.embed_kernel = field<int>(j, "embed_kernel", w);
    s.head_hidden = field<int>(j, "head_hidden", w);
    s.dropout = field_or<double>(j, "dropout", 0.1, w);
  }
  return s;
}

json to_json(const ApplianceInfo& a) {
  return {{"name", a.name},         {"on_threshold_w", a.on_threshold_w},
          {"max_power_w", a.max_power_w}, {"min_on_s", a.min_on_s},
          {"min_off_s", a.min_off_s}, {"loss_weight", a.loss_weight}};
}

ApplianceInfo appliance_from_json(const json& j, const std::string& where) {
  const std::string w = where + ": appliance";
  ApplianceInfo a;
  a.name = field<std::string>(j, "name", w);
  a.on_threshold_w = field<float>(j, "on_threshold_w", w);
  a.max_power_w = field<float>(j, "max_power_w", w);
  a.min_on_s = field<double>(j, "min_on_s", w);
  a.min_off_s = field<double>(j, "min_off_s", w);
  a.loss_weight = field<float>(j, "loss_weight", w);
  if (!(a.max_power_w > 0)) fail(w + ": max_power_w must be positive");
  return a;
}

json to_json(const CheckpointMeta& m) {
  return {{"model", to_json(m.model)},
          {"appliance", to_json(m.appliance)},
          {"scaling", {{"aggregate_mean", m.aggregate_mean},
                       {"aggregate_std", m.aggregate_std},
                       {"target", "watts / appliance.max_power_w"}}},
          {"period_s", m.period_s},
          {"data", m.data},
          {"training", m.training}};
}

CheckpointMeta checkpoint_meta_from_json(const json& j, const std::string& where) {
  CheckpointMeta m;
  m.model = model_spec_from_json(field<json>(j, "model", where), where);
  m.appliance = appliance_from_json(field<json>(j, "appliance", where), where);
  json scaling = field<json>(j, "scaling", where);
  m.aggregate_mean = field<float>(scaling, "aggregate_mean", where + ": scaling");
  m.aggregate_std = field<float>(scaling, "aggregate_std", where + ": scaling");
  if (!(m.aggregate_std > 0)) fail(where + ": scaling: aggregate_std must be positive");
  m.period_s = field<double>(j, "period_s", where);
  m.data = field_or<json>(j, "data", json::object(), where);
  m.training = field_or<json>(j, "training", json::object(), where);
  return m;
}

}  // namespace nilm::train
