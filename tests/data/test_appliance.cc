#include <gtest/gtest.h>

#include "data/store_test_util.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/appliance.h"

namespace fs = std::filesystem;
using namespace nilm::data;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("nilm_test_appliance_" + name);
  std::ofstream(p) << text;
  return p.string();
}

using nilm::test::error_of;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST(Appliance, BuiltinTableIsNilmSection3) {
  const auto& t = builtin_appliances();
  ASSERT_EQ(t.size(), 5u);
  struct Row { const char* name; float thr, pm; double on, off; float lambda; };
  const Row expected[] = {{"kettle", 1500, 3100, 12, 0, 1.0f},
                          {"microwave", 200, 3000, 12, 30, 1.0f},
                          {"fridge", 50, 400, 60, 12, 1e-6f},
                          {"dishwasher", 10, 2500, 1800, 1800, 1.0f},
                          {"washing_machine", 10, 2500, 1800, 160, 1e-2f}};
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(t[i].name, expected[i].name);
    EXPECT_EQ(t[i].on_threshold_w, expected[i].thr);
    EXPECT_EQ(t[i].max_power_w, expected[i].pm);
    EXPECT_EQ(t[i].min_on_s, expected[i].on);
    EXPECT_EQ(t[i].min_off_s, expected[i].off);
    EXPECT_EQ(t[i].loss_weight, expected[i].lambda);
  }
}

TEST(Appliance, GetUnknownNamesKnownAppliances) {
  auto t = builtin_appliance_table();
  EXPECT_EQ(t.get("fridge").max_power_w, 400);
  EXPECT_EQ(t.find("toaster"), nullptr);
  auto msg = error_of([&] { t.get("toaster"); });
  EXPECT_TRUE(contains(msg, "toaster")) << msg;
  EXPECT_TRUE(contains(msg, "washing_machine")) << msg;
}

TEST(Appliance, EmptyPathIsBuiltin) {
  auto t = load_appliance_table("");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"kettle", "microwave", "fridge", "dishwasher",
                                                 "washing_machine"}));
}

TEST(Appliance, FileOverridesOneFieldAndAddsAppliances) {
  auto path = write_temp("override.json", R"({
    "kettle": {"on_threshold_w": 2000},
    "toaster": {"on_threshold_w": 300, "max_power_w": 1500, "min_on_s": 16}
  })");
  auto t = load_appliance_table(path);
  ASSERT_EQ(t.items.size(), 6u);
  EXPECT_EQ(t.get("kettle").on_threshold_w, 2000);
  EXPECT_EQ(t.get("kettle").max_power_w, 3100);  // untouched fields keep the built-in value
  EXPECT_EQ(t.get("kettle").min_on_s, 12);
  EXPECT_EQ(t.items.back().name, "toaster");
  EXPECT_EQ(t.get("toaster").max_power_w, 1500);
  EXPECT_EQ(t.get("toaster").min_on_s, 16);
  EXPECT_EQ(t.get("toaster").min_off_s, 0);   // defaults for fields a new entry leaves out
  EXPECT_EQ(t.get("toaster").loss_weight, 1);
  fs::remove(path);
}

TEST(Appliance, ArrayFormKeepsFileOrder) {
  nlohmann::json spec = nlohmann::json::parse(R"([
    {"name": "zebra_lamp", "on_threshold_w": 5, "max_power_w": 60},
    {"name": "air_fryer", "on_threshold_w": 100, "max_power_w": 1800}])");
  auto t = parse_appliance_table(spec, "spec", ApplianceTable{});
  EXPECT_EQ(t.names(), (std::vector<std::string>{"zebra_lamp", "air_fryer"}));
}

TEST(Appliance, JsonRoundTrip) {
  auto t = builtin_appliance_table();
  t.items.push_back({"toaster", 300, 1500, 16, 8, 0.5f});
  auto back = parse_appliance_table(appliance_table_to_json(t), "rt", ApplianceTable{});
  ASSERT_EQ(back.items.size(), t.items.size());
  for (std::size_t i = 0; i < t.items.size(); ++i) {
    EXPECT_EQ(back.items[i].name, t.items[i].name);
    EXPECT_EQ(back.items[i].on_threshold_w, t.items[i].on_threshold_w);
    EXPECT_EQ(back.items[i].max_power_w, t.items[i].max_power_w);
    EXPECT_EQ(back.items[i].min_on_s, t.items[i].min_on_s);
    EXPECT_EQ(back.items[i].min_off_s, t.items[i].min_off_s);
    EXPECT_EQ(back.items[i].loss_weight, t.items[i].loss_weight);
  }
}

TEST(Appliance, ErrorsNameTheFileAndField) {
  struct Case { const char* text; std::vector<std::string> parts; };
  const Case cases[] = {
      {R"({"kettle": {"on_treshold_w": 2000}})", {"kettle", "on_treshold_w", "unknown field"}},
      {R"({"kettle": {"max_power_w": -3}})", {"kettle", "max_power_w", "positive"}},
      {R"({"kettle": {"max_power_w": 0}})", {"kettle", "max_power_w", "positive"}},
      {R"({"fridge": {"min_on_s": -1}})", {"fridge", "min_on_s"}},
      {R"({"fridge": {"min_on_s": "60"}})", {"fridge", "min_on_s", "number"}},
      {R"({"toaster": {"on_threshold_w": 300}})", {"toaster", "max_power_w", "new appliance"}},
      {R"({"Big Kettle": {"on_threshold_w": 3, "max_power_w": 4}})", {"Big Kettle", "lower case"}},
      {R"({"kettle": 5})", {"kettle", "object"}},
      {R"([1, 2])", {"entry 0"}},
      {R"("kettle")", {"expected an object"}},
      {R"({"kettle": {)", {"not valid JSON"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto path = write_temp("bad.json", c.text);
    auto msg = error_of([&] { load_appliance_table(path); });
    EXPECT_TRUE(contains(msg, path)) << msg;
    for (const auto& part : c.parts) EXPECT_TRUE(contains(msg, part)) << msg;
    fs::remove(path);
  }
}

TEST(Appliance, MissingFileIsNamed) {
  auto msg = error_of([] { load_appliance_table("/nonexistent/appliances.json"); });
  EXPECT_TRUE(contains(msg, "/nonexistent/appliances.json")) << msg;
}
