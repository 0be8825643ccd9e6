#include "eval/mode_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nilm::eval {

namespace {

struct Column {
  const char* key;     // JSON key
  const char* header;  // table header
  const char* format;  // fmt spec of the value
  double (*value)(const ModeRow&);
};

// One row of this table per column: the table, the Markdown and the JSON read the same list.
const std::vector<Column>& columns() {
  static const std::vector<Column> c = {
      {"f1", "F1", "{:.3f}", [](const ModeRow& r) { return r.metrics.f1; }},
      {"mcc", "MCC", "{:.3f}", [](const ModeRow& r) { return r.metrics.mcc; }},
      {"accuracy", "ACC", "{:.4f}", [](const ModeRow& r) { return r.metrics.accuracy; }},
      {"mae_w", "MAE W", "{:.2f}", [](const ModeRow& r) { return r.metrics.mae_w; }},
      {"sae", "SAE", "{:.3f}", [](const ModeRow& r) { return r.metrics.sae; }},
      {"nde", "NDE", "{:.3f}", [](const ModeRow& r) { return r.metrics.nde; }},
      {"epd_error_pct", "EpD_e %", "{:.1f}", [](const ModeRow& r) { return r.metrics.epd_error_pct; }},
      {"latency_us_1", "µs 1 thr", "{:.0f}", [](const ModeRow& r) { return r.latency_us_1; }},
      {"latency_us_n", "µs N thr", "{:.0f}", [](const ModeRow& r) { return r.latency_us_n; }},
      {"disk_mb", "disk MB", "{:.2f}", [](const ModeRow& r) { return double(r.disk_bytes) / 1e6; }},
      {"runtime_mb", "RAM MB", "{:.2f}", [](const ModeRow& r) { return double(r.runtime_bytes()) / 1e6; }},
  };
  return c;
}

std::string cell(const Column& c, const ModeRow& r) {
  const double v = c.value(r);
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  return fmt::format(fmt::runtime(c.format), v);
}

std::string header_of(const Column& c, const std::vector<ModeRow>& rows) {
  std::string h = c.header;
  const int n = rows.empty() ? 1 : rows.front().threads_n;
  if (std::string(c.key) == "latency_us_n") h = fmt::format("µs {} thr", n);
  return h;
}

std::size_t display_width(const std::string& s) {  // UTF-8 code points ("µ" is two bytes)
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

std::string pad_left(const std::string& s, std::size_t w) {
  const std::size_t d = display_width(s);
  return d >= w ? s : std::string(w - d, ' ') + s;
}

}  // namespace

std::string format_mode_table(const std::vector<ModeRow>& rows) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> head = {"mode"};
  for (const auto& c : columns()) head.push_back(header_of(c, rows));
  cells.push_back(head);
  for (const auto& r : rows) {
    std::vector<std::string> line = {r.mode};
    for (const auto& c : columns()) line.push_back(cell(c, r));
    cells.push_back(line);
  }
  std::vector<std::size_t> width(head.size(), 0);
  for (const auto& line : cells)
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], display_width(line[i]));
  std::string out;
  for (const auto& line : cells) {
    out += line[0] + std::string(width[0] - display_width(line[0]), ' ');
    for (std::size_t i = 1; i < line.size(); ++i) out += "  " + pad_left(line[i], width[i]);
    out += "\n";
  }
  for (const auto& r : rows)
    if (!r.note.empty()) out += r.mode + ": " + r.note + "\n";
  return out;
}

std::string mode_table_markdown(const std::vector<ModeRow>& rows) {
  std::string out = "| mode |";
  std::string rule = "|---|";
  for (const auto& c : columns()) out += " " + header_of(c, rows) + " |", rule += "---:|";
  out += "\n" + rule + "\n";
  for (const auto& r : rows) {
    out += "| " + r.mode + " |";
    for (const auto& c : columns()) out += " " + cell(c, r) + " |";
    out += "\n";
  }
  return out;
}

nlohmann::json mode_rows_to_json(const std::vector<ModeRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o;
    o["mode"] = r.mode;
    o["path"] = r.path;
    o["house"] = r.house;
    o["threads_n"] = r.threads_n;
    o["disk_bytes"] = r.disk_bytes;
    o["arena_bytes"] = r.arena_bytes;
    o["weights_bytes"] = r.weights_bytes;
    o["prepared_bytes"] = r.prepared_bytes;
    o["kept_float"] = r.kept_float;
    o["note"] = r.note;
    for (const auto& c : columns()) {
      const double v = c.value(r);
      if (std::isfinite(v))
        o[c.key] = v;
      else
        o[c.key] = std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    }
    out.push_back(std::move(o));
  }
  return out;
}

namespace {
void write_text(const std::string& text, const std::string& path) {
  std::ofstream f(path);
  if (!f) fail(path + ": cannot write");
  f << text;
  if (!f) fail(path + ": write failed");
}
}  // namespace

void write_mode_markdown(const std::vector<ModeRow>& rows, const std::string& path) {
  write_text(mode_table_markdown(rows), path);
}

void write_mode_json(const std::vector<ModeRow>& rows, const std::string& path) {
  write_text(mode_rows_to_json(rows).dump(2) + "\n", path);
}

}  // namespace nilm::eval
