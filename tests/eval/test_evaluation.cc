// Evaluation on a real prepared store: baselines against hand-computed values, per-house and
// pooled rows, the plot, the table / JSON / CSV reports.
#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/store.h"
#include "eval/evaluation.h"
#include "eval/report.h"

// fontconfig (behind cairo's text) keeps process-wide caches it never frees: not our leak, so
// LeakSanitizer (NILM_SANITIZE builds) is told to ignore it.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }

namespace nilm::eval {
namespace {

namespace fs = std::filesystem;

// Kettle on (2000 W) for 5 samples out of every `every`, from `phase`.
data::HouseSeries house(const std::string& name, std::size_t n, std::size_t every, std::size_t phase) {
  data::HouseSeries h;
  h.name = name;
  h.source = "test";
  h.period_s = 8;
  h.start_unix = 1700000000;
  h.missing.assign(n, 0);
  std::vector<float> kettle(n);
  for (std::size_t i = 0; i < n; ++i) {
    kettle[i] = (i + phase) % every < 5 ? 2000.0f : 0.0f;
    h.aggregate.push_back(300.0f + kettle[i]);
  }
  h.appliances.push_back({"kettle", kettle});
  return h;
}

class EvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ctest runs each test in its own process, in parallel: one folder per test.
    dir_ = (fs::temp_directory_path() /
            ("nilm_test_evaluation_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data::StoreWriter writer(dir_ + "/store", 8.0, data::builtin_appliance_table());
    writer.add_house(house("HouseA", 4000, 100, 0));   // train: on 5 of every 100
    writer.add_house(house("HouseB", 3000, 200, 30));  // test
    writer.add_house(house("HouseC", 2000, 50, 7));    // test
    data::Splits splits;
    splits["kettle"].train = {"HouseA"};
    splits["kettle"].test = {"HouseB", "HouseC"};
    writer.commit(splits);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

// Plain reference: MAE of a constant prediction over the scored samples (no gaps: 299..n-300).
double constant_mae(const data::HouseSeries& h, float value) {
  double s = 0;
  const auto& t = h.appliances[0].watts;
  std::size_t n = t.size();
  for (std::size_t i = 299; i + 299 < n; ++i) s += std::abs(value - t[i]);
  return s / static_cast<double>(n - 598);
}

TEST_F(EvaluationTest, BaselinesRowsPlotAndReports) {
  auto store = data::Store::open(dir_ + "/store");
  EXPECT_DOUBLE_EQ(training_target_mean_w(store, "kettle"), 100.0);  // 2000 W x 5 / 100

  std::vector<ModelUnderTest> models;
  EvaluationOptions options;
  options.appliance = "kettle";
  options.threads = 2;
  options.show_progress = false;
  PlotRequest plot{dir_ + "/plot.png", "HouseC", 1, 2};
  auto rows = evaluate_store(store, models, options, plot);

  ASSERT_EQ(rows.size(), 6u);  // 2 baselines x (HouseB, HouseC, all)
  EXPECT_EQ(rows[0].model, "baseline:off");
  EXPECT_EQ(rows[0].house, "HouseB");
  EXPECT_EQ(rows[2].house, "all");
  EXPECT_EQ(rows[3].model, "baseline:mean");

  auto hb = house("HouseB", 3000, 200, 30), hc = house("HouseC", 2000, 50, 7);
  const auto& off_b = rows[0].metrics;
  EXPECT_EQ(off_b.samples, 3000u - 598u);
  EXPECT_NEAR(off_b.mae_w, constant_mae(hb, 0), 1e-9);
  EXPECT_DOUBLE_EQ(off_b.sae, 1);   // predicted energy 0
  EXPECT_DOUBLE_EQ(off_b.recall, 0);
  EXPECT_TRUE(std::isnan(off_b.precision));
  EXPECT_DOUBLE_EQ(off_b.f1, 0);
  EXPECT_DOUBLE_EQ(off_b.epd_pred_wh, 0);
  EXPECT_EQ(rows[0].edge_samples, 598u);

  EXPECT_NEAR(rows[4].metrics.mae_w, constant_mae(hc, 100), 1e-4);
  // pooled MAE is the sample-weighted mean of the houses'
  double pooled = (constant_mae(hb, 100) * 2402 + constant_mae(hc, 100) * 1402) / (2402 + 1402);
  EXPECT_NEAR(rows[5].metrics.mae_w, pooled, 1e-4);
  EXPECT_EQ(rows[5].metrics.samples, 2402u + 1402u);
  // 100 W never reaches the 1500 W threshold: no predicted activations
  EXPECT_EQ(rows[4].pred_activations, 0u);
  EXPECT_GT(rows[4].true_activations, 0u);

  // The plot exists with the chosen size.
  auto* png = cairo_image_surface_create_from_png(plot.path.c_str());
  ASSERT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(png), 1400);
  cairo_surface_destroy(png);

  // Reports: same rows everywhere, nan printed as such.
  std::string table = format_table(rows);
  EXPECT_NE(table.find("| baseline:mean"), std::string::npos);
  EXPECT_NE(table.find("nan"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 8);  // header, rule, 6 rows
  std::string csv = rows_to_csv(rows);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  EXPECT_EQ(csv.rfind("appliance,model,house,samples,mae_w", 0), 0u);
  write_json(rows, dir_ + "/r.json");
  auto j = nlohmann::json::parse(std::ifstream(dir_ + "/r.json"));
  ASSERT_EQ(j.size(), 6u);
  EXPECT_EQ(j[0]["precision"], "nan");
  EXPECT_EQ(j[1]["house"], "HouseC");
  EXPECT_NEAR(j[4]["mae_w"].get<double>(), rows[4].metrics.mae_w, 1e-12);
}

TEST_F(EvaluationTest, WrongApplianceHouseOrModelIsAnError) {
  auto store = data::Store::open(dir_ + "/store");
  std::vector<ModelUnderTest> none;
  EvaluationOptions options;
  options.show_progress = false;
  options.appliance = "kettle";
  options.houses = {"HouseZ"};
  EXPECT_THROW(evaluate_store(store, none, options), nilm::Error);

  struct Microwave : Predictor {
    int window() const override { return 599; }
    std::string describe() const override { return "microwave model"; }
    void predict(const float*, std::size_t n, float* out) override { std::fill(out, out + n, 0.f); }
    ModelFacts facts() const override { return {"microwave"}; }
  };
  std::vector<ModelUnderTest> models;
  models.push_back({"mw.pt", share_predictor(std::make_unique<Microwave>(), 1)});
  options.houses = {};
  try {
    evaluate_store(store, models, options);
    FAIL() << "no error";
  } catch (const nilm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("trained for microwave"), std::string::npos);
  }
}

}  // namespace
}  // namespace nilm::eval

namespace nilm::eval {
namespace {

EvalRow row(const std::string& model, const std::string& house, double mae, double f1) {
  EvalRow r;
  r.appliance = "kettle", r.model = model, r.house = house;
  r.metrics.mae_w = mae, r.metrics.f1 = f1;
  return r;
}

TEST(Report, ComparesEachModelToTheBestBaseline) {
  std::vector<EvalRow> rows{row("m.pt", "House2", 12.5, 0.7), row("m.pt", "House5", 30, 0.2),
                            row("m.pt", "all", 20, 0.5),
                            row("baseline:off", "House2", 17, 0), row("baseline:off", "House5", 9, 0),
                            row("baseline:off", "all", 15, 0),
                            row("baseline:mean", "all", 25, NAN)};
  std::string text = compare_to_baselines(rows);
  // one line, for the pooled row; MAE 20 > 15 (baseline:off): worse; F1 0.5 > 0: better
  EXPECT_EQ(text, "m.pt (all): MAE 20.00 W vs 15.00 W (baseline:off): worse; F1 0.500 vs 0.000 "
                  "(baseline:off): better\n");
  EXPECT_EQ(compare_to_baselines({row("m.pt", "House2", 1, 1)}), "");
}

}  // namespace
}  // namespace nilm::eval
