// REFIT reader: the built-in column mapping, the JSON override, and every bad-input case.
#include <gtest/gtest.h>

#include <set>

#include "data/readers.h"
#include "data/refit_format.h"
#include "data/refit_mapping.h"
#include "readers_fixtures.h"

namespace nilm::data {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_file;

const char* kHeader =
    "Time,Unix,Aggregate,Appliance1,Appliance2,Appliance3,Appliance4,Appliance5,Appliance6,"
    "Appliance7,Appliance8,Appliance9,Issues\n";

// A REFIT row: unix, aggregate, nine appliance values as text, issues.
std::string row(long long t, const std::string& agg, const std::string& apps = "1,2,3,4,5,6,7,8,9",
                int issues = 0) {
  return "2013-10-09 13:06:17," + std::to_string(t) + "," + agg + "," + apps + "," +
         std::to_string(issues) + "\n";
}

HouseSeries read(const std::string& dir, const std::string& file = "CLEAN_House2.csv",
                 ReadOptions o = {}) {
  return read_house(Format::refit, {"House2", dir + "/" + file}, o);
}

TEST(RefitMapping, BuiltInTableCoversTheTwentyHouses) {
  const RefitMapping& m = builtin_refit_mapping();
  EXPECT_EQ(m.size(), 20u);
  for (int h = 1; h <= 21; ++h) EXPECT_EQ(m.count("House" + std::to_string(h)), h == 14 ? 0u : 1u) << h;
  for (const auto& [house, names] : m) {
    std::set<std::string> seen;
    for (const auto& n : names) {
      if (n.empty()) continue;
      EXPECT_TRUE(seen.insert(n).second) << house << " repeats " << n;
      for (char c : n) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_') << n;
    }
  }
}

// The channels the seq2point REFIT scripts use for the five appliances (house, Appliance k).
TEST(RefitMapping, AgreesWithTheSeq2pointChannelChoices) {
  const std::map<std::string, std::vector<std::pair<int, int>>> seq2point = {
      {"kettle", {{2, 8}, {3, 9}, {4, 9}, {5, 8}, {6, 7}, {7, 9}, {8, 9}, {9, 7}, {12, 4}, {13, 9}, {19, 5}, {20, 9}}},
      {"microwave", {{2, 5}, {3, 8}, {4, 8}, {5, 7}, {6, 6}, {8, 8}, {9, 6}, {10, 8}, {12, 3}, {13, 8}, {15, 7}, {17, 7}, {19, 4}}},
      {"fridge", {{2, 1}, {5, 1}, {9, 1}, {12, 1}, {15, 1}}},
      {"dishwasher", {{5, 4}, {7, 6}, {9, 4}, {13, 4}, {16, 6}, {18, 6}, {20, 5}}},
      {"washing_machine", {{2, 2}, {5, 3}, {7, 5}, {8, 4}, {9, 3}, {15, 3}, {16, 5}, {17, 4}, {18, 5}}},
  };
  const RefitMapping& m = builtin_refit_mapping();
  for (const auto& [appliance, channels] : seq2point)
    for (auto [house, k] : channels)
      EXPECT_EQ(m.at("House" + std::to_string(house))[k - 1], appliance) << "House" << house << " Appliance" << k;
}

TEST(RefitReader, ReadsTheLayoutTheWriterWrites) {
  TempDir dir;
  RefitTable t;
  t.appliances.resize(kRefitApplianceColumns);
  for (int i = 0; i < 5; ++i) {
    t.unix_s.push_back(1'381'323'976 + 8 * i);  // a multiple of 8 plus 0: one row per grid sample
    t.aggregate.push_back(500.0f + i);
    for (int k = 0; k < kRefitApplianceColumns; ++k) t.appliances[k].push_back(static_cast<float>(10 * k + i));
    t.issues.push_back(i == 2);
  }
  write_refit_csv(dir / "CLEAN_House2.csv", t);
  HouseSeries h = read(dir.str());
  EXPECT_EQ(h.name, "House2");
  EXPECT_EQ(h.source, "refit");
  EXPECT_EQ(h.start_unix, 1'381'323'976);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.counts.rows_read, 5u);
  EXPECT_EQ(h.counts.issues_rows, 1u);
  // House2: Appliance1 fridge, 2 washing_machine, 5 microwave, 8 kettle.
  ASSERT_NE(h.find("kettle"), nullptr);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(h.aggregate[i], 500.0f + i);
    EXPECT_EQ(h.find("fridge")->watts[i], static_cast<float>(i));
    EXPECT_EQ(h.find("kettle")->watts[i], static_cast<float>(70 + i));
    EXPECT_EQ(h.find("oven_extractor_fan")->watts[i], static_cast<float>(80 + i));
    EXPECT_EQ(h.missing[i], 0);
  }
}

TEST(RefitReader, KeepsOnlyTheRequestedAppliances) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(16, "100"));
  ReadOptions o;
  o.appliances = {"kettle", "fridge", "toaster_oven"};
  HouseSeries h = read(dir.str(), "CLEAN_House2.csv", o);
  ASSERT_EQ(h.appliances.size(), 2u);
  EXPECT_EQ(h.appliances[0].name, "fridge");
  EXPECT_EQ(h.appliances[1].name, "kettle");
}

TEST(RefitReader, MappingJsonBesideTheFilesOverridesTheBuiltInTable) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100"));
  write_file(dir / "mapping.json",
             R"({"House2": ["Kettle", "Dish Washer", "", "", "", "", "", "", "Fridge-Freezer"]})");
  HouseSeries h = read(dir.str());
  ASSERT_EQ(h.appliances.size(), 3u);
  EXPECT_EQ(h.find("kettle")->watts[0], 1);
  EXPECT_EQ(h.find("dishwasher")->watts[0], 2);
  EXPECT_EQ(h.find("fridge_freezer")->watts[0], 9);
}

TEST(RefitReader, BadMappingJsonNamesTheFileAndHouse) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100"));
  write_file(dir / "mapping.json", R"({"House2": ["kettle", "fridge"]})");
  error_of([&] { read(dir.str()); }, "mapping.json: House2: expected an array of exactly 9 names");
  write_file(dir / "mapping.json", R"({"House2": ["kettle", "kettle", "", "", "", "", "", "", ""]})");
  error_of([&] { read(dir.str()); }, "appears twice");
  write_file(dir / "mapping.json", "{not json");
  error_of([&] { read(dir.str()); }, "mapping.json: not valid JSON");
}

TEST(RefitReader, UnknownHouseIsAnError) {
  TempDir dir;
  write_file(dir / "CLEAN_House14.csv", kHeader + row(8, "100"));
  error_of([&] { read_house(Format::refit, {"House14", dir / "CLEAN_House14.csv"}, {}); },
           "no appliance mapping for House14");
}

TEST(RefitReader, EmptyFileHeaderOnlyAndMissingColumnsAreErrors) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", "");
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv: file is empty");
  write_file(dir / "CLEAN_House2.csv", kHeader);
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv: no data rows");
  write_file(dir / "CLEAN_House2.csv", "Time,Aggregate,Appliance1\n");
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:1: missing column \"Unix\"");
  write_file(dir / "CLEAN_House2.csv", "Time,Unix,Aggregate,Appliance1,Issues\n" + row(8, "1"));
  error_of([&] { read(dir.str()); }, ":1: missing column \"Appliance2\"");
}

TEST(RefitReader, MalformedLinesNameFileAndLine) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(16, "1x0"));
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:3: Aggregate: not a number: \"1x0\"");
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + "2013-10-09,16,100,1,2\n" + row(24, "1"));
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:3: expected 13 fields");
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(16, "1", "1,2,3,4,5,6,7,8,9,10"));
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:3: expected 13 fields");
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + "x,,100,1,2,3,4,5,6,7,8,9,0\n");
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:3: Unix: not a valid time");
  write_file(dir / "CLEAN_House2.csv", kHeader + row(99999999999LL, "100"));
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:2: Unix: not a valid time");
  // A time far from the others would make an absurd grid of missing samples.
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(1'381'323'977, "100"));
  error_of([&] { read(dir.str()); }, "CLEAN_House2.csv:3: time jumps forward by 15987 days (more than a year)");
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(8 + 366 * 86400, "100"));
  ReadOptions hourly;
  hourly.period_s = 3600;
  EXPECT_EQ(read(dir.str(), "CLEAN_House2.csv", hourly).size(), 366u * 24 + 1);  // a year-long hole is data
}

TEST(RefitReader, TruncatedLastLineIsSkippedAndCounted) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv", kHeader + row(8, "100") + row(16, "200") + "2013-10-09 13:06:17,24,30");
  HouseSeries h = read(dir.str());
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.counts.rows_read, 2u);
  EXPECT_EQ(h.counts.rows_rejected, 1u);
}

TEST(RefitReader, OrderDuplicatesAndValuePolicies) {
  TempDir dir;
  write_file(dir / "CLEAN_House2.csv",
             kHeader + row(8, "100") +
                 row(16, "200") + row(16, "220") +           // duplicate: later row wins
                 row(12, "999") +                            // back in time: skipped
                 row(24, "", "1,2,3,4,5,6,7,-5,9") +         // empty aggregate; negative kettle
                 row(32, "NaN", "32767,2,3,4,5,6,7,8,9") +   // NaN; glitch on the fridge
                 row(40, "50000", "1,2,3,4,5,6,7,8,9", 1) +  // mains above its cap; Issues
                 "2013-10-09 13:06:17,48,300,1,2,3,4,5,6,7,8,9,0\r\n");  // CRLF is fine
  HouseSeries h = read(dir.str());
  EXPECT_EQ(h.counts.rows_read, 8u);
  EXPECT_EQ(h.counts.duplicate_times, 1u);
  EXPECT_EQ(h.counts.non_monotonic, 1u);
  EXPECT_EQ(h.counts.nan_values, 2u);
  EXPECT_EQ(h.counts.negative_values, 1u);
  EXPECT_EQ(h.counts.clipped_values, 2u);
  EXPECT_EQ(h.counts.issues_rows, 1u);
  ASSERT_EQ(h.size(), 6u);  // grid samples 1..6
  EXPECT_EQ(h.start_unix, 8);
  EXPECT_EQ(h.aggregate[1], 220);
  EXPECT_EQ(h.aggregate[2], 220);  // absent at 24: forward-filled (gap 16..40 is 24 s)
  EXPECT_EQ(h.aggregate[3], 220);
  EXPECT_EQ(h.aggregate[4], 30000);
  EXPECT_EQ(h.aggregate[5], 300);
  EXPECT_EQ(h.counts.samples_filled, 2u);
  EXPECT_EQ(h.find("kettle")->watts[2], 0);
  EXPECT_EQ(h.find("fridge")->watts[3], 4000);
}

TEST(RefitReader, DiscoversHousesSortedByNumber) {
  TempDir dir;
  for (int h : {10, 2, 1}) write_file(dir / ("CLEAN_House" + std::to_string(h) + ".csv"), kHeader);
  write_file(dir / "notes.txt", "");
  auto houses = discover_houses(Format::refit, dir.str());
  ASSERT_EQ(houses.size(), 3u);
  EXPECT_EQ(houses[0].name, "House1");
  EXPECT_EQ(houses[1].name, "House2");
  EXPECT_EQ(houses[2].name, "House10");
  error_of([&] { discover_houses(Format::refit, dir / "nowhere"); }, "no such folder");
  error_of([&] { discover_houses(Format::ukdale, dir.str()); }, "no ukdale house found");
  error_of([&] { parse_format("hdf5"); }, "unknown dataset format \"hdf5\"");
  EXPECT_EQ(parse_format("redd"), Format::redd);
}

}  // namespace
}  // namespace nilm::data
