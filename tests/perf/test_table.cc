// The three renderings of one table: the Markdown table is rectangular, the CSV parses back
// (an RFC 4180 reader written here) and the JSON parses (nlohmann) to the same values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "perf/table.h"

namespace nilm::perf {
namespace {

// RFC 4180: fields separated by commas, quoted fields may hold commas, quotes ("") and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field), field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
    any = true;
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  if (any && rows.back().empty()) rows.pop_back();  // the final newline
  return rows;
}

Table sample() {
  Table t{"things", {{"name"}, {"count"}, {"ms", 3}, {"ratio", 1}}, {}};
  t.add_row({std::string("plain"), std::int64_t(3), 1.23456, 2.0});
  t.add_row({std::string("with, comma \"and\" quotes"), std::int64_t(-7), 0.0005, Cell()});
  t.add_row({std::string("tab\tand\\backslash\x01"), std::int64_t(0), std::numeric_limits<double>::quiet_NaN(), 10.25});
  return t;
}

TEST(Table, FormatsNumbersWithTheColumnPrecision) {
  const Table t = sample();
  EXPECT_EQ(format_cell(t.rows[0][2], t.columns[2]), "1.235");
  EXPECT_EQ(format_cell(t.rows[1][2], t.columns[2]), "0.001");  // the double is a hair above 0.0005
  EXPECT_EQ(format_cell(t.rows[0][1], t.columns[1]), "3");
  EXPECT_EQ(format_cell(t.rows[2][2], t.columns[2]), "nan");
  EXPECT_EQ(format_cell(t.rows[1][3], t.columns[3]), "");
}

TEST(Table, RejectsRowsOfTheWrongWidth) {
  Table t{"x", {{"a"}, {"b"}}, {}};
  EXPECT_THROW(t.add_row({std::int64_t(1)}), Error);
}

TEST(Table, MarkdownIsRectangularAndAligned) {
  const std::string md = to_markdown(sample());
  std::istringstream in(md);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u + 3u);  // header, rule, rows
  for (const auto& line : lines) {
    EXPECT_EQ(line.size(), lines[0].size()) << line;
    EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 5) << line;  // the comma row's text holds no '|'
  }
  EXPECT_NE(lines[0].find("| name "), std::string::npos);
  EXPECT_NE(lines[1].find(":|"), std::string::npos);         // numeric columns right-aligned
  EXPECT_NE(lines[3].find("|     - |"), std::string::npos);  // missing value, right-aligned
  EXPECT_NE(lines[2].find("| 1.235 |"), std::string::npos);
}

TEST(Table, CsvParsesBackToTheSameCells) {
  const Table t = sample();
  const auto rows = parse_csv(to_csv(t));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"name", "count", "ms", "ratio"}));
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    ASSERT_EQ(rows[r + 1].size(), t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c) EXPECT_EQ(rows[r + 1][c], format_cell(t.rows[r][c], t.columns[c]));
  }
  EXPECT_EQ(rows[2][0], "with, comma \"and\" quotes");
}

TEST(Table, JsonParsesToTheSameValues) {
  const Table t = sample();
  Table empty{"none", {{"a"}}, {}};
  const auto j = nlohmann::json::parse(to_json({&t, &empty}));
  ASSERT_TRUE(j.contains("things"));
  ASSERT_EQ(j["things"].size(), 3u);
  EXPECT_TRUE(j["none"].is_array() && j["none"].empty());
  EXPECT_EQ(j["things"][0]["name"], "plain");
  EXPECT_EQ(j["things"][0]["count"], 3);
  EXPECT_DOUBLE_EQ(j["things"][0]["ms"].get<double>(), 1.235);  // the table's value, not 1.23456
  EXPECT_DOUBLE_EQ(j["things"][0]["ratio"].get<double>(), 2.0);
  EXPECT_EQ(j["things"][1]["name"], "with, comma \"and\" quotes");
  EXPECT_EQ(j["things"][1]["count"], -7);
  EXPECT_TRUE(j["things"][1]["ratio"].is_null());
  EXPECT_TRUE(j["things"][2]["ms"].is_null());  // NaN is not JSON
  EXPECT_EQ(j["things"][2]["name"], "tab\tand\\backslash\x01");
}

TEST(Table, JsonStringEscapes) {
  EXPECT_EQ(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(json_string(std::string("\x1f")), "\"\\u001f\"");
  EXPECT_EQ(json_string("Wh \xc2\xb5s"), "\"Wh \xc2\xb5s\"");  // UTF-8 passes through
}

}  // namespace
}  // namespace nilm::perf
