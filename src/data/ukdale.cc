#include "data/ukdale.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/mapped_file.h"
#include "core/progress.h"
#include "data/appliance_names.h"
#include "data/csv_fields.h"

namespace nilm::data {

namespace fs = std::filesystem;

std::vector<ChannelLabel> read_labels(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(path + ": missing (each house needs its labels.dat)");
  MappedFile file(path);
  const char* p = reinterpret_cast<const char*>(file.data());
  const char* end = p + file.size();
  std::vector<ChannelLabel> labels;
  std::set<int> seen;
  long long line = 0;
  while (p < end) {
    ++line;
    const char* eol = csv::line_end(p, end);
    const char* q = p;
    while (q < eol && (*q == ' ' || *q == '\t')) ++q;
    if (q == eol || (*q == '\r' && q + 1 == eol)) {  // blank line
      p = eol + (eol < end);
      continue;
    }
    std::int64_t channel = 0;
    const char* after = csv::parse_int64(q, eol, channel);
    if (!after || after == eol || (*after != ' ' && *after != '\t') || channel < 1 || channel > 100000)
      fail(at_line(path, line, "expected \"channel_number label\": " + csv::excerpt(p, eol)));
    while (after < eol && (*after == ' ' || *after == '\t')) ++after;
    const char* stop = eol;
    while (stop > after && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t')) --stop;
    if (stop == after) fail(at_line(path, line, "channel " + std::to_string(channel) + " has no label"));
    if (!seen.insert(static_cast<int>(channel)).second)
      fail(at_line(path, line, "channel " + std::to_string(channel) + " is labelled twice"));
    labels.push_back({static_cast<int>(channel), std::string(after, stop)});
    p = eol + (eol < end);
  }
  if (labels.empty()) fail(path + ": no channel labels in the file");
  return labels;
}

ChannelGrid read_dat_channel(const std::string& path, float cap_w, const ReadOptions& options,
                             CleaningCounts& counts) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(path + ": missing (labels.dat lists this channel)");
  MappedFile file(path);
  file.advise_sequential();
  if (file.size() == 0) fail(path + ": file is empty");
  const char* const base = reinterpret_cast<const char*>(file.data());
  const char* const end = base + file.size();
  const char* p = base;
  const std::size_t first_line = static_cast<std::size_t>(csv::line_end(p, end) - p) + 1;
  GridBuilder builder(options.period_s, options.fill_limit_s, file.size() / std::max<std::size_t>(first_line, 8));
  double last_t = -1;
  long long line = 0;
  std::size_t released = 0;
  std::uint64_t rows = 0;
  Progress progress("read " + fs::path(path).parent_path().filename().string() + "/" +
                        fs::path(path).filename().string(), file.size(), "bytes");
  while (p < end) {
    ++line;
    const char* eol = csv::line_end(p, end);
    if (eol == p || (eol - p == 1 && *p == '\r')) {
      p = eol + 1;
      continue;
    }
    double t, v;
    csv::Value tk, vk = csv::Value::bad;
    const char* q = csv::parse_number(p, eol, t, tk, ' ');
    const bool time_ok = tk == csv::Value::number && t >= 0 && t <= 4102444800.0;
    bool ok = time_ok && q < eol && (*q == ' ' || *q == '\t');
    if (ok) {
      while (q < eol && (*q == ' ' || *q == '\t')) ++q;
      q = csv::parse_number(q, eol, v, vk, ' ');
      while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
      ok = vk != csv::Value::bad && q == eol;
    }
    if (!ok) {
      if (eol == end) {  // a last line cut short: skipped, counted
        ++counts.rows_rejected;
        break;
      }
      fail(at_line(path, line,
                   std::string(time_ok ? "expected \"unix_seconds watts\"" : "not a valid epoch time") +
                       ": " + csv::excerpt(p, eol)));
    }
    p = eol + 1;
    ++rows;
    ++counts.rows_read;
    if (t < last_t) {
      ++counts.non_monotonic;
      continue;
    }
    if (t == last_t) ++counts.duplicate_times;
    last_t = t;
    if (vk == csv::Value::absent) v = std::nan("");
    try {
      if (clean_sample(v, cap_w, counts)) builder.add(t, static_cast<float>(v));
    } catch (const Error& e) {
      fail(at_line(path, line, e.what()));
    }
    if ((rows & 0xffff) == 0) {
      csv::release_consumed(base, p, released);
      progress.update(static_cast<std::uint64_t>(p - base));
    }
  }
  progress.finish();
  if (rows == 0) fail(path + ": no data lines");
  return builder.finish();
}

namespace {
std::string channel_path(const std::string& dir, int k) {
  return (fs::path(dir) / ("channel_" + std::to_string(k) + ".dat")).string();
}

bool wanted(const ReadOptions& o, const std::string& name) {
  return o.appliances.empty() ||
         std::find(o.appliances.begin(), o.appliances.end(), name) != o.appliances.end();
}
}  // namespace

HouseSeries read_ukdale_house(const std::string& house_dir, const std::string& house_name,
                              const ReadOptions& options) {
  const std::string labels_path = (fs::path(house_dir) / "labels.dat").string();
  const std::vector<ChannelLabel> labels = read_labels(labels_path);
  CleaningCounts counts;
  ChannelGrid aggregate;
  bool have_aggregate = false;
  std::vector<std::string> raw;
  std::vector<int> channels;
  for (const auto& l : labels) {
    if (l.channel == 1) {
      have_aggregate = true;
      continue;
    }
    raw.push_back(l.label);
    channels.push_back(l.channel);
  }
  if (!have_aggregate) fail(labels_path + ": no channel 1 (the aggregate)");
  aggregate = read_dat_channel(channel_path(house_dir, 1), options.aggregate_cap_w, options, counts);
  const std::vector<std::string> names = canonical_house_names(raw);
  std::vector<NamedGrid> appliances;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!wanted(options, names[i])) continue;
    ChannelGrid g = read_dat_channel(channel_path(house_dir, channels[i]), options.appliance_cap_w, options, counts);
    auto same = std::find_if(appliances.begin(), appliances.end(), [&](const NamedGrid& a) { return a.name == names[i]; });
    if (same != appliances.end())  // one appliance on several meters (legs): summed
      same->grid = sum_grids(same->grid, g);
    else
      appliances.push_back({names[i], std::move(g)});
  }
  try {
    return assemble_house(house_name, "ukdale", options.period_s, std::move(aggregate),
                          std::move(appliances), counts);
  } catch (const Error& e) {
    fail(house_dir + ": " + e.what());
  }
}

void write_dat_channel(const std::string& path, const RawChannel& c) {
  if (c.unix_s.size() != c.watts.size()) fail(path + ": times and values differ in length");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) fail(path + ": cannot create file");
  char line[64];
  for (std::size_t i = 0; i < c.unix_s.size(); ++i) {
    char* p = std::to_chars(line, line + 32, c.unix_s[i]).ptr;
    *p++ = ' ';
    p = std::to_chars(p, line + sizeof line - 1, c.watts[i]).ptr;  // shortest exact form
    *p++ = '\n';
    std::fwrite(line, 1, static_cast<std::size_t>(p - line), f.get());
  }
  if (std::fflush(f.get()) != 0 || std::ferror(f.get())) fail(path + ": write failed");
}

void write_labels(const std::string& path, const std::vector<ChannelLabel>& labels) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) fail(path + ": cannot create file");
  for (const auto& l : labels) std::fprintf(f.get(), "%d %s\n", l.channel, l.label.c_str());
  if (std::fflush(f.get()) != 0 || std::ferror(f.get())) fail(path + ": write failed");
}

void write_ukdale_house(const std::string& house_dir, const RawChannel& aggregate,
                        const std::vector<RawChannel>& appliances) {
  fs::create_directories(house_dir);
  std::vector<ChannelLabel> labels = {{1, "aggregate"}};
  write_dat_channel(channel_path(house_dir, 1), aggregate);
  int k = 2;
  for (const auto& a : appliances) {
    write_dat_channel(channel_path(house_dir, k), a);
    labels.push_back({k++, a.label});
  }
  write_labels((fs::path(house_dir) / "labels.dat").string(), labels);
}

}  // namespace nilm::data
