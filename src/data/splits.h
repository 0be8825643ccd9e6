// Which houses train, validate and test each appliance's model. The REFIT splits of the
// seq2point papers (NILM.md section 2) are built in; a JSON file (splits.json) replaces them:
//   {"kettle": {"train": ["House3", ...], "validation": ["House5"], "test": ["House2"]}, ...}
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace nilm::data {

struct SplitParts {
  std::vector<std::string> train, validation, test;
  const std::vector<std::string>& part(const std::string& name) const;  // throws on a bad name
  std::vector<std::string>& part(const std::string& name);
};
using Splits = std::map<std::string, SplitParts>;  // appliance -> parts

constexpr const char* kSplitPartNames[] = {"train", "validation", "test"};

Splits refit_splits();  // NILM.md section 2, house names "House2", ...
// UK-DALE, after BERT4NILM (train 1, 3, 4, 5; test 2) with house 5 held out for validation:
// train house_1, house_3, house_4; validation house_5; test house_2 -- for all five appliances
// (prepare then keeps only houses that meter each one).
Splits ukdale_splits();

// Reads a split file; errors name the file, the appliance and the part.
Splits load_splits(const std::string& path);
Splits parse_splits(const nlohmann::json& spec, const std::string& where);
nlohmann::json splits_to_json(const Splits& splits);

// A fallback for datasets without a split file or built-in splits: with three or more houses
// the last is the test house, the one before it validates, the rest train; with two, the first
// trains and the second tests; with one, it trains. Same for every appliance given.
Splits positional_splits(const std::vector<std::string>& houses,
                         const std::vector<std::string>& appliances);

// Keeps, per appliance, only houses for which has(appliance, house) is true. Everything taken
// out is described in `dropped` (one line each) so that prepare can report it.
template <class Has>
Splits restrict_splits(const Splits& splits, Has has, std::vector<std::string>& dropped) {
  Splits out;
  for (const auto& [appliance, parts] : splits) {
    SplitParts kept;
    for (const char* name : kSplitPartNames) {
      auto& dst = kept.part(name);
      for (const auto& house : parts.part(name)) {
        if (has(appliance, house))
          dst.push_back(house);
        else
          dropped.push_back(appliance + " " + name + ": " + house);
      }
    }
    out[appliance] = std::move(kept);
  }
  return out;
}

}  // namespace nilm::data
