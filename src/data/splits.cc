#include "data/splits.h"

#include <fstream>
#include <utility>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nilm::data {

using nlohmann::json;

const std::vector<std::string>& SplitParts::part(const std::string& name) const {
  if (name == "train") return train;
  if (name == "validation") return validation;
  if (name == "test") return test;
  fail("unknown split part \"" + name + "\" (known: train, validation, test)");
}

std::vector<std::string>& SplitParts::part(const std::string& name) {
  return const_cast<std::vector<std::string>&>(std::as_const(*this).part(name));
}

namespace {

std::vector<std::string> refit_houses(std::initializer_list<int> numbers) {
  std::vector<std::string> out;
  for (int n : numbers) out.push_back("House" + std::to_string(n));
  return out;
}

}  // namespace

Splits refit_splits() {
  Splits s;
  s["kettle"] = {refit_houses({3, 4, 6, 7, 8, 9, 12, 13, 19, 20}), refit_houses({5}),
                 refit_houses({2})};
  s["microwave"] = {refit_houses({10, 12, 19}), refit_houses({17}), refit_houses({4})};
  s["fridge"] = {refit_houses({2, 5, 9}), refit_houses({12}), refit_houses({15})};
  s["dishwasher"] = {refit_houses({5, 7, 9, 13, 16}), refit_houses({18}), refit_houses({20})};
  s["washing_machine"] = {refit_houses({2, 5, 7, 9, 15, 16, 17}), refit_houses({18}),
                          refit_houses({8})};
  return s;
}

Splits ukdale_splits() {
  Splits s;
  for (const char* a : {"kettle", "microwave", "fridge", "dishwasher", "washing_machine"})
    s[a] = {{"house_1", "house_3", "house_4"}, {"house_5"}, {"house_2"}};
  return s;
}

Splits parse_splits(const json& spec, const std::string& where) {
  if (!spec.is_object()) fail(where + ": expected an object {\"kettle\": {\"train\": [...], ...}}");
  Splits out;
  for (const auto& [appliance, parts] : spec.items()) {
    const std::string here = where + ": appliance \"" + appliance + "\"";
    if (!parts.is_object()) fail(here + ": expected an object with train/validation/test lists");
    SplitParts sp;
    for (const auto& [part, houses] : parts.items()) {
      if (part != "train" && part != "validation" && part != "test")
        fail(here + ": unknown part \"" + part + "\" (known: train, validation, test)");
      std::vector<std::string>* dst = &sp.part(part);
      if (!houses.is_array()) fail(here + ": \"" + part + "\": expected a list of house names");
      for (const auto& h : houses) {
        if (!h.is_string() || h.get<std::string>().empty())
          fail(here + ": \"" + part + "\": expected house names, got " + h.dump());
        dst->push_back(h.get<std::string>());
      }
    }
    // A house in two parts would leak test data into training.
    for (const auto& a : sp.train)
      for (const auto* other : {&sp.validation, &sp.test})
        for (const auto& b : *other)
          if (a == b) fail(here + ": house \"" + a + "\" is in train and in another part");
    for (const auto& a : sp.validation)
      for (const auto& b : sp.test)
        if (a == b) fail(here + ": house \"" + a + "\" is in validation and test");
    out[appliance] = std::move(sp);
  }
  return out;
}

Splits load_splits(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path + ": cannot open the split file");
  json spec;
  try {
    spec = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(path + ": not valid JSON: " + e.what());
  }
  return parse_splits(spec, path);
}

json splits_to_json(const Splits& splits) {
  json out = json::object();
  for (const auto& [appliance, parts] : splits)
    out[appliance] = {{"train", parts.train}, {"validation", parts.validation}, {"test", parts.test}};
  return out;
}

Splits positional_splits(const std::vector<std::string>& houses,
                         const std::vector<std::string>& appliances) {
  SplitParts parts;
  const std::size_t n = houses.size();
  if (n >= 3) {
    parts.train.assign(houses.begin(), houses.end() - 2);
    parts.validation = {houses[n - 2]};
    parts.test = {houses[n - 1]};
  } else if (n == 2) {
    parts.train = {houses[0]};
    parts.test = {houses[1]};
  } else if (n == 1) {
    parts.train = {houses[0]};
  }
  Splits out;
  for (const auto& a : appliances) out[a] = parts;
  return out;
}

}  // namespace nilm::data

