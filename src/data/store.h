// The prepared store: a directory that `nilm prepare` writes once and training, calibration and
// evaluation read many times, memory-mapped and zero-copy. Self-describing and readable without
// our code (docs/formats.md, "Prepared store"):
//   store.json                       format, version, period, scaling, appliance table, splits,
//                                    per house: length, start, files, cleaning counts, report
//   <house>/aggregate.npy            float32 watts (0 where missing)
//   <house>/missing.npy              uint8, 1 where the house has no data
//   <house>/<appliance>.watts.npy    float32 watts
//   <house>/<appliance>.status.npy   uint8 on/off (data/status.h, computed per gap-free stretch)
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/appliance.h"
#include "data/series.h"
#include "data/splits.h"

namespace nilm::data {

constexpr const char* kStoreFormat = "nilm-store";
constexpr int kStoreVersion = 1;

// Inputs are z-scored with fixed constants (the reference's); targets are watts / max_power_w.
struct Scaling {
  float aggregate_mean = 522, aggregate_std = 814;
};

struct HouseView {  // zero-copy pointers into the mapped files, valid while the Store lives
  struct Channel {
    std::string name;
    const float* watts = nullptr;
    const std::uint8_t* status = nullptr;
  };
  std::string name;
  std::size_t n = 0;
  std::int64_t start_unix = 0;
  const float* aggregate = nullptr;
  const std::uint8_t* missing = nullptr;
  std::vector<Channel> channels;

  const float* appliance(const std::string& name) const;      // watts, nullptr if absent
  const std::uint8_t* status(const std::string& name) const;  // on/off, nullptr if absent
};

class Store {  // read-only; copies share the mappings
 public:
  // Maps and checks every file: errors name the file (store.json field, .npy dtype/length).
  static Store open(const std::string& dir);

  const std::string& dir() const;
  const std::vector<std::string>& houses() const;
  bool has_house(const std::string& name) const;
  HouseView house(const std::string& name) const;  // throws listing the store's houses
  // Houses of one part ("train"|"validation"|"test") for an appliance; throws if the store
  // has no split for the appliance.
  std::vector<std::string> split(const std::string& appliance, const std::string& part) const;
  const Splits& splits() const;
  double period_s() const;
  Scaling scaling() const;
  const ApplianceTable& appliances() const;
  const nlohmann::json& metadata() const;  // the whole store.json

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// Writes a store one house at a time (so `prepare` holds one house in memory). Everything goes
// into "<dir>.partial" first and moves to `dir` in commit(): an interrupted run never leaves a
// half-written store, and an existing store at `dir` is replaced only once the new one is done.
// A `dir` that exists and is neither empty nor a store is refused.
class StoreWriter {
 public:
  StoreWriter(std::string dir, double period_s, ApplianceTable table, Scaling scaling = {});
  ~StoreWriter();  // removes the partial directory unless commit() succeeded
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Writes the house's series; status per appliance comes from the table's rule. Channels whose
  // name is not in the table are not stored: they are listed in the entry's "ignored_channels".
  // Returns the house's entry of store.json (files, counts, per-appliance activations,
  // on-fraction, energy).
  const nlohmann::json& add_house(const HouseSeries& house);

  // Writes store.json (the given extra fields, e.g. "source" and "report", plus the format,
  // version, period, scaling, appliance table, splits and house entries) and moves the store
  // into place. Splits must name only houses that were added.
  void commit(const Splits& splits, nlohmann::json extra = nlohmann::json::object());

  const nlohmann::json& houses() const { return houses_; }

 private:
  std::string dir_, partial_;
  double period_s_;
  ApplianceTable table_;
  Scaling scaling_;
  nlohmann::json houses_ = nlohmann::json::array();
  bool committed_ = false;
};

}  // namespace nilm::data
