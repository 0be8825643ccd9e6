#include "data/generic_csv.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/mapped_file.h"
#include "core/progress.h"
#include "data/appliance_names.h"
#include "data/csv_fields.h"
#include "data/resample.h"

namespace nilm::data {

namespace {

enum class Role : std::uint8_t { skip, time, channel, issues };

struct Column {
  Role role = Role::skip;
  std::size_t channel = 0;  // index into the builders (aggregate = 0)
  std::string name;         // header text
};

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr double kMaxUnix = 4102444800.0;  // 2100-01-01: later times are corrupt rows

std::vector<std::string> read_header(const MappedFile& file, char sep) {
  const char* p = reinterpret_cast<const char*>(file.data());
  const char* end = p + file.size();
  if (file.size() == 0) fail(file.path() + ": file is empty (expected a header line)");
  const char* eol = csv::line_end(p, end);
  std::vector<std::string> names;
  while (p < eol) names.emplace_back(csv::next_field(p, eol, sep));
  if (!names.empty() && names[0].size() >= 3 && names[0].compare(0, 3, "\xEF\xBB\xBF") == 0)
    names[0].erase(0, 3);  // UTF-8 byte order mark from spreadsheet exports
  if (names.empty() || (names.size() == 1 && names[0].empty()))
    fail(at_line(file.path(), 1, "empty header line (expected column names)"));
  return names;
}

// The grid length from the first and last lines' times, so each channel's grid is allocated
// once at its final size (growing by doubling would briefly need twice the memory).
std::size_t expected_grid_size(const std::vector<Column>& columns, const char* data, const char* end,
                               bool iso, char sep, double period_s) {
  auto time_of = [&](const char* line, const char* eol) -> double {
    for (const auto& c : columns) {
      if (c.role == Role::time) {
        double t = -1;
        csv::Value kind;
        const char* ok = iso ? csv::parse_time(line, eol, t, sep) : csv::parse_number(line, eol, t, kind, sep);
        return ok ? t : -1;
      }
      while (line < eol && *line != sep) ++line;
      if (line < eol) ++line;
    }
    return -1;
  };
  while (end > data && (end[-1] == '\n' || end[-1] == '\r')) --end;
  const char* last = end;
  while (last > data && last[-1] != '\n') --last;
  const double first_t = time_of(data, csv::line_end(data, end)), last_t = time_of(last, end);
  if (!(first_t >= 0 && last_t >= first_t && last_t - first_t < 2e9)) return 0;
  // Capped by a few grid samples per row, so one wrong timestamp cannot reserve gigabytes.
  const auto first_line = static_cast<std::size_t>(csv::line_end(data, end) - data) + 1;
  const std::size_t rows = static_cast<std::size_t>(end - data) / first_line + 1;
  return std::min(static_cast<std::size_t>((last_t - first_t) / period_s) + 2, 4 * rows + 1024);
}

// The separator the header line uses most: ',' (default), ';' or tab.
char guess_separator(const MappedFile& file) {
  const char* p = reinterpret_cast<const char*>(file.data());
  const char* eol = csv::line_end(p, p + file.size());
  char best = ',';
  long best_count = std::count(p, eol, ',');
  for (char c : {';', '\t'}) {
    const long n = std::count(p, eol, c);
    if (n > best_count) best = c, best_count = n;
  }
  return best;
}

}  // namespace

HouseSeries read_csv_table(const std::string& path, const std::string& house_name,
                           const std::string& source, const CsvColumns& spec,
                           const ReadOptions& options) {
  MappedFile file(path);
  file.advise_sequential();
  const char* const base = reinterpret_cast<const char*>(file.data());
  const char* const end = base + file.size();

  std::vector<Column> columns;
  const char sep = spec.separator;
  for (auto& name : read_header(file, sep)) columns.push_back({Role::skip, 0, name});
  auto find = [&](const std::string& name) -> Column* {
    for (auto& c : columns)
      if (same_name(c.name, name)) return &c;
    return nullptr;
  };
  auto require = [&](const std::string& name) -> Column& {
    Column* c = find(name);
    if (!c) fail(at_line(path, 1, "missing column \"" + name + "\"" + spec.format_hint));
    if (c->role != Role::skip) fail(at_line(path, 1, "column \"" + name + "\" is used twice"));
    return *c;
  };
  require(spec.time).role = Role::time;
  std::vector<std::string> channel_names = {"aggregate"};
  std::vector<float> caps = {options.aggregate_cap_w};
  Column& aggregate = require(spec.aggregate);
  aggregate.role = Role::channel;
  for (const auto& [header, name] : spec.appliances) {
    Column& c = require(header);
    c.role = Role::channel;
    c.channel = channel_names.size();
    channel_names.push_back(name);
    caps.push_back(options.appliance_cap_w);
  }
  if (!spec.issues.empty())
    if (Column* issues = find(spec.issues); issues && issues->role == Role::skip) issues->role = Role::issues;

  const char* p = csv::line_end(base, end);
  p = p < end ? p + 1 : end;
  std::vector<GridBuilder> builders;
  const std::size_t expected = expected_grid_size(columns, p, end, spec.iso_time, sep, options.period_s);
  for (std::size_t c = 0; c < channel_names.size(); ++c)
    builders.emplace_back(options.period_s, options.fill_limit_s, expected);

  CleaningCounts counts;
  const std::size_t ncols = columns.size();
  std::vector<double> values(channel_names.size());
  double last_t = -1;
  long long line = 1;
  std::size_t released = 0;
  Progress progress("read " + house_name, file.size(), "bytes");

  while (p < end) {
    ++line;
    const char* eol = csv::line_end(p, end);
    if (eol == p || (eol - p == 1 && *p == '\r')) {  // blank line: not data
      p = eol + 1;
      continue;
    }
    double t = 0;
    bool issue = false;
    std::size_t col = 0;
    const char* q = p;
    for (; col < ncols; ++col) {
      const Column& c = columns[col];
      if (c.role == Role::skip) {
        while (q < eol && *q != sep) ++q;
      } else if (c.role == Role::time) {
        const char* after = nullptr;
        if (spec.iso_time) {
          after = csv::parse_time(q, eol, t, sep);
        } else {
          csv::Value kind;
          after = csv::parse_number(q, eol, t, kind, sep);
          if (kind != csv::Value::number) after = nullptr;
        }
        if (!after || !(t >= 0 && t <= kMaxUnix)) {
          if (eol == end) break;  // truncated last line
          fail(at_line(path, line, c.name + ": not a valid time" +
                                       (spec.iso_time ? " (epoch seconds or ISO-8601)" : " (epoch seconds)") +
                                       ": " + csv::excerpt(q, std::find(q, eol, sep))));
        }
        q = after;
      } else {
        double v;
        csv::Value kind;
        const char* after = csv::parse_number(q, eol, v, kind, sep);
        if (kind == csv::Value::bad) {
          if (eol == end) break;  // truncated last line
          fail(at_line(path, line, c.name + ": not a number: " + csv::excerpt(q, std::find(q, eol, sep))));
        }
        q = after;
        if (c.role == Role::issues)
          issue = kind == csv::Value::number && v != 0;
        else
          values[c.channel] = kind == csv::Value::number ? v : std::nan("");
      }
      while (q < eol && *q == ' ') ++q;  // blanks after a value
      if (col + 1 < ncols) {
        if (q >= eol || *q != sep) break;  // too few fields
        ++q;
      }
    }
    const bool complete = col == ncols && (q == eol || (*q == '\r' && q + 1 == eol));
    if (!complete) {
      if (eol == end) {  // a last line cut short (interrupted copy): skipped, counted
        ++counts.rows_rejected;
        break;
      }
      fail(at_line(path, line, "expected " + std::to_string(ncols) + " fields: " + csv::excerpt(p, eol)));
    }
    p = eol + 1;
    ++counts.rows_read;
    if (t < last_t) {  // going back in time: skipped
      ++counts.non_monotonic;
      continue;
    }
    if (t == last_t) ++counts.duplicate_times;  // the later row replaces the earlier
    last_t = t;
    if (issue) ++counts.issues_rows;
    try {  // free unless thrown: only a wrong timestamp far from the others throws here
      for (std::size_t c = 0; c < builders.size(); ++c) {
        double v = values[c];
        if (clean_sample(v, caps[c], counts)) builders[c].add(t, static_cast<float>(v));
      }
    } catch (const Error& e) {
      fail(at_line(path, line, e.what()));
    }
    if ((counts.rows_read & 0xffff) == 0) {
      csv::release_consumed(base, p, released);
      progress.update(static_cast<std::uint64_t>(p - base));
    }
  }
  progress.finish();
  if (counts.rows_read == 0) fail(path + ": no data rows after the header");

  ChannelGrid aggregate_grid = builders[0].finish();
  std::vector<NamedGrid> appliances;
  for (std::size_t c = 1; c < builders.size(); ++c)
    appliances.push_back({channel_names[c], builders[c].finish()});
  try {
    return assemble_house(house_name, source, options.period_s, std::move(aggregate_grid),
                          std::move(appliances), counts);
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

HouseSeries read_generic_csv(const std::string& path, const std::string& house_name,
                             const ReadOptions& options) {
  std::vector<std::string> header;
  CsvColumns spec;
  {
    MappedFile file(path);
    spec.separator = guess_separator(file);
    header = read_header(file, spec.separator);
  }
  spec.time = options.csv_time_column.empty() ? header.at(0) : options.csv_time_column;
  spec.aggregate = options.csv_aggregate_column;
  spec.format_hint = " (header: " + [&] {
    std::string s;
    for (const auto& h : header) s += (s.empty() ? "" : ",") + h;
    return s;
  }() + ")";
  std::vector<std::string> labels;
  for (const auto& h : header)
    if (!same_name(h, spec.time) && !same_name(h, spec.aggregate) && !h.empty()) labels.push_back(h);
  const std::vector<std::string> names = canonical_house_names(labels);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!options.appliances.empty() &&
        std::find(options.appliances.begin(), options.appliances.end(), names[i]) == options.appliances.end())
      continue;
    for (std::size_t j = 0; j < i; ++j)
      if (names[j] == names[i])
        fail(at_line(path, 1, "columns \"" + labels[j] + "\" and \"" + labels[i] +
                                  "\" are both the appliance \"" + names[i] + "\""));
    spec.appliances.emplace_back(labels[i], names[i]);
  }
  return read_csv_table(path, house_name, "csv", spec, options);
}

}  // namespace nilm::data
