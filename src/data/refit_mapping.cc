#include "data/refit_mapping.h"

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/appliance_names.h"

namespace nilm::data {

const RefitMapping& builtin_refit_mapping() {
  // Readme labels -> names. Where a house has two of a kind, the one the seq2point scripts use
  // gets the canonical name and the other keeps a descriptive one.
  static const RefitMapping table = {
      {"House1", {"fridge", "chest_freezer", "upright_freezer", "tumble_dryer", "washing_machine",
                  "dishwasher", "computer_site", "television_site", "electric_heater"}},
      {"House2", {"fridge", "washing_machine", "dishwasher", "television", "microwave", "toaster",
                  "hi_fi", "kettle", "oven_extractor_fan"}},  // 1: Fridge-Freezer
      {"House3", {"toaster", "fridge", "freezer", "tumble_dryer", "dishwasher", "washing_machine",
                  "television", "microwave", "kettle"}},  // 2: Fridge-Freezer
      {"House4", {"fridge", "freezer", "fridge_freezer", "washing_machine_1", "washing_machine",
                  "computer_site", "television_site", "microwave", "kettle"}},  // 5: Washing Machine (2)
      {"House5", {"fridge", "tumble_dryer", "washing_machine", "dishwasher", "computer_site",
                  "television_site", "microwave", "kettle", "toaster"}},  // 1: Fridge-Freezer, 7: Combination Microwave
      {"House6", {"freezer", "washing_machine", "dishwasher", "mjy_computer", "television_site",
                  "microwave", "kettle", "toaster", "pgm_computer"}},  // 1: Freezer (Utility Room)
      {"House7", {"fridge", "freezer_garage", "freezer", "tumble_dryer", "washing_machine",
                  "dishwasher", "television_site", "toaster", "kettle"}},
      {"House8", {"fridge", "freezer", "dryer", "washing_machine", "toaster", "computer",
                  "television_site", "microwave", "kettle"}},
      {"House9", {"fridge", "washer_dryer", "washing_machine", "dishwasher", "television_site",
                  "microwave", "kettle", "hi_fi", "electric_heater"}},  // 1: Fridge-Freezer
      {"House10", {"magimix_blender", "freezer", "chest_freezer", "fridge", "washing_machine",
                   "dishwasher", "television_site", "microwave", "kenwood_kmix"}},  // 4: Fridge-Freezer
      {"House11", {"fridge", "fridge_freezer", "washing_machine", "dishwasher", "computer_site",
                   "microwave", "kettle", "router", "hi_fi"}},
      {"House12", {"fridge", "television_site_lounge", "microwave", "kettle", "toaster",
                   "television_site_bedroom", "", "", ""}},  // 1: Fridge-Freezer; 7-9 not used
      {"House13", {"television_site", "unknown", "washing_machine", "dishwasher", "tumble_dryer",
                   "television_site_2", "computer_site", "microwave", "kettle"}},
      {"House15", {"fridge", "tumble_dryer", "washing_machine", "dishwasher", "computer_site",
                   "television_site", "microwave", "kettle", "toaster"}},  // 1: Fridge-Freezer
      {"House16", {"fridge", "fridge_freezer_2", "electric_heater_1", "electric_heater_2",
                   "washing_machine", "dishwasher", "computer_site", "television_site",
                   "dehumidifier_heater"}},  // 1: Fridge-Freezer (1)
      {"House17", {"freezer_garage", "fridge", "tumble_dryer_garage", "washing_machine",
                   "computer_site", "television_site", "microwave", "kettle",
                   "plug_site_bedroom"}},  // 2: Fridge-Freezer
      {"House18", {"fridge", "freezer_garage", "fridge_freezer", "washer_dryer_garage",
                   "washing_machine", "dishwasher", "desktop_computer", "television_site",
                   "microwave"}},  // 1: Fridge (garage)
      {"House19", {"fridge", "washing_machine", "television_site", "microwave", "kettle", "toaster",
                   "bread_maker", "lamp", "hi_fi"}},  // 1: Fridge & Freezer
      {"House20", {"fridge", "freezer", "tumble_dryer", "washing_machine", "dishwasher",
                   "computer_site", "television_site", "microwave", "kettle"}},
      {"House21", {"fridge", "tumble_dryer", "washing_machine", "dishwasher", "food_mixer",
                   "television", "kettle_toaster", "vivarium", "pond_pump"}},  // 1: Fridge-Freezer
  };
  return table;
}

RefitMapping load_refit_mapping(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path + ": cannot open the REFIT mapping");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) fail(path + ": expected an object {\"House1\": [9 names], ...}");
  RefitMapping mapping;
  for (const auto& [house, names] : j.items()) {
    if (!names.is_array() || names.size() != kRefitApplianceColumns)
      fail(path + ": " + house + ": expected an array of exactly 9 names (\"\" for an unused column)");
    RefitColumns columns;
    std::set<std::string> seen;
    for (int k = 0; k < kRefitApplianceColumns; ++k) {
      if (!names[k].is_string())
        fail(path + ": " + house + ": Appliance" + std::to_string(k + 1) + ": expected a string");
      columns[k] = canonical_appliance(names[k].get<std::string>());
      if (!columns[k].empty() && !seen.insert(columns[k]).second)
        fail(path + ": " + house + ": appliance \"" + columns[k] + "\" appears twice");
    }
    mapping[house] = columns;
  }
  return mapping;
}

void write_refit_mapping(const std::string& path, const RefitMapping& mapping) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [house, columns] : mapping) j[house] = columns;
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) fail(path + ": write failed");
}

RefitMapping refit_mapping_with(const std::string& override_path) {
  RefitMapping mapping = builtin_refit_mapping();
  if (!override_path.empty())
    for (auto& [house, columns] : load_refit_mapping(override_path)) mapping[house] = columns;
  return mapping;
}

}  // namespace nilm::data
