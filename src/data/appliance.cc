#include "data/appliance.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace nilm::data {

namespace {

using nlohmann::json;

// The reference's table (NILM.md section 3). Seconds and watts.
const std::vector<ApplianceParams> kBuiltin = {
    {"kettle", 1500, 3100, 12, 0, 1.0f},
    {"microwave", 200, 3000, 12, 30, 1.0f},
    {"fridge", 50, 400, 60, 12, 1e-6f},
    {"dishwasher", 10, 2500, 1800, 1800, 1.0f},
    {"washing_machine", 10, 2500, 1800, 160, 1e-2f},
};

// One row per JSON field: how it is checked and where it goes. Table-driven so that adding a
// field is one line.
struct Field {
  const char* key;
  bool positive;  // > 0 (else >= 0)
  void (*set)(ApplianceParams&, double);
};
const Field kFields[] = {
    {"on_threshold_w", false, [](ApplianceParams& p, double v) { p.on_threshold_w = float(v); }},
    {"max_power_w", true, [](ApplianceParams& p, double v) { p.max_power_w = float(v); }},
    {"min_on_s", false, [](ApplianceParams& p, double v) { p.min_on_s = v; }},
    {"min_off_s", false, [](ApplianceParams& p, double v) { p.min_off_s = v; }},
    {"loss_weight", false, [](ApplianceParams& p, double v) { p.loss_weight = float(v); }},
};

std::string known_fields() {
  std::string s;
  for (const auto& f : kFields) s += std::string(s.empty() ? "" : ", ") + f.key;
  return s;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

void apply_entry(ApplianceTable& table, const std::string& name, const json& entry,
                 const std::string& where, bool name_in_entry) {
  const std::string here = where + ": appliance " + quoted(name);
  if (!is_canonical_appliance_name(name))
    fail(here + ": the name must be lower case letters, digits and '_'");
  if (!entry.is_object()) fail(here + ": expected an object of fields");
  ApplianceParams* target = nullptr;
  for (auto& p : table.items)
    if (p.name == name) target = &p;
  const bool is_new = target == nullptr;
  ApplianceParams params;
  params.name = name;
  if (!is_new) params = *target;
  for (const auto& [key, value] : entry.items()) {
    if (name_in_entry && key == "name") continue;
    const Field* field = nullptr;
    for (const auto& f : kFields)
      if (key == f.key) field = &f;
    if (!field) fail(here + ": unknown field " + quoted(key) + " (known: " + known_fields() + ")");
    if (!value.is_number())
      fail(here + ": field " + quoted(key) + ": expected a number, got " + value.dump());
    double v = value.get<double>();
    if (!std::isfinite(v) || (field->positive ? !(v > 0) : !(v >= 0)))
      fail(here + ": field " + quoted(key) + ": must be " +
           (field->positive ? "positive" : "zero or positive") + ", got " + value.dump());
    field->set(params, v);
  }
  if (is_new) {
    for (const char* required : {"on_threshold_w", "max_power_w"})
      if (!entry.contains(required))
        fail(here + ": a new appliance needs field " + quoted(required));
    table.items.push_back(params);
  } else {
    *target = params;
  }
}

}  // namespace

bool is_canonical_appliance_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

const std::vector<ApplianceParams>& builtin_appliances() { return kBuiltin; }

ApplianceTable builtin_appliance_table() { return ApplianceTable{kBuiltin}; }

const ApplianceParams* ApplianceTable::find(const std::string& name) const {
  for (const auto& p : items)
    if (p.name == name) return &p;
  return nullptr;
}

const ApplianceParams& ApplianceTable::get(const std::string& name) const {
  if (const auto* p = find(name)) return *p;
  std::string known;
  for (const auto& p : items) known += (known.empty() ? "" : ", ") + p.name;
  fail("unknown appliance \"" + name + "\" (known: " + known + ")");
}

std::vector<std::string> ApplianceTable::names() const {
  std::vector<std::string> out;
  for (const auto& p : items) out.push_back(p.name);
  return out;
}

ApplianceTable parse_appliance_table(const json& spec, const std::string& where,
                                     ApplianceTable base) {
  if (spec.is_object()) {
    for (const auto& [name, entry] : spec.items()) apply_entry(base, name, entry, where, false);
  } else if (spec.is_array()) {
    std::size_t i = 0;
    for (const auto& entry : spec) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
        fail(where + ": entry " + std::to_string(i) + ": expected an object with a \"name\"");
      apply_entry(base, entry["name"].get<std::string>(), entry, where, true);
      ++i;
    }
  } else {
    fail(where + ": expected an object {\"kettle\": {...}} or an array of appliances");
  }
  return base;
}

ApplianceTable load_appliance_table(const std::string& path) {
  if (path.empty()) return builtin_appliance_table();
  std::ifstream in(path);
  if (!in) fail(path + ": cannot open the appliance table");
  json spec;
  try {
    spec = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(path + ": not valid JSON: " + e.what());
  }
  return parse_appliance_table(spec, path, builtin_appliance_table());
}

json appliance_to_json(const ApplianceParams& p) {
  return json{{"name", p.name},
              {"on_threshold_w", p.on_threshold_w},
              {"max_power_w", p.max_power_w},
              {"min_on_s", p.min_on_s},
              {"min_off_s", p.min_off_s},
              {"loss_weight", p.loss_weight}};
}

json appliance_table_to_json(const ApplianceTable& table) {
  json out = json::array();
  for (const auto& p : table.items) out.push_back(appliance_to_json(p));
  return out;
}

}  // namespace nilm::data
