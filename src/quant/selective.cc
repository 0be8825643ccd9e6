#include "quant/selective.h"

#include <algorithm>

#include "core/error.h"
#include "model/model_info.h"

namespace nilm::quant {

std::vector<std::string> store_houses(const data::Store& store, const std::string& appliance, const std::string& spec) {
  if (spec == "train" || spec == "validation" || spec == "test") return store.split(appliance, spec);
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    if (end > start) out.push_back(spec.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<float> calibration_windows(const model::Graph& float_graph, const data::Store& store,
                                       const StoreCalibration& c) {
  const model::ModelInfo info = model::model_info(float_graph, "model");
  const auto houses = store_houses(store, info.appliance, c.houses);
  if (houses.empty()) fail("calibration: no houses in '" + c.houses + "' for " + info.appliance);
  return balanced_windows(store, info.appliance, houses, c.windows, c.seed, info.window);
}

namespace {

bool wants_auto(const std::vector<std::string>& keep) {
  return std::find(keep.begin(), keep.end(), "auto") != keep.end();
}

model::Graph quantize_with(const model::Graph& g, const QuantizeOptions& options, const std::vector<float>& windows,
                           const StoreCalibration& c) {
  const ModeTraits& mode = traits(options.mode);
  Calibration calibration = constant_ranges(g);
  if (mode.needs_calibration) {
    CalibrationOptions co;
    co.estimator = c.estimator;
    co.bits = mode.activation_bits;
    co.threads = c.threads;
    calibration = calibrate(g, windows.data(), c.windows, co);
    calibration.source = std::to_string(c.windows) + " balanced windows (equal on/off midpoints) of " + c.houses +
                         " houses, seed " + std::to_string(c.seed);
  }
  return quantize(g, calibration, options);
}

}  // namespace

std::vector<std::string> auto_keep_float(const model::Graph& float_graph, QuantizeOptions options,
                                         const data::Store& store, const StoreCalibration& c, double threshold,
                                         DebugReport* report) {
  const ModeTraits& mode = traits(options.mode);
  if (!mode.needs_calibration) return {};  // float activations: no quantized layer to judge
  std::erase(options.keep_float, std::string("auto"));
  const auto windows = calibration_windows(float_graph, store, c);
  const model::Graph q = quantize_with(float_graph, options, windows, c);
  DebugOptions d;
  d.threshold = threshold;
  d.threads = c.threads;
  DebugReport r = debug_layers(q, windows.data(), c.windows, d);
  auto names = suspect_layers(r);
  if (report) *report = std::move(r);
  return names;
}

model::Graph quantize_from_store(const model::Graph& float_graph, QuantizeOptions options, const data::Store& store,
                                 const StoreCalibration& c) {
  const ModeTraits& mode = traits(options.mode);
  std::vector<float> windows;
  if (mode.needs_calibration) windows = calibration_windows(float_graph, store, c);
  if (wants_auto(options.keep_float)) {
    std::erase(options.keep_float, std::string("auto"));
    if (mode.needs_calibration) {
      DebugOptions d;
      d.threads = c.threads;
      const auto suspects =
          suspect_layers(debug_layers(quantize_with(float_graph, options, windows, c), windows.data(), c.windows, d));
      options.keep_float.insert(options.keep_float.end(), suspects.begin(), suspects.end());
    }
  }
  return quantize_with(float_graph, options, windows, c);
}

}  // namespace nilm::quant
