#include "data/readers.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "core/error.h"
#include "data/generic_csv.h"
#include "data/redd.h"
#include "data/refit_mapping.h"
#include "data/refit_reader.h"
#include "data/ukdale.h"

namespace nilm::data {

namespace fs = std::filesystem;

namespace {
struct FormatName {
  Format format;
  const char* name;
};
constexpr FormatName kFormats[] = {
    {Format::refit, "refit"}, {Format::ukdale, "ukdale"}, {Format::redd, "redd"}, {Format::csv, "csv"}};

// Houses sort by number ("House2" before "House10"), then by name.
struct Numbered {
  long number;
  HouseSource source;
};

std::vector<HouseSource> sorted(std::vector<Numbered> found) {
  std::sort(found.begin(), found.end(), [](const Numbered& a, const Numbered& b) {
    return a.number != b.number ? a.number < b.number : a.source.name < b.source.name;
  });
  std::vector<HouseSource> out;
  for (auto& f : found) out.push_back(std::move(f.source));
  return out;
}

std::vector<Numbered> house_folders(const fs::path& dir) {
  static const std::regex pattern(R"(house_(\d+))");
  std::vector<Numbered> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (e.is_directory() && std::regex_match(name, m, pattern))
      found.push_back({std::stol(m[1]), {name, e.path().string()}});
  }
  return found;
}
}  // namespace

Format parse_format(const std::string& name) {
  for (const auto& f : kFormats)
    if (name == f.name) return f.format;
  fail("unknown dataset format \"" + name + "\" (expected refit, ukdale, redd or csv)");
}

std::string format_name(Format format) {
  for (const auto& f : kFormats)
    if (format == f.format) return f.name;
  return "?";
}

std::vector<HouseSource> discover_houses(Format format, const std::string& input_dir) {
  const fs::path dir(input_dir);
  std::error_code ec;
  if (format == Format::csv && fs::is_regular_file(dir, ec))
    return {{dir.stem().string(), dir.string()}};
  if (!fs::is_directory(dir, ec)) fail(input_dir + ": no such folder");
  std::vector<Numbered> found;
  switch (format) {
    case Format::refit: {
      static const std::regex pattern(R"(CLEAN_House(\d+)\.csv)");
      for (const auto& e : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && std::regex_match(name, m, pattern))
          found.push_back({std::stol(m[1]), {"House" + std::string(m[1]), e.path().string()}});
      }
      break;
    }
    case Format::ukdale:
      found = house_folders(dir);
      break;
    case Format::redd:
      found = house_folders(fs::is_directory(dir / "low_freq", ec) ? dir / "low_freq" : dir);
      break;
    case Format::csv:
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".csv")
          found.push_back({0, {e.path().stem().string(), e.path().string()}});
      break;
  }
  if (found.empty())
    fail(input_dir + ": no " + format_name(format) + " house found (" +
         (format == Format::refit    ? "expected CLEAN_HouseN.csv files"
          : format == Format::ukdale ? "expected house_N folders"
          : format == Format::redd   ? "expected low_freq/house_N folders"
                                     : "expected .csv files") +
         ")");
  return sorted(std::move(found));
}

HouseSeries read_house(Format format, const HouseSource& house, const ReadOptions& options) {
  if (!(options.period_s > 0)) fail("the resampling period must be positive");
  if (!(options.fill_limit_s >= 0)) fail("the fill limit must not be negative");
  switch (format) {
    case Format::refit: {
      std::string mapping_path = options.mapping_path;
      if (mapping_path.empty()) {
        const fs::path beside = fs::path(house.path).parent_path() / "mapping.json";
        std::error_code ec;
        if (fs::is_regular_file(beside, ec)) mapping_path = beside.string();
      }
      const RefitMapping mapping = refit_mapping_with(mapping_path);
      const auto it = mapping.find(house.name);
      if (it == mapping.end())
        fail(house.path + ": no appliance mapping for " + house.name +
             " (not a REFIT house; give its 9 column names in mapping.json)");
      return read_refit_csv(house.path, house.name, it->second, options);
    }
    case Format::ukdale:
      return read_ukdale_house(house.path, house.name, options);
    case Format::redd:
      return read_redd_house(house.path, house.name, options);
    case Format::csv:
      return read_generic_csv(house.path, house.name, options);
  }
  fail("unknown dataset format");
}

}  // namespace nilm::data
