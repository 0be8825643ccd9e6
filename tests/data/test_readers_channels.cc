// UK-DALE and REDD readers: labels, channel files, mains legs, and every bad-input case.
#include <gtest/gtest.h>

#include "data/appliance_names.h"
#include "data/readers.h"
#include "data/redd.h"
#include "data/ukdale.h"
#include "readers_fixtures.h"

namespace nilm::data {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_file;

// Lines "t w" at t0, t0+step, ... with the given values.
std::string dat(long long t0, int step, const std::vector<std::string>& values) {
  std::string s;
  for (std::size_t i = 0; i < values.size(); ++i)
    s += std::to_string(t0 + step * static_cast<long long>(i)) + " " + values[i] + "\n";
  return s;
}

TEST(ApplianceNames, DatasetLabelsMapOntoCanonicalNames) {
  EXPECT_EQ(canonical_appliance("dish_washer"), "dishwasher");
  EXPECT_EQ(canonical_appliance("dishwaser"), "dishwasher");
  EXPECT_EQ(canonical_appliance("Refrigerator"), "fridge");
  EXPECT_EQ(canonical_appliance("Washing Machine"), "washing_machine");
  EXPECT_EQ(canonical_appliance("Television Site"), "television_site");
  EXPECT_EQ(canonical_appliance("  Kettle "), "kettle");
  EXPECT_TRUE(is_mains_label("mains"));
  EXPECT_TRUE(is_mains_label("Mains_2"));
  EXPECT_TRUE(is_mains_label("aggregate"));
  EXPECT_FALSE(is_mains_label("kettle"));
  // A fridge-freezer / washer-dryer stands in only where the house has no fridge / washer.
  EXPECT_EQ(canonical_house_names({"fridge_freezer", "washer_dryer"}),
            (std::vector<std::string>{"fridge", "washing_machine"}));
  EXPECT_EQ(canonical_house_names({"fridge", "fridge_freezer", "washer_dryer", "washing_machine"}),
            (std::vector<std::string>{"fridge", "fridge_freezer", "washer_dryer", "washing_machine"}));
}

TEST(UkdaleReader, ReadsLabelledChannelsOntoOneGrid) {
  TempDir dir;
  const std::string h = dir / "house_1";
  write_file(h + "/labels.dat", "1 aggregate\n2 kettle\n3 dish_washer\n4 fridge_freezer\n");
  write_file(h + "/channel_1.dat", dat(600, 6, {"100", "110", "120", "130", "140"}));  // 600..624
  write_file(h + "/channel_2.dat", dat(600, 6, {"0", "2000", "2000", "0", "0"}));
  write_file(h + "/channel_3.dat", dat(606, 6, {"10", "10", "10", "10"}));  // starts 6 s later
  write_file(h + "/channel_4.dat", dat(600, 6, {"80", "80", "0", "0", "0"}));
  ReadOptions o;
  o.period_s = 12;
  HouseSeries s = read_house(Format::ukdale, {"house_1", h}, o);
  EXPECT_EQ(s.source, "ukdale");
  EXPECT_EQ(s.start_unix, 600);
  ASSERT_EQ(s.size(), 3u);  // [600,612) [612,624) [624,636)
  EXPECT_FLOAT_EQ(s.aggregate[0], 105);
  EXPECT_FLOAT_EQ(s.aggregate[1], 125);
  EXPECT_FLOAT_EQ(s.aggregate[2], 140);
  EXPECT_FLOAT_EQ(s.find("kettle")->watts[0], 1000);
  EXPECT_FLOAT_EQ(s.find("dishwasher")->watts[0], 10);  // only the sample at 606
  EXPECT_FLOAT_EQ(s.find("fridge")->watts[0], 80);      // the house's fridge is its fridge-freezer
  EXPECT_EQ(s.counts.rows_read, 5u + 5u + 4u + 5u);
}

TEST(UkdaleReader, MissingLabelsChannelsAndBadLinesAreErrors) {
  TempDir dir;
  const std::string h = dir / "house_1";
  write_file(h + "/channel_1.dat", dat(600, 6, {"100", "110"}));
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "house_1/labels.dat: missing");
  write_file(h + "/labels.dat", "");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "labels.dat: no channel labels");
  write_file(h + "/labels.dat", "1 aggregate\nkettle 2\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "labels.dat:2: expected \"channel_number label\"");
  write_file(h + "/labels.dat", "1 aggregate\n1 kettle\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "labels.dat:2: channel 1 is labelled twice");
  write_file(h + "/labels.dat", "2 kettle\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "no channel 1 (the aggregate)");
  write_file(h + "/labels.dat", "1 aggregate\n2 kettle\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "channel_2.dat: missing");
  write_file(h + "/channel_2.dat", "");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "channel_2.dat: file is empty");
  write_file(h + "/channel_2.dat", "600 1\n606 x\n612 1\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "channel_2.dat:2: expected \"unix_seconds watts\"");
  write_file(h + "/channel_2.dat", "600 1\n606 1 7\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "channel_2.dat:2:");
  write_file(h + "/channel_2.dat", "600 1\n-5 1\n");
  error_of([&] { read_house(Format::ukdale, {"house_1", h}, {}); }, "channel_2.dat:2: not a valid epoch time");
}

TEST(UkdaleReader, CleaningPoliciesAreCounted) {
  TempDir dir;
  const std::string h = dir / "house_1";
  write_file(h + "/labels.dat", "1 aggregate\n2 kettle\n3 toaster\n");
  write_file(h + "/channel_1.dat", "600 100\n606 100\n606 130\n603 999\n612 nan\n618 -4\n624 100\n630");  // last line cut short
  write_file(h + "/channel_2.dat", "600\t5000\r\n606\t1\r\n\r\n612 1\n");  // tabs, CRLF, blank line
  write_file(h + "/channel_3.dat", "600 nan\n606 NaN\n");
  HouseSeries s = read_house(Format::ukdale, {"house_1", h}, {});
  const CleaningCounts& c = s.counts;
  EXPECT_EQ(c.duplicate_times, 1u);
  EXPECT_EQ(c.non_monotonic, 1u);
  EXPECT_EQ(c.nan_values, 3u);
  EXPECT_EQ(c.negative_values, 1u);
  EXPECT_EQ(c.clipped_values, 1u);  // kettle 5000 W > 4 kW
  EXPECT_EQ(c.rows_rejected, 1u);   // "630": the cut last line
  EXPECT_EQ(c.empty_channels, 1u);  // toaster: no valid sample, dropped
  EXPECT_EQ(s.find("toaster"), nullptr);
  EXPECT_FLOAT_EQ(s.find("kettle")->watts[0], (4000 + 1) / 2.0f);
}

TEST(ReddReader, SumsTheTwoMainsLegsAndTwoLegAppliances) {
  TempDir dir;
  const std::string h = dir / "low_freq/house_3";
  write_file(h + "/labels.dat", "1 mains\n2 mains\n3 refrigerator\n4 washer_dryer\n5 washer_dryer\n6 dishwaser\n");
  write_file(h + "/channel_1.dat", dat(1000, 1, {"100", "102", "104", "106", "108", "110", "112", "114"}));
  write_file(h + "/channel_2.dat", dat(1000, 1, {"50", "50", "50", "50", "50", "50", "50", "60"}));
  write_file(h + "/channel_3.dat", dat(1000, 3, {"90", "90", "93"}));
  write_file(h + "/channel_4.dat", dat(1000, 3, {"200", "200", "200"}));
  write_file(h + "/channel_5.dat", dat(1000, 3, {"300", "300", "300"}));
  write_file(h + "/channel_6.dat", dat(1000, 3, {"1", "2", "3"}));
  auto houses = discover_houses(Format::redd, dir.str());
  ASSERT_EQ(houses.size(), 1u);
  EXPECT_EQ(houses[0].name, "house_3");
  HouseSeries s = read_house(Format::redd, houses[0], {});
  EXPECT_EQ(s.source, "redd");
  ASSERT_EQ(s.size(), 1u);  // [1000, 1008)
  EXPECT_FLOAT_EQ(s.aggregate[0], 107 + 51.25);  // leg means: 107 and (7*50+60)/8
  EXPECT_FLOAT_EQ(s.find("fridge")->watts[0], 91);
  EXPECT_FLOAT_EQ(s.find("washing_machine")->watts[0], 500);
  EXPECT_FLOAT_EQ(s.find("dishwasher")->watts[0], 2);
}

TEST(ReddReader, AHouseWithoutMainsIsAnError) {
  TempDir dir;
  const std::string h = dir / "house_1";
  write_file(h + "/labels.dat", "3 refrigerator\n");
  write_file(h + "/channel_3.dat", dat(1000, 3, {"90"}));
  error_of([&] { read_house(Format::redd, {"house_1", h}, {}); }, "labels.dat: no \"mains\" channel");
}

}  // namespace
}  // namespace nilm::data
