// One row model, three renderings (like llama-bench): a terminal table (Markdown pipes, so it
// pastes into docs), CSV (RFC 4180) and JSON. Every number is formatted once with its column's
// precision, so the three outputs show exactly the same values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace nilm::perf {

struct Column {
  std::string name;   // also the JSON key and the CSV header: snake_case ("median_ms")
  int precision = 0;  // decimals for floating-point cells
};

// A missing value (e.g. an unknown peak RSS) is std::monostate: "-" in the table, empty in CSV,
// null in JSON.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double>;

struct Table {
  std::string name;  // the JSON key of this table ("summary", "op_types", "nodes")
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // each row has one cell per column

  void add_row(std::vector<Cell> row);  // throws nilm::Error if the cell count is wrong
};

// The cell as text: numbers with the column's precision; non-finite doubles as "nan"/"inf".
std::string format_cell(const Cell& cell, const Column& column);

// | a | b |, a |---| rule, then rows; text left-aligned, numbers right-aligned, padded.
std::string to_markdown(const Table& table);
// Header line then one line per row; fields with , " or newlines quoted, quotes doubled.
std::string to_csv(const Table& table);
// {"<name>": [{"col": value, ...}, ...], ...}: numbers as JSON numbers (null if not finite).
std::string to_json(const std::vector<const Table*>& tables);
// A JSON string literal (quotes, backslash and control characters escaped).
std::string json_string(const std::string& text);

}  // namespace nilm::perf
