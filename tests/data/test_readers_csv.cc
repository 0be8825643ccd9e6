// Generic CSV reader (users' own meter logs): time auto-detection, columns, bad input.
#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "data/csv_fields.h"
#include "data/readers.h"
#include "readers_fixtures.h"

namespace nilm::data {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_file;

double time_of(const std::string& text) {
  double t = -1;
  const char* end = csv::parse_time(text.data(), text.data() + text.size(), t);
  return end == text.data() + text.size() ? t : -1;
}

TEST(CsvTime, Iso8601VariantsAndEpochSeconds) {
  const double noon8 = 1709294408;  // 2024-03-01T12:00:08Z
  EXPECT_EQ(time_of("2024-03-01T12:00:08Z"), noon8);
  EXPECT_EQ(time_of("2024-03-01 12:00:08"), noon8);  // no zone: UTC
  EXPECT_EQ(time_of("2024-03-01T13:00:08+01:00"), noon8);
  EXPECT_EQ(time_of("2024-03-01T07:00:08-0500"), noon8);
  EXPECT_EQ(time_of("2024-03-01T12:00:08.500Z"), noon8 + 0.5);
  EXPECT_EQ(time_of("\"2024-03-01T12:00:08Z\""), noon8);
  EXPECT_EQ(time_of("1709294408"), noon8);
  EXPECT_EQ(time_of("1709294408.25"), noon8 + 0.25);
  EXPECT_EQ(time_of("2024-13-01T12:00:08Z"), -1);
  EXPECT_EQ(time_of("2024-03-01T12:00:08 junk"), -1);
  EXPECT_EQ(time_of("yesterday"), -1);
}

TEST(CsvTime, CivilDaysAgreeWithTimegm) {
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::tm tm{};
    tm.tm_year = 70 + static_cast<int>(rng() % 130);
    tm.tm_mon = static_cast<int>(rng() % 12);
    tm.tm_mday = 1 + static_cast<int>(rng() % 28);
    const std::int64_t want = static_cast<std::int64_t>(timegm(&tm)) / 86400;
    EXPECT_EQ(csv::days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                                   static_cast<unsigned>(tm.tm_mday)),
              want);
  }
}

TEST(GenericCsv, ReadsIsoAndEpochRowsAndNamesColumns) {
  TempDir dir;
  const std::string path = write_file(dir / "meter.csv",
                                      "\xEF\xBB\xBFtimestamp,Aggregate,Kettle,Dish Washer,Heat Pump\n"
                                      "2024-03-01T12:00:08Z,100,0,1,2\n"
                                      "2024-03-01 12:00:16,200,3000,1,2\n"
                                      "2024-03-01T13:00:24+01:00,300,0,1,\n"
                                      "1709294432,400,0,1,2\n");
  auto houses = discover_houses(Format::csv, path);  // a single file is a house too
  ASSERT_EQ(houses.size(), 1u);
  EXPECT_EQ(houses[0].name, "meter");
  HouseSeries h = read_house(Format::csv, houses[0], {});
  EXPECT_EQ(h.source, "csv");
  EXPECT_EQ(h.start_unix, 1709294408);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h.aggregate, (std::vector<float>{100, 200, 300, 400}));
  EXPECT_EQ(h.find("kettle")->watts[1], 3000);
  EXPECT_EQ(h.find("dishwasher")->watts[0], 1);
  EXPECT_EQ(h.find("heat_pump")->watts[2], 2);  // empty: forward-filled
  EXPECT_EQ(h.counts.nan_values, 1u);
  EXPECT_EQ(h.counts.samples_filled, 1u);
}

TEST(GenericCsv, NamedTimeAndAggregateColumns) {
  TempDir dir;
  write_file(dir / "a.csv", "kettle,when,total\n5,8,100\n6,16,200\n");
  ReadOptions o;
  o.csv_time_column = "when";
  o.csv_aggregate_column = "total";
  auto houses = discover_houses(Format::csv, dir.str());
  HouseSeries h = read_house(Format::csv, houses.at(0), o);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.aggregate[1], 200);
  EXPECT_EQ(h.find("kettle")->watts[0], 5);
}

TEST(GenericCsv, SemicolonAndTabSeparatedWithDecimalCommas) {
  TempDir dir;
  write_file(dir / "semi.csv", "time;aggregate;kettle\n2024-03-01 12:00:08;100,5;2000\n2024-03-01 12:00:16 ; 200 ;1,25e3\n");
  HouseSeries a = read_house(Format::csv, {"semi", dir / "semi.csv"}, {});
  EXPECT_EQ(a.aggregate, (std::vector<float>{100.5f, 200}));
  EXPECT_EQ(a.find("kettle")->watts, (std::vector<float>{2000, 1250}));
  write_file(dir / "tab.csv", "time\taggregate\tkettle\n1709294408\t7.5\t\n1709294416\t8\t3\n");
  HouseSeries b = read_house(Format::csv, {"tab", dir / "tab.csv"}, {});
  // The kettle starts at the second row, so the first grid sample is missing (all channels 0).
  EXPECT_EQ(b.missing, (std::vector<std::uint8_t>{1, 0}));
  EXPECT_EQ(b.aggregate, (std::vector<float>{0, 8}));
  EXPECT_EQ(b.find("kettle")->watts, (std::vector<float>{0, 3}));
  EXPECT_EQ(b.counts.nan_values, 1u);
  write_file(dir / "bad.csv", "time;aggregate\n8;1,2,3\n");
  error_of([&] { read_house(Format::csv, {"bad", dir / "bad.csv"}, {}); }, "bad.csv:2: aggregate: not a number: \"1,2,3\"");
}

TEST(GenericCsv, BlanksAroundValuesAndDecimalTimesInDatFiles) {
  TempDir dir;
  write_file(dir / "c.csv", "time , aggregate\n8 , 5 \n16,6\n");
  EXPECT_EQ(read_house(Format::csv, {"c", dir / "c.csv"}, {}).aggregate, (std::vector<float>{5, 6}));
  write_file(dir / "house_1/labels.dat", "1 aggregate\n");
  write_file(dir / "house_1/channel_1.dat", "1000.5 10\n1004.25\t20.5\n1008.0  30 \n");
  HouseSeries h = read_house(Format::ukdale, {"house_1", dir / "house_1"}, {});
  EXPECT_EQ(h.aggregate, (std::vector<float>{15.25f, 30}));
}

TEST(GenericCsv, BadInputNamesFileLineAndField) {
  TempDir dir;
  const std::string p = dir / "m.csv";
  write_file(p, "time,power\n8,1\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv:1: missing column \"aggregate\" (header: time,power)");
  write_file(p, "time,aggregate\n8,1\nlast tuesday,2\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv:3: time: not a valid time (epoch seconds or ISO-8601): \"last tuesday\"");
  write_file(p, "time,aggregate,kettle\n8,1,2\n16,1,two\n24,1,2\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv:3: kettle: not a number: \"two\"");
  write_file(p, "time,aggregate,Kettle,kettle\n8,1,2,3\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv:1: columns \"Kettle\" and \"kettle\" are both the appliance \"kettle\"");
  write_file(p, "");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv: file is empty");
  write_file(p, "\n8,1\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "m.csv:1: empty header line");
  write_file(p, "time,aggregate\n8,nan\n16,\n");
  error_of([&] { read_house(Format::csv, {"m", p}, {}); }, "the aggregate has no valid sample");
  ReadOptions bad;
  bad.period_s = 0;
  error_of([&] { read_house(Format::csv, {"m", p}, bad); }, "period must be positive");
}

}  // namespace
}  // namespace nilm::data
