// The modes table: terminal, Markdown and JSON show the same rows and numbers; NaN metrics
// print as "nan" (JSON has no NaN); RAM is arena + weights + packed copies.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/mode_table.h"

namespace nilm::eval {
namespace {

std::vector<ModeRow> two_rows() {
  ModeRow f;
  f.mode = "convert_only";
  f.path = "m_convert_only.tflite";
  f.house = "House5";
  f.metrics.f1 = 0.8504;
  f.metrics.mcc = 0.857;
  f.metrics.accuracy = 0.99841;
  f.metrics.mae_w = 11.534;
  f.metrics.sae = 0.583;
  f.metrics.nde = 0.378;
  f.metrics.epd_error_pct = 58.31;
  f.latency_us_1 = 1193.4;
  f.latency_us_n = 1226.0;
  f.threads_n = 2;
  f.disk_bytes = 42490000;
  f.arena_bytes = 100000;
  f.weights_bytes = 42400000;
  f.prepared_bytes = 600000;
  ModeRow q = f;
  q.mode = "w8_a8:auto";
  q.metrics.f1 = std::nan("");
  q.disk_bytes = 10690000;
  q.note = "kept float32: prediction";
  q.kept_float = 1;
  return {f, q};
}

TEST(ModeTable, TerminalMarkdownAndJsonAgree) {
  const auto rows = two_rows();
  EXPECT_EQ(rows[0].runtime_bytes(), 43100000u);

  const std::string table = format_mode_table(rows);
  EXPECT_NE(table.find("µs 2 thr"), std::string::npos);  // N in the header
  std::istringstream lines(table);
  std::string head, r0, r1, note;
  std::getline(lines, head);
  std::getline(lines, r0);
  std::getline(lines, r1);
  std::getline(lines, note);
  EXPECT_EQ(r0.rfind("convert_only ", 0), 0u);
  for (const char* v : {"0.850", "0.857", "0.9984", "11.53", "58.3", "1193", "1226", "42.49", "43.10"})
    EXPECT_NE(r0.find(v), std::string::npos) << v << " in " << r0;
  EXPECT_NE(r1.find("nan"), std::string::npos);
  EXPECT_EQ(note, "w8_a8:auto: kept float32: prediction");
  // Columns line up: every line of the table (not the note) has the same display width.
  const auto width = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  EXPECT_EQ(width(head), width(r0));
  EXPECT_EQ(width(r0), width(r1));

  const std::string md = mode_table_markdown(rows);
  EXPECT_NE(md.find("| mode | F1 | MCC | ACC | MAE W | SAE | NDE | EpD_e % | µs 1 thr | µs 2 thr | disk MB | RAM MB |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| convert_only | 0.850 | 0.857 | 0.9984 | 11.53 | 0.583 | 0.378 | 58.3 | 1193 | 1226 | 42.49 | 43.10 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| w8_a8:auto | nan |"), std::string::npos) << md;

  const auto j = mode_rows_to_json(rows);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["mode"], "convert_only");
  EXPECT_DOUBLE_EQ(j[0]["f1"].get<double>(), 0.8504);
  EXPECT_DOUBLE_EQ(j[0]["runtime_mb"].get<double>(), 43.1);
  EXPECT_EQ(j[0]["disk_bytes"].get<std::size_t>(), 42490000u);
  EXPECT_EQ(j[1]["f1"], "nan");
  EXPECT_EQ(j[1]["kept_float"].get<std::size_t>(), 1u);
}

}  // namespace
}  // namespace nilm::eval
