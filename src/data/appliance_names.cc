#include "data/appliance_names.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace nilm::data {

namespace {
struct Alias {
  std::string_view label;  // normalised
  std::string_view name;
};

// Labels as the datasets spell them (UK-DALE, REDD, REFIT readme, common user spellings).
constexpr Alias kAliases[] = {
    {"kettle", "kettle"},
    {"electric_kettle", "kettle"},
    {"microwave", "microwave"},
    {"microwave_oven", "microwave"},
    {"combination_microwave", "microwave"},
    {"fridge", "fridge"},
    {"refrigerator", "fridge"},
    {"dishwasher", "dishwasher"},
    {"dish_washer", "dishwasher"},
    {"dishwaser", "dishwasher"},  // REDD's labels.dat spells it so
    {"washing_machine", "washing_machine"},
    {"washingmachine", "washing_machine"},
    {"washer", "washing_machine"},
    {"fridge_and_freezer", "fridge_freezer"},
    {"fridgefreezer", "fridge_freezer"},
    {"washerdryer", "washer_dryer"},
};

// Used only when the house has no appliance of the target name.
constexpr Alias kFallbacks[] = {
    {"fridge_freezer", "fridge"},
    {"washer_dryer", "washing_machine"},
};

constexpr std::string_view kMains[] = {"aggregate", "mains", "main", "site_meter", "total", "whole_house"};
}  // namespace

std::string normalise_label(std::string_view label) {
  std::string out;
  bool pending = false;
  for (char c : label) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (pending && !out.empty()) out += '_';
      pending = false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      pending = true;
    }
  }
  return out;
}

std::string canonical_appliance(std::string_view label) {
  std::string n = normalise_label(label);
  for (const auto& a : kAliases)
    if (a.label == n) return std::string(a.name);
  return n;
}

bool is_mains_label(std::string_view label) {
  std::string n = normalise_label(label);
  // "mains_1", "mains_2": REDD and some exports number the legs.
  while (!n.empty() && (std::isdigit(static_cast<unsigned char>(n.back())) || n.back() == '_'))
    n.pop_back();
  return std::find(std::begin(kMains), std::end(kMains), n) != std::end(kMains);
}

std::vector<std::string> canonical_house_names(const std::vector<std::string>& labels) {
  std::vector<std::string> names;
  for (const auto& l : labels) names.push_back(canonical_appliance(l));
  for (const auto& f : kFallbacks) {
    if (std::find(names.begin(), names.end(), f.name) != names.end()) continue;
    for (auto& n : names)
      if (n == f.label) n = std::string(f.name);
  }
  return names;
}

}  // namespace nilm::data
