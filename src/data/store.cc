#include "data/store.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>

#include "core/error.h"
#include "data/npy.h"
#include "data/status.h"

namespace nilm::data {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---- store.json field access with messages naming the file and the field ----

const json& need(const json& obj, const std::string& key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key)) fail(where + ": missing field \"" + key + "\"");
  return obj[key];
}
std::string need_string(const json& obj, const std::string& key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_string()) fail(where + ": field \"" + key + "\": expected a string, got " + v.dump());
  return v.get<std::string>();
}
double need_number(const json& obj, const std::string& key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_number()) fail(where + ": field \"" + key + "\": expected a number, got " + v.dump());
  return v.get<double>();
}
std::int64_t need_int(const json& obj, const std::string& key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_number_integer())
    fail(where + ": field \"" + key + "\": expected an integer, got " + v.dump());
  return v.get<std::int64_t>();
}

// House names become folder names: keep them to portable file-name characters.
bool is_safe_name(const std::string& s) {
  if (s.empty() || s[0] == '.') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

// A file named in store.json: relative, inside the store.
std::string store_file(const std::string& dir, const json& entry, const std::string& key,
                       const std::string& where) {
  std::string rel = need_string(entry, key, where);
  fs::path p(rel);
  if (rel.empty() || p.is_absolute() || rel.find("..") != std::string::npos)
    fail(where + ": field \"" + key + "\": \"" + rel + "\" is not a path inside the store");
  return (fs::path(dir) / p).string();
}

json counts_to_json(const CleaningCounts& c) {
  return json{{"rows_read", c.rows_read},
              {"rows_rejected", c.rows_rejected},
              {"duplicate_times", c.duplicate_times},
              {"non_monotonic", c.non_monotonic},
              {"nan_values", c.nan_values},
              {"negative_values", c.negative_values},
              {"clipped_values", c.clipped_values},
              {"issues_rows", c.issues_rows},
              {"samples_filled", c.samples_filled},
              {"samples_missing", c.samples_missing},
              {"empty_channels", c.empty_channels}};
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) fail(path + ": write failed");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HouseView

const float* HouseView::appliance(const std::string& appliance_name) const {
  for (const auto& c : channels)
    if (c.name == appliance_name) return c.watts;
  return nullptr;
}

const std::uint8_t* HouseView::status(const std::string& appliance_name) const {
  for (const auto& c : channels)
    if (c.name == appliance_name) return c.status;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Store

struct Store::Impl {
  std::string dir;
  json meta;
  double period_s = 0;
  Scaling scaling;
  ApplianceTable table;
  Splits splits;
  std::vector<std::string> house_names;
  std::vector<HouseView> views;
  std::vector<NpyArray> arrays;  // keep the mappings alive
};

Store Store::open(const std::string& dir) {
  auto impl = std::make_shared<Impl>();
  impl->dir = dir;
  const std::string meta_path = (fs::path(dir) / "store.json").string();
  {
    if (!fs::is_directory(dir)) fail(dir + ": not a directory (expected a prepared store)");
    std::ifstream in(meta_path);
    if (!in) fail(meta_path + ": cannot open (is " + dir + " a store made by `nilm prepare`?)");
    try {
      impl->meta = json::parse(in);
    } catch (const json::parse_error& e) {
      fail(meta_path + ": not valid JSON: " + e.what());
    }
  }
  const json& meta = impl->meta;
  const std::string& where = meta_path;
  if (!meta.is_object()) fail(where + ": expected a JSON object");
  if (need_string(meta, "format", where) != kStoreFormat)
    fail(where + ": field \"format\": expected \"" + kStoreFormat + "\"");
  auto version = need_int(meta, "version", where);
  if (version != kStoreVersion)
    fail(where + ": store format version " + std::to_string(version) + ", this nilm reads " +
         std::to_string(kStoreVersion) + " (prepare the store again)");
  impl->period_s = need_number(meta, "period_s", where);
  if (!(impl->period_s > 0)) fail(where + ": field \"period_s\": must be positive");
  const json& sc = need(meta, "scaling", where);
  impl->scaling.aggregate_mean = float(need_number(sc, "aggregate_mean", where + ": scaling"));
  impl->scaling.aggregate_std = float(need_number(sc, "aggregate_std", where + ": scaling"));
  if (!(impl->scaling.aggregate_std > 0))
    fail(where + ": scaling: field \"aggregate_std\": must be positive");
  impl->table = parse_appliance_table(need(meta, "appliances", where), where + ": appliances",
                                      ApplianceTable{});

  const json& houses = need(meta, "houses", where);
  if (!houses.is_array()) fail(where + ": field \"houses\": expected a list");
  for (std::size_t h = 0; h < houses.size(); ++h) {
    const json& e = houses[h];
    const std::string at = where + ": houses[" + std::to_string(h) + "]";
    HouseView v;
    v.name = need_string(e, "name", at);
    if (!is_safe_name(v.name)) fail(at + ": bad house name \"" + v.name + "\"");
    for (const auto& other : impl->house_names)
      if (other == v.name) fail(at + ": house \"" + v.name + "\" appears twice");
    auto n = need_int(e, "samples", at);
    if (n < 0) fail(at + ": field \"samples\": must not be negative");
    v.n = static_cast<std::size_t>(n);
    v.start_unix = need_int(e, "start_unix", at);
    auto map = [&](const std::string& key, NpyType type, const std::string& field_at,
                   const json& obj) -> const void* {
      impl->arrays.emplace_back(store_file(dir, obj, key, field_at), type, v.n);
      return impl->arrays.back().data();
    };
    v.aggregate = static_cast<const float*>(map("aggregate", NpyType::f32, at, e));
    v.missing = static_cast<const std::uint8_t*>(map("missing", NpyType::u8, at, e));
    const json& apps = need(e, "appliances", at);
    if (!apps.is_object()) fail(at + ": field \"appliances\": expected an object");
    for (const auto& [name, a] : apps.items()) {
      const std::string app_at = at + ": appliances: " + name;
      if (!impl->table.find(name)) fail(app_at + ": not in the store's appliance table");
      HouseView::Channel c;
      c.name = name;
      c.watts = static_cast<const float*>(map("watts", NpyType::f32, app_at, a));
      c.status = static_cast<const std::uint8_t*>(map("status", NpyType::u8, app_at, a));
      v.channels.push_back(std::move(c));
    }
    impl->house_names.push_back(v.name);
    impl->views.push_back(std::move(v));
  }

  impl->splits = parse_splits(need(meta, "splits", where), where + ": splits");
  for (const auto& [appliance, parts] : impl->splits)
    for (const char* part : kSplitPartNames)
      for (const auto& house : parts.part(part)) {
        bool found = false;
        for (const auto& n : impl->house_names) found = found || n == house;
        if (!found)
          fail(where + ": splits: " + appliance + " " + part + ": house \"" + house +
               "\" is not in the store");
      }
  Store s;
  s.impl_ = std::move(impl);
  return s;
}

const std::string& Store::dir() const { return impl_->dir; }
const std::vector<std::string>& Store::houses() const { return impl_->house_names; }
const Splits& Store::splits() const { return impl_->splits; }
double Store::period_s() const { return impl_->period_s; }
Scaling Store::scaling() const { return impl_->scaling; }
const ApplianceTable& Store::appliances() const { return impl_->table; }
const nlohmann::json& Store::metadata() const { return impl_->meta; }

bool Store::has_house(const std::string& name) const {
  for (const auto& n : impl_->house_names)
    if (n == name) return true;
  return false;
}

HouseView Store::house(const std::string& name) const {
  for (const auto& v : impl_->views)
    if (v.name == name) return v;
  std::string known;
  for (const auto& n : impl_->house_names) known += (known.empty() ? "" : ", ") + n;
  fail(impl_->dir + ": no house \"" + name + "\" in the store (houses: " + known + ")");
}

std::vector<std::string> Store::split(const std::string& appliance, const std::string& part) const {
  auto it = impl_->splits.find(appliance);
  if (it == impl_->splits.end())
    fail(impl_->dir + ": the store has no train/validation/test split for \"" + appliance +
         "\" (give one with `nilm prepare --splits`)");
  return it->second.part(part);
}

// ---------------------------------------------------------------------------------------------
// StoreWriter

StoreWriter::StoreWriter(std::string dir, double period_s, ApplianceTable table, Scaling scaling)
    : dir_(std::move(dir)), period_s_(period_s), table_(std::move(table)), scaling_(scaling) {
  if (!(period_s_ > 0)) fail("store: the period must be positive");
  if (!(scaling_.aggregate_std > 0)) fail("store: the aggregate scaling std must be positive");
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  if (fs::exists(dir_)) {
    if (!fs::is_directory(dir_)) fail(dir_ + ": exists and is not a directory");
    if (!fs::is_empty(dir_) && !fs::exists(fs::path(dir_) / "store.json"))
      fail(dir_ + ": exists, is not empty and is not a store; refusing to overwrite it");
  }
  partial_ = dir_ + ".partial";
  std::error_code ec;
  fs::remove_all(partial_, ec);  // left over from an interrupted run
  fs::create_directories(partial_, ec);
  if (ec) fail(partial_ + ": cannot create directory: " + ec.message());
}

StoreWriter::~StoreWriter() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(partial_, ec);
  }
}

const json& StoreWriter::add_house(const HouseSeries& house) {
  const std::string& name = house.name;
  if (!is_safe_name(name))
    fail("house \"" + name + "\": the name must be letters, digits, '_', '-' or '.'");
  for (const auto& e : houses_)
    if (e["name"] == name) fail("house \"" + name + "\" added twice");
  const std::size_t n = house.aggregate.size();
  if (std::abs(house.period_s - period_s_) > 1e-9 * period_s_)
    fail("house " + name + ": sampled every " + std::to_string(house.period_s) +
         " s, the store every " + std::to_string(period_s_) + " s");
  if (house.missing.size() != n)
    fail("house " + name + ": missing mask has " + std::to_string(house.missing.size()) +
         " samples, aggregate " + std::to_string(n));
  for (const auto& a : house.appliances)
    if (a.watts.size() != n)
      fail("house " + name + ": appliance " + a.name + " has " + std::to_string(a.watts.size()) +
           " samples, aggregate " + std::to_string(n));

  std::error_code ec;
  fs::create_directories(fs::path(partial_) / name, ec);
  if (ec) fail(partial_ + "/" + name + ": cannot create directory: " + ec.message());
  auto rel = [&](const std::string& file) { return name + "/" + file; };
  auto full = [&](const std::string& file) { return (fs::path(partial_) / rel(file)).string(); };

  std::size_t missing = 0;
  for (auto m : house.missing) missing += m != 0;
  const std::size_t valid = n - missing;

  json entry = {{"name", name},
                {"source", house.source},
                {"samples", n},
                {"start_unix", house.start_unix},
                {"end_unix", house.start_unix + static_cast<std::int64_t>(double(n) * period_s_)},
                {"missing_samples", missing},
                {"valid_samples", valid},
                {"counts", counts_to_json(house.counts)},
                {"aggregate", rel("aggregate.npy")},
                {"missing", rel("missing.npy")}};
  write_npy(full("aggregate.npy"), NpyType::f32, house.aggregate.data(), n);
  write_npy(full("missing.npy"), NpyType::u8, house.missing.data(), n);

  json apps = json::object();
  json ignored = json::array();
  for (const auto& a : house.appliances) {
    const ApplianceParams* params = table_.find(a.name);
    if (!params) {
      ignored.push_back(a.name);
      continue;
    }
    if (apps.contains(a.name)) fail("house " + name + ": appliance " + a.name + " appears twice");
    auto status = on_off_status_segmented(a.watts.data(), house.missing.data(), n, *params,
                                          period_s_);
    std::size_t on = 0;
    double watt_samples = 0;
    for (std::size_t i = 0; i < n; ++i) {
      on += status[i];
      if (!house.missing[i]) watt_samples += a.watts[i];
    }
    write_npy(full(a.name + ".watts.npy"), NpyType::f32, a.watts.data(), n);
    write_npy(full(a.name + ".status.npy"), NpyType::u8, status.data(), n);
    apps[a.name] = {{"watts", rel(a.name + ".watts.npy")},
                    {"status", rel(a.name + ".status.npy")},
                    {"activations", count_activations(status.data(), n)},
                    {"on_samples", on},
                    {"on_fraction", valid ? double(on) / double(valid) : 0.0},
                    {"energy_kwh", watt_samples * period_s_ / 3.6e6}};
  }
  entry["appliances"] = std::move(apps);
  entry["ignored_channels"] = std::move(ignored);
  houses_.push_back(std::move(entry));
  return houses_.back();
}

void StoreWriter::commit(const Splits& splits, json extra) {
  if (committed_) fail(dir_ + ": store already committed");
  for (const auto& [appliance, parts] : splits)
    for (const char* part : kSplitPartNames)
      for (const auto& house : parts.part(part)) {
        bool found = false;
        for (const auto& e : houses_) found = found || e["name"] == house;
        if (!found)
          fail("store splits: " + appliance + " " + part + ": house \"" + house +
               "\" was not prepared");
      }
  json meta = extra.is_object() ? std::move(extra) : json::object();
  meta["format"] = kStoreFormat;
  meta["version"] = kStoreVersion;
  meta["period_s"] = period_s_;
  meta["scaling"] = {{"aggregate_mean", scaling_.aggregate_mean},
                     {"aggregate_std", scaling_.aggregate_std},
                     {"input", "(aggregate_w - aggregate_mean) / aggregate_std"},
                     {"target", "appliance_w / max_power_w, clipped to [0, 1]"}};
  meta["appliances"] = appliance_table_to_json(table_);
  meta["splits"] = splits_to_json(splits);
  meta["houses"] = houses_;
  write_text_file((fs::path(partial_) / "store.json").string(), meta.dump(2) + "\n");

  // Swap the finished store into place; an old store is removed only after the new one is whole.
  std::error_code ec;
  const std::string old = dir_ + ".old";
  fs::remove_all(old, ec);
  if (fs::exists(dir_)) {
    fs::rename(dir_, old, ec);
    if (ec) fail(dir_ + ": cannot move the old store aside: " + ec.message());
  }
  fs::rename(partial_, dir_, ec);
  if (ec) fail(dir_ + ": cannot move the new store into place: " + ec.message());
  fs::remove_all(old, ec);
  committed_ = true;
}

}  // namespace nilm::data
