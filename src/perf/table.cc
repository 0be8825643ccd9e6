#include "perf/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace nilm::perf {
namespace {

bool is_number(const Cell& c) { return std::holds_alternative<std::int64_t>(c) || std::holds_alternative<double>(c); }

std::string fixed(double v, int precision) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", std::clamp(precision, 0, 17), v);
  return buffer;
}

}  // namespace

void Table::add_row(std::vector<Cell> row) {
  if (row.size() != columns.size())
    fail("table '" + name + "': row of " + std::to_string(row.size()) + " cells, " +
         std::to_string(columns.size()) + " columns");
  rows.push_back(std::move(row));
}

std::string format_cell(const Cell& cell, const Column& column) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) return fixed(*d, column.precision);
  return "";
}

std::string to_markdown(const Table& t) {
  std::vector<std::size_t> width(t.columns.size());
  std::vector<bool> numeric(t.columns.size(), false);  // right-aligned, missing values included
  std::vector<std::vector<std::string>> text;
  for (std::size_t c = 0; c < t.columns.size(); ++c) width[c] = t.columns[c].name.size();
  for (const auto& row : t.rows) {
    auto& line = text.emplace_back();
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::string s = std::holds_alternative<std::monostate>(row[c]) ? "-" : format_cell(row[c], t.columns[c]);
      for (char& ch : s)
        if (ch == '|' || ch == '\n') ch = ch == '|' ? '/' : ' ';  // would break the table
      width[c] = std::max(width[c], s.size());
      if (is_number(row[c])) numeric[c] = true;
      line.push_back(std::move(s));
    }
  }
  auto pad = [](const std::string& s, std::size_t w, bool right) {
    const std::string fill(w - s.size(), ' ');
    return right ? fill + s : s + fill;
  };
  std::string out = "|";
  for (std::size_t c = 0; c < t.columns.size(); ++c) out += " " + pad(t.columns[c].name, width[c], false) + " |";
  out += "\n|";
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    out += numeric[c] ? std::string(width[c] + 1, '-') + ":|" : std::string(width[c] + 2, '-') + "|";
  }
  out += "\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    out += "|";
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      out += " " + pad(text[r][c], width[c], numeric[c]) + " |";
    out += "\n";
  }
  return out;
}

std::string to_csv(const Table& t) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::string out;
  for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + field(t.columns[c].name);
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + field(format_cell(row[c], t.columns[c]));
    out += "\n";
  }
  return out;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", ch);
          out += buffer;
        } else {
          out += char(ch);
        }
    }
  }
  return out + "\"";
}

std::string to_json(const std::vector<const Table*>& tables) {
  std::string out = "{";
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const Table& t = *tables[i];
    out += (i ? ",\n " : "\n ") + json_string(t.name) + ": [";
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      out += r ? ",\n  {" : "\n  {";
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const Cell& cell = t.rows[r][c];
        std::string value;
        if (std::holds_alternative<std::monostate>(cell)) value = "null";
        else if (const auto* s = std::get_if<std::string>(&cell)) value = json_string(*s);
        else if (const auto* d = std::get_if<double>(&cell); d && !std::isfinite(*d)) value = "null";
        else value = format_cell(cell, t.columns[c]);
        out += (c ? ", " : "") + json_string(t.columns[c].name) + ": " + value;
      }
      out += "}";
    }
    out += t.rows.empty() ? "]" : "\n ]";
  }
  return out + "\n}\n";
}

}  // namespace nilm::perf
