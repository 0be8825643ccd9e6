// The appliance table: per appliance the on threshold, the scaling divisor P_m, the minimum
// on/off durations of the status rule and the weight of the loss's L1 term. The five
// appliances of NILM.md section 3 are built in; a JSON file can override any field of them and
// add new appliances (format in docs/formats.md, "Appliance table").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace nilm::data {

struct ApplianceParams {
  std::string name;            // canonical name: lower case, [a-z0-9_]
  float on_threshold_w = 0;    // on when power >= this
  float max_power_w = 1;       // P_m: targets are watts / P_m
  double min_on_s = 0;         // on-runs shorter than this are dropped
  double min_off_s = 0;        // off-gaps between on-runs shorter than this are filled
  float loss_weight = 1;       // lambda of the L1 term of the training loss
};

// kettle, microwave, fridge, dishwasher, washing_machine (NILM.md section 3), in that order.
const std::vector<ApplianceParams>& builtin_appliances();

struct ApplianceTable {
  std::vector<ApplianceParams> items;  // built-in ones first, then additions in file order

  const ApplianceParams* find(const std::string& name) const;  // nullptr if absent
  const ApplianceParams& get(const std::string& name) const;   // throws listing known names
  std::vector<std::string> names() const;
};

ApplianceTable builtin_appliance_table();

// "" gives the built-in table. Otherwise the file's entries override fields of the built-in
// appliances and add new ones (which must give max_power_w and on_threshold_w). Errors name
// the file, the appliance and the field.
ApplianceTable load_appliance_table(const std::string& path);

// The same from parsed JSON; `where` names the source in error messages (a file, "store.json:
// appliances"). Accepts {"kettle": {...}, ...} or [{"name": "kettle", ...}, ...].
ApplianceTable parse_appliance_table(const nlohmann::json& spec, const std::string& where,
                                     ApplianceTable base);

// [{"name": ..., "on_threshold_w": ..., ...}, ...]: every field, in table order (store.json,
// checkpoints). parse_appliance_table(to_json(t), w, {}) gives t back.
nlohmann::json appliance_table_to_json(const ApplianceTable& table);
nlohmann::json appliance_to_json(const ApplianceParams& params);

// True for names usable as file names in a store: non-empty, [a-z0-9_].
bool is_canonical_appliance_name(const std::string& name);

}  // namespace nilm::data
