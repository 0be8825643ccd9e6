// prepare end to end on small REFIT-layout folders written by the test: what lands in the store
// and the report is checked against hand-computed counts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/prepare.h"
#include "data/refit_format.h"
#include "data/sampler.h"
#include "data/store.h"
#include "data/ukdale.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using namespace nilm::data;
using nilm::test::contains;
using nilm::test::error_of;

namespace {

constexpr std::int64_t kStart = 1'400'000'000;  // a multiple of 8: one row per grid sample

// `rows` rows every 8 s; `kettle_col` (0-based among Appliance1..9) gets 2000 W at rows
// [100, 105) and [1000, 1002), a lone 2000 W sample at 1500 and a 5000 W glitch at 1800.
// Rows [skip_from, skip_from + skip) are left out (a meter gap).
RefitTable make_table(std::size_t rows, int kettle_col, std::size_t skip_from = 0,
                      std::size_t skip = 0) {
  RefitTable t;
  t.appliances.resize(kRefitApplianceColumns);
  for (std::size_t i = 0; i < rows; ++i) {
    if (skip && i >= skip_from && i < skip_from + skip) continue;
    float kettle = 0;
    if ((i >= 100 && i < 105) || (i >= 1000 && i < 1002) || i == 1500) kettle = 2000;
    if (i == 1800) kettle = 5000;
    t.unix_s.push_back(kStart + std::int64_t(i) * 8);
    for (int c = 0; c < kRefitApplianceColumns; ++c)
      t.appliances[std::size_t(c)].push_back(c == kettle_col ? kettle : float(5 + c));
    t.aggregate.push_back(300 + kettle);
    t.issues.push_back(0);
  }
  return t;
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in = nilm::test::temp_dir("prepare_in");
    out = nilm::test::temp_dir("prepare_out");
    fs::create_directories(in);
  }
  void TearDown() override {
    fs::remove_all(in);
    fs::remove_all(out);
  }
  // Two real REFIT house numbers so that the built-in mapping and splits apply:
  // House2's kettle is Appliance8, House5's Appliance8 too; House5 has a 400 s gap.
  void write_refit_pair() {
    write_refit_csv(in + "/CLEAN_House2.csv", make_table(2000, 7));
    write_refit_csv(in + "/CLEAN_House5.csv", make_table(2000, 7, 600, 50));
  }
  PrepareOptions options() const {
    PrepareOptions o;
    o.input_dir = in;
    o.out_dir = out;
    return o;
  }
  std::string in, out;
};

}  // namespace

TEST_F(PrepareTest, RefitFolderWithBuiltInMappingAndSplits) {
  write_refit_pair();
  auto meta = prepare_store(options());
  Store store = Store::open(out);
  EXPECT_EQ(store.houses(), (std::vector<std::string>{"House2", "House5"}));
  EXPECT_EQ(meta["source"]["format"], "refit");
  EXPECT_EQ(meta["source"]["splits"], "built-in REFIT splits");

  HouseView h2 = store.house("House2");
  EXPECT_EQ(h2.n, 2000u);
  EXPECT_EQ(h2.start_unix, kStart);
  ASSERT_NE(h2.appliance("kettle"), nullptr);
  EXPECT_EQ(h2.appliance("kettle")[100], 2000.f);
  EXPECT_EQ(h2.appliance("kettle")[1800], 4000.f);  // the glitch, clipped to --cap
  EXPECT_EQ(h2.appliance("toaster"), nullptr);      // not in the appliance table: not read
  // Kettle status (1500 W, min on 12 s = 2 samples): runs of 5 and 2 stay, the lone sample and
  // the clipped glitch go.
  const auto& e2 = meta["houses"][0];
  EXPECT_EQ(e2["appliances"]["kettle"]["activations"], 2);
  EXPECT_EQ(e2["appliances"]["kettle"]["on_samples"], 7);
  EXPECT_EQ(e2["counts"]["clipped_values"], 1);
  EXPECT_EQ(e2["missing_samples"], 0);
  // House5: the 50 left-out rows leave 408 s between real samples (> 180 s): the 50 grid
  // samples in between are missing.
  const auto& e5 = meta["houses"][1];
  EXPECT_EQ(e5["samples"], 2000);
  EXPECT_EQ(e5["missing_samples"], 50);
  HouseView h5 = store.house("House5");
  EXPECT_EQ(h5.missing[599], 0);
  EXPECT_EQ(h5.missing[600], 1);
  EXPECT_EQ(h5.missing[649], 1);
  EXPECT_EQ(h5.missing[650], 0);

  // The REFIT splits restricted to the houses present: kettle validates on 5, tests on 2.
  EXPECT_EQ(store.split("kettle", "validation"), std::vector<std::string>{"House5"});
  EXPECT_EQ(store.split("kettle", "test"), std::vector<std::string>{"House2"});
  EXPECT_TRUE(store.split("kettle", "train").empty());
  EXPECT_EQ(store.split("fridge", "train"), (std::vector<std::string>{"House2", "House5"}));

  // The report: in store.json and as text, with what was left out as warnings.
  const auto& report = meta["report"];
  EXPECT_EQ(report["totals"]["samples"], 4000);
  EXPECT_EQ(report["totals"]["missing"], 50);
  EXPECT_EQ(report["totals"]["clipped"], 2);
  EXPECT_EQ(report["totals"]["appliances"]["kettle"]["activations"], 4);
  EXPECT_EQ(report["houses"][0]["start"], "2014-05-13 16:53");
  auto text = format_prepare_report(meta);
  EXPECT_TRUE(contains(text, "House5")) << text;
  EXPECT_TRUE(contains(text, "2 / 0.35%")) << text;  // House2 kettle: 7 of 2000 samples on
  EXPECT_TRUE(contains(text, "split kettle train: House3 left out")) << text;
  EXPECT_TRUE(contains(text, "no training house for kettle")) << text;

  // The store feeds the sampler: no window crosses House5's gap.
  SamplerOptions so;
  so.window = 99;
  so.shuffle = false;
  WindowSampler s(store, "kettle", {"House5"}, so);
  EXPECT_EQ(s.size(), (600 - 98) + (1350 - 98));
}

TEST_F(PrepareTest, SimulatedLayoutUsesMappingAndSplitsBesideTheCsvFiles) {
  // Houses the built-in table does not know, as the simulator writes them.
  write_refit_csv(in + "/CLEAN_House1.csv", make_table(1200, 0));
  write_refit_csv(in + "/CLEAN_House31.csv", make_table(1200, 0));
  write_refit_csv(in + "/CLEAN_House32.csv", make_table(1200, 0));
  std::ofstream(in + "/mapping.json") << R"({
    "House1": ["kettle", "fridge", "toaster", "", "", "", "", "", ""],
    "House31": ["kettle", "fridge", "toaster", "", "", "", "", "", ""],
    "House32": ["kettle", "fridge", "toaster", "", "", "", "", "", ""]})";
  std::ofstream(in + "/splits.json") << R"({
    "kettle": {"train": ["House1", "House31"], "validation": [], "test": ["House32"]}})";
  std::ofstream(in + "/appliances.json") << R"({"toaster": {"on_threshold_w": 10, "max_power_w": 1200}})";
  auto o = options();
  o.appliances_path = in + "/appliances.json";
  auto meta = prepare_store(o);
  Store store = Store::open(out);
  EXPECT_EQ(store.houses(), (std::vector<std::string>{"House1", "House31", "House32"}));
  EXPECT_EQ(store.split("kettle", "train"), (std::vector<std::string>{"House1", "House31"}));
  EXPECT_EQ(store.split("kettle", "test"), std::vector<std::string>{"House32"});
  EXPECT_TRUE(contains(meta["source"]["splits"].get<std::string>(), "splits.json"));
  // The added appliance is stored with its status (constant 7 W < 10 W: never on).
  EXPECT_NE(store.house("House31").appliance("toaster"), nullptr);
  EXPECT_EQ(store.appliances().get("toaster").max_power_w, 1200);
  EXPECT_EQ(meta["houses"][1]["appliances"]["toaster"]["on_samples"], 0);

  // --houses by number and by name; --splits overrides the file beside the data.
  std::ofstream(in + "/other_splits.json") << R"({"kettle": {"train": ["House31"], "test": ["House1"]}})";
  o.houses = {"31", "House1"};
  o.splits_path = in + "/other_splits.json";
  prepare_store(o);
  Store s2 = Store::open(out);
  EXPECT_EQ(s2.houses(), (std::vector<std::string>{"House31", "House1"}));
  EXPECT_EQ(s2.split("kettle", "test"), std::vector<std::string>{"House1"});
}

TEST_F(PrepareTest, PositionalSplitsForOtherFormats) {
  // Generic CSV houses: no built-in splits, so the last house tests, the one before validates.
  for (const char* name : {"a", "b", "c"}) {
    std::ofstream f(in + "/" + name + ".csv");
    f << "time,aggregate,kettle\n";
    for (int i = 0; i < 300; ++i) f << kStart + i * 8 << "," << 300 << "," << (i % 50 < 4 ? 2000 : 0) << "\n";
  }
  auto o = options();
  o.format = Format::csv;
  auto meta = prepare_store(o);
  Store store = Store::open(out);
  EXPECT_EQ(store.split("kettle", "train"), std::vector<std::string>{"a"});
  EXPECT_EQ(store.split("kettle", "validation"), std::vector<std::string>{"b"});
  EXPECT_EQ(store.split("kettle", "test"), std::vector<std::string>{"c"});
  EXPECT_EQ(meta["houses"][0]["appliances"]["kettle"]["activations"], 6);
}

TEST_F(PrepareTest, UkdaleFolderGetsTheBuiltInUkdaleSplits) {
  // house_1 and house_2 meter a kettle (UK-DALE label) and a dish washer; house_5 only a kettle.
  auto raw = [](const std::string& label, float on_w) {
    RawChannel c{label, {}, {}};
    for (int i = 0; i < 600; ++i) {
      c.unix_s.push_back(kStart + i * 6);
      c.watts.push_back(i % 100 < 5 ? on_w : 0.f);
    }
    return c;
  };
  write_ukdale_house(in + "/house_1", raw("aggregate", 2500), {raw("kettle", 2400), raw("dish_washer", 2000)});
  write_ukdale_house(in + "/house_2", raw("aggregate", 2500), {raw("kettle", 2400), raw("dish_washer", 2000)});
  write_ukdale_house(in + "/house_5", raw("aggregate", 2500), {raw("kettle", 2400)});
  auto o = options();
  o.format = Format::ukdale;
  auto meta = prepare_store(o);
  Store store = Store::open(out);
  EXPECT_EQ(meta["source"]["splits"], "built-in UK-DALE splits");
  EXPECT_EQ(store.split("kettle", "train"), std::vector<std::string>{"house_1"});
  EXPECT_EQ(store.split("kettle", "validation"), std::vector<std::string>{"house_5"});
  EXPECT_EQ(store.split("kettle", "test"), std::vector<std::string>{"house_2"});
  EXPECT_TRUE(store.split("dishwasher", "validation").empty());  // house_5 has none
  EXPECT_EQ(store.split("dishwasher", "test"), std::vector<std::string>{"house_2"});
  EXPECT_NE(store.house("house_1").appliance("dishwasher"), nullptr);  // dish_washer, canonical
}

TEST_F(PrepareTest, BadInputFailsNamingTheFileAndLeavesNoStore) {
  write_refit_pair();
  auto o = options();
  o.splits_path = in + "/missing_splits.json";
  auto msg = error_of([&] { prepare_store(o); });
  EXPECT_TRUE(contains(msg, "missing_splits.json")) << msg;
  EXPECT_FALSE(fs::exists(out));

  o = options();
  o.houses = {"7"};
  msg = error_of([&] { prepare_store(o); });
  EXPECT_TRUE(contains(msg, "no house \"7\"")) << msg;
  EXPECT_TRUE(contains(msg, "House2, House5")) << msg;

  // A broken CSV: the reader's error reaches the caller; neither the store nor a partial is left.
  std::ofstream(in + "/CLEAN_House5.csv") << "Time,Unix,Aggregate\n";
  o = options();
  msg = error_of([&] { prepare_store(o); });
  EXPECT_TRUE(contains(msg, "CLEAN_House5.csv")) << msg;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".partial"));

  o.input_dir = in + "/nope";
  EXPECT_TRUE(contains(error_of([&] { prepare_store(o); }), in + "/nope"));
}

TEST(SelectHouses, ByNameOrNumber) {
  std::vector<HouseSource> found = {{"house_1", "p1"}, {"house_2", "p2"}, {"house_10", "p10"}};
  auto got = select_houses(found, {"10", "house_1", "01"});
  ASSERT_EQ(got.size(), 2u);  // "01" is house_1 again
  EXPECT_EQ(got[0].name, "house_10");
  EXPECT_EQ(got[1].name, "house_1");
  EXPECT_EQ(select_houses(found, {}).size(), 3u);
  EXPECT_TRUE(contains(error_of([&] { select_houses(found, {"House1"}); }), "House1"));
}
