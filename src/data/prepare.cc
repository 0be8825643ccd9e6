#include "data/prepare.h"

#include <fmt/format.h>

#include <ctime>
#include <filesystem>

#include "core/error.h"
#include "core/progress.h"
#include "data/appliance.h"
#include "data/splits.h"
#include "data/store.h"

namespace nilm::data {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string utc_text(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// Trailing digits of a house name ("House12" -> "12", "house_3" -> "3"), "" if none.
std::string trailing_number(const std::string& name) {
  std::size_t i = name.size();
  while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9') --i;
  std::string digits = name.substr(i);
  while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
  return digits;
}

std::uint64_t count(const json& counts, const char* key) {
  return counts.contains(key) ? counts[key].get<std::uint64_t>() : 0;
}

// One report row per house from its store.json entry.
json house_row(const json& e, double period_s) {
  const json& c = e["counts"];
  const auto samples = e["samples"].get<std::uint64_t>();
  json apps = json::object();
  for (const auto& [name, a] : e["appliances"].items())
    apps[name] = {{"activations", a["activations"]}, {"on_fraction", a["on_fraction"]}};
  return {{"name", e["name"]},
          {"samples", samples},
          {"start", utc_text(e["start_unix"].get<std::int64_t>())},
          {"end", utc_text(e["end_unix"].get<std::int64_t>())},
          {"days", double(samples) * period_s / 86400.0},
          {"filled", count(c, "samples_filled")},
          {"missing", e["missing_samples"]},
          {"clipped", count(c, "clipped_values")},
          {"rejected", count(c, "rows_rejected") + count(c, "non_monotonic")},
          {"appliances", apps}};
}

json totals_of(const json& houses, const json& rows) {
  std::uint64_t samples = 0, filled = 0, missing = 0, clipped = 0, rejected = 0;
  double days = 0;
  for (const auto& r : rows) {
    samples += r["samples"].get<std::uint64_t>();
    filled += r["filled"].get<std::uint64_t>();
    missing += r["missing"].get<std::uint64_t>();
    clipped += r["clipped"].get<std::uint64_t>();
    rejected += r["rejected"].get<std::uint64_t>();
    days += r["days"].get<double>();
  }
  // Appliance on-fraction over all valid samples of the houses that have it.
  json apps = json::object();
  for (const auto& e : houses)
    for (const auto& [name, a] : e["appliances"].items()) {
      json& t = apps[name];
      if (t.is_null()) t = {{"houses", 0}, {"activations", 0}, {"on_samples", 0}, {"valid", 0}};
      t["houses"] = t["houses"].get<int>() + 1;
      t["activations"] = t["activations"].get<std::uint64_t>() + a["activations"].get<std::uint64_t>();
      t["on_samples"] = t["on_samples"].get<std::uint64_t>() + a["on_samples"].get<std::uint64_t>();
      t["valid"] = t["valid"].get<std::uint64_t>() + e["valid_samples"].get<std::uint64_t>();
    }
  for (auto& [name, t] : apps.items()) {
    const auto valid = t["valid"].get<std::uint64_t>();
    t["on_fraction"] = valid ? double(t["on_samples"].get<std::uint64_t>()) / double(valid) : 0.0;
    t.erase("valid");
  }
  return {{"houses", rows.size()}, {"samples", samples}, {"days", days},     {"filled", filled},
          {"missing", missing},    {"clipped", clipped}, {"rejected", rejected}, {"appliances", apps}};
}

}  // namespace

std::vector<HouseSource> select_houses(const std::vector<HouseSource>& found,
                                       const std::vector<std::string>& wanted) {
  if (wanted.empty()) return found;
  std::vector<HouseSource> out;
  for (const auto& w : wanted) {
    const HouseSource* hit = nullptr;
    for (const auto& h : found)
      if (h.name == w) hit = &h;
    if (!hit && !w.empty() && w.find_first_not_of("0123456789") == std::string::npos) {
      std::string number = trailing_number(w);  // strips leading zeros as well
      for (const auto& h : found)
        if (trailing_number(h.name) == number) hit = &h;
    }
    if (!hit) {
      std::string names;
      for (const auto& h : found) names += (names.empty() ? "" : ", ") + h.name;
      fail("--houses: no house \"" + w + "\" in the input (found: " + names + ")");
    }
    bool dup = false;
    for (const auto& o : out) dup = dup || o.name == hit->name;
    if (!dup) out.push_back(*hit);
  }
  return out;
}

json prepare_store(const PrepareOptions& o) {
  if (o.out_dir.empty()) fail("prepare: no output folder given");
  const ApplianceTable table = load_appliance_table(o.appliances_path);
  const auto houses = select_houses(discover_houses(o.format, o.input_dir), o.houses);

  // Which split file applies, decided up front so a bad one fails before the long read.
  std::string splits_source;
  Splits splits;
  bool positional = false;
  const fs::path beside = fs::path(o.input_dir) / "splits.json";
  std::error_code ec;
  if (!o.splits_path.empty()) {
    splits = load_splits(o.splits_path);
    splits_source = o.splits_path;
  } else if (fs::is_directory(o.input_dir, ec) && fs::is_regular_file(beside, ec)) {
    splits = load_splits(beside.string());
    splits_source = beside.string();
  } else if (o.format == Format::refit) {
    splits = refit_splits();
    splits_source = "built-in REFIT splits";
  } else if (o.format == Format::ukdale) {
    splits = ukdale_splits();
    splits_source = "built-in UK-DALE splits";
  } else {
    positional = true;
    splits_source = "positional (last house test, the one before validation, the rest train)";
  }

  ReadOptions ro;
  ro.period_s = o.period_s;
  ro.fill_limit_s = o.fill_limit_s;
  ro.appliance_cap_w = o.appliance_cap_w;
  ro.aggregate_cap_w = o.aggregate_cap_w;
  ro.mapping_path = o.mapping_path;
  ro.appliances = table.names();
  ro.csv_time_column = o.csv_time_column;
  ro.csv_aggregate_column = o.csv_aggregate_column;

  StoreWriter writer(o.out_dir, o.period_s, table);
  json warnings = json::array();
  {
    Progress progress("prepare", houses.size(), "houses");
    for (std::size_t i = 0; i < houses.size(); ++i) {
      progress.update(i, houses[i].name);
      HouseSeries series = read_house(o.format, houses[i], ro);
      const json& entry = writer.add_house(series);
      for (const auto& name : entry["ignored_channels"])
        warnings.push_back(series.name + ": channel " + name.get<std::string>() +
                           " is not in the appliance table: not stored");
      if (entry["appliances"].empty())
        warnings.push_back(series.name + ": none of the table's appliances is metered here");
      if (series.counts.empty_channels)
        warnings.push_back(series.name + ": " + std::to_string(series.counts.empty_channels) +
                           " appliance channel(s) without a valid sample were dropped");
      if (entry["valid_samples"] == 0) warnings.push_back(series.name + ": every sample is missing");
    }
    progress.finish();
  }

  const json& entries = writer.houses();
  auto has = [&](const std::string& appliance, const std::string& house) {
    for (const auto& e : entries)
      if (e["name"] == house) return e["appliances"].contains(appliance);
    return false;
  };
  if (positional) {  // positional, per appliance over the houses that meter it
    for (const auto& a : table.items) {
      std::vector<std::string> with;
      for (const auto& e : entries)
        if (e["appliances"].contains(a.name)) with.push_back(e["name"].get<std::string>());
      if (!with.empty()) splits[a.name] = positional_splits(with, {a.name})[a.name];
    }
  }
  std::vector<std::string> dropped;
  Splits kept = restrict_splits(splits, [&](const std::string& a, const std::string& h) {
    return table.find(a) && has(a, h);
  }, dropped);
  for (const auto& d : dropped)
    warnings.push_back("split " + d + " left out (house not prepared, or it has no such channel)");
  for (const auto& a : table.items) {
    auto it = kept.find(a.name);
    if (it == kept.end() || it->second.train.empty())
      warnings.push_back("no training house for " + a.name + " in the store's splits");
  }
  // A split house where the appliance never runs gives nothing to learn or score.
  for (const auto& [appliance, parts] : kept)
    for (const char* part : kSplitPartNames)
      for (const auto& house : parts.part(part))
        for (const auto& e : entries)
          if (e["name"] == house && e["appliances"][appliance]["activations"] == 0)
            warnings.push_back(house + " (" + appliance + " " + part + "): no " + appliance +
                               " activation in this house");

  json rows = json::array();
  for (const auto& e : entries) rows.push_back(house_row(e, o.period_s));
  json report = {{"houses", rows}, {"totals", totals_of(entries, rows)}, {"warnings", warnings}};
  json source = {{"format", format_name(o.format)},
                 {"input", fs::absolute(o.input_dir).lexically_normal().string()},
                 {"splits", splits_source},
                 {"mapping", o.mapping_path},
                 {"appliances", o.appliances_path.empty() ? "built-in" : o.appliances_path},
                 {"fill_limit_s", o.fill_limit_s},
                 {"appliance_cap_w", o.appliance_cap_w},
                 {"aggregate_cap_w", o.aggregate_cap_w}};
  json extra = {{"created_by", "nilm prepare"}, {"source", source}, {"report", report}};
  writer.commit(kept, extra);
  return Store::open(o.out_dir).metadata();
}

std::string format_prepare_report(const json& meta) {
  const json& report = meta["report"];
  const double period = meta["period_s"].get<double>();
  std::string out = fmt::format("prepared {} house(s), period {} s, source {} ({})\n",
                                report["houses"].size(), period,
                                meta["source"]["format"].get<std::string>(),
                                meta["source"]["input"].get<std::string>());
  out += fmt::format("{:<12} {:>10}  {:<35} {:>7} {:>9} {:>9} {:>8} {:>8}\n", "house", "samples",
                     "time span (UTC)", "days", "filled", "missing", "clipped", "rejected");
  auto line = [&](const json& r, const std::string& name, const std::string& span) {
    out += fmt::format("{:<12} {:>10}  {:<35} {:>7.1f} {:>9} {:>9} {:>8} {:>8}\n", name,
                       r["samples"].get<std::uint64_t>(), span, r["days"].get<double>(),
                       r["filled"].get<std::uint64_t>(), r["missing"].get<std::uint64_t>(),
                       r["clipped"].get<std::uint64_t>(), r["rejected"].get<std::uint64_t>());
  };
  for (const auto& r : report["houses"])
    line(r, r["name"].get<std::string>(),
         r["start"].get<std::string>() + " .. " + r["end"].get<std::string>());
  line(report["totals"], "total", "");

  std::vector<std::string> names;
  for (const auto& a : meta["appliances"]) names.push_back(a["name"].get<std::string>());
  out += "\nactivations / on-fraction of the valid samples:\n";
  out += fmt::format("{:<12}", "house");
  for (const auto& n : names) out += fmt::format(" {:>16}", n);
  out += "\n";
  auto cells = [&](const json& apps, const std::string& name) {
    out += fmt::format("{:<12}", name);
    for (const auto& n : names) {
      if (!apps.contains(n)) {
        out += fmt::format(" {:>16}", "-");
        continue;
      }
      out += fmt::format(" {:>16}", fmt::format("{} / {:.2f}%", apps[n]["activations"].get<std::uint64_t>(),
                                                100 * apps[n]["on_fraction"].get<double>()));
    }
    out += "\n";
  };
  for (const auto& r : report["houses"]) cells(r["appliances"], r["name"].get<std::string>());
  cells(report["totals"]["appliances"], "total");

  out += "\nsplits (" + meta["source"]["splits"].get<std::string>() + "):\n";
  for (const auto& [appliance, parts] : meta["splits"].items()) {
    out += fmt::format("  {:<16}", appliance);
    for (const char* part : kSplitPartNames) {
      std::string hs;
      for (const auto& h : parts[part]) hs += (hs.empty() ? "" : ",") + h.get<std::string>();
      out += fmt::format(" {} [{}]", part, hs);
    }
    out += "\n";
  }
  if (!report["warnings"].empty()) {
    out += "\nwarnings:\n";
    for (const auto& w : report["warnings"]) out += "  " + w.get<std::string>() + "\n";
  }
  return out;
}

}  // namespace nilm::data
