// benchmark_model on a .tflite file written here: run counts and budgets, file and weight sizes
// checked independently, the memory readers, and the three tables built from the results.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/tflite.h"
#include "perf/benchmark.h"
#include "perf/memory.h"
#include "runtime/sample_graphs.h"

namespace nilm::perf {
namespace {

namespace fs = std::filesystem;

class Bench : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nilm_perf_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "cnn99.tflite").string();
    graph_ = runtime::cnn_graph(3, 99);
    model::save_tflite(graph_, path_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  BenchOptions quick() const {
    BenchOptions o;
    o.warmup = 1;
    o.runs = 5;
    o.profile_runs = 2;
    return o;
  }
  fs::path dir_;
  std::string path_;
  model::Graph graph_;
};

TEST_F(Bench, MeasuresAFile) {
  const BenchResult r = benchmark_model(path_, quick());
  EXPECT_EQ(r.latency.runs, 5u);
  EXPECT_GT(r.latency.min_us, 0.0);
  EXPECT_LE(r.latency.min_us, r.latency.median_us);
  EXPECT_LE(r.latency.median_us, r.latency.p90_us);
  EXPECT_LE(r.latency.p90_us, r.latency.p99_us);
  EXPECT_EQ(r.file_bytes, fs::file_size(path_));
  std::size_t weights = 0;  // the graph's float constants + int32 shape operands, counted here
  for (const auto& t : graph_.tensors)
    if (t.is_constant()) weights += std::size_t(t.elements()) * model::element_size(t.type);
  EXPECT_EQ(r.weights_bytes, weights);
  EXPECT_LT(r.weights_bytes, r.file_bytes);
  EXPECT_GT(r.arena_bytes, 0u);
  EXPECT_EQ(r.profile.runs, 2u);
  EXPECT_FALSE(r.kernels.empty());
  if (fs::exists("/proc/self/status")) {
    EXPECT_GT(r.peak_rss_bytes, 0u);
  }
}

TEST_F(Bench, TimeBudgetAndBatch) {
  BenchOptions o = quick();
  o.runs = 0;
  o.seconds = 0.05;
  o.profile_runs = 0;
  o.batch = 4;
  const auto t0 = std::chrono::steady_clock::now();
  const BenchResult r = benchmark_model(path_, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(r.latency.runs, 1u);
  EXPECT_GE(r.latency.mean_us * double(r.latency.runs), 0.5 * 0.05e6);  // it used the budget
  EXPECT_LT(s, 5.0);
  EXPECT_EQ(r.batch, 4);
  EXPECT_TRUE(r.batch_note.empty());
  EXPECT_EQ(r.profile.runs, 0u);
}

// --batch auto: the batch nilm evaluate would run, the timings it was chosen from in the note.
TEST_F(Bench, AutoBatchRunsTheFastestCandidate) {
  BenchOptions o = quick();
  o.auto_batch = true;
  o.profile_runs = 0;
  const BenchResult r = benchmark_model(path_, o);
  EXPECT_TRUE(r.batch == 1 || r.batch == 4 || r.batch == 16 || r.batch == 64) << r.batch;
  EXPECT_EQ(r.batch_note.rfind("batch " + std::to_string(r.batch) + ", the fastest per window of 1: ", 0), 0u)
      << r.batch_note;
  EXPECT_EQ(r.latency.runs, 5u);
}

TEST_F(Bench, ClearErrors) {
  BenchOptions o = quick();
  try {
    benchmark_model((dir_ / "missing.tflite").string(), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.tflite"), std::string::npos) << e.what();
  }
  const std::string junk = (dir_ / "junk.tflite").string();
  std::ofstream(junk) << "not a flatbuffer at all";
  try {
    benchmark_model(junk, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.tflite"), std::string::npos) << e.what();
  }
  o.runs = 0;
  EXPECT_THROW(benchmark_model(path_, o), Error);  // neither runs nor a budget
  o = quick();
  o.threads = 0;
  EXPECT_THROW(benchmark_model(path_, o), Error);
}

TEST_F(Bench, TablesAgreeWithResults) {
  BenchOptions o = quick();
  std::vector<BenchResult> results{benchmark_model(path_, o)};
  o.threads = 2;
  results.push_back(benchmark_graph(graph_, "sample", o));
  const Table summary = summary_table(results), types = op_type_table(results), nodes = node_table(results);
  ASSERT_EQ(summary.rows.size(), 2u);
  EXPECT_EQ(nodes.rows.size(), 2u * graph_.ops.size());
  EXPECT_EQ(node_table(results, 3).rows.size(), 6u);
  const auto j = nlohmann::json::parse(to_json({&summary, &types, &nodes}));
  const auto& s0 = j["summary"][0];
  EXPECT_EQ(s0["model"], "cnn99.tflite");
  EXPECT_EQ(s0["threads"], 1);
  EXPECT_EQ(s0["runs"], 5);
  EXPECT_NEAR(s0["median_ms"].get<double>(), results[0].latency.median_us / 1e3, 0.0005 + 1e-12);
  EXPECT_EQ(s0["file_bytes"], results[0].file_bytes);
  EXPECT_DOUBLE_EQ(s0["vs_first"].get<double>(), 1.0);
  EXPECT_TRUE(j["summary"][1]["file_bytes"].is_null());  // a graph has no file
  EXPECT_EQ(j["summary"][1]["threads"], 2);
  // Per model, the op types' and the nodes' avg_ms sum to the same total (table rounding aside).
  for (const auto& r : results) {
    double by_type = 0, by_node = 0;
    const std::string name = fs::path(r.model).filename().string();
    for (const auto& row : j["op_types"])
      if (row["model"] == name && row["threads"] == r.threads) by_type += row["avg_ms"].get<double>();
    for (const auto& row : j["nodes"])
      if (row["model"] == name && row["threads"] == r.threads) by_node += row["avg_ms"].get<double>();
    EXPECT_NEAR(by_type, r.profile.ops_ms, 0.0001 * double(r.profile.by_type.size()));
    EXPECT_NEAR(by_node, r.profile.ops_ms, 0.0001 * double(r.profile.by_node.size()));
  }
  const Table side = op_type_comparison(results);
  EXPECT_EQ(side.columns.size(), 3u);
  EXPECT_EQ(side.rows.size(), results[0].profile.by_type.size() + 1);  // + the total row
}

TEST(Memory, ParsesVmHwm) {
  EXPECT_EQ(parse_vm_hwm("Name:\tnilm\nVmPeak:\t  999 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n"), 1234u * 1024);
  EXPECT_EQ(parse_vm_hwm("VmHWM: 7 kB"), 7u * 1024);
  EXPECT_EQ(parse_vm_hwm("XVmHWM:\t5 kB\n"), 0u);  // not at a line start
  EXPECT_EQ(parse_vm_hwm("VmRSS:\t5 kB\n"), 0u);
  EXPECT_EQ(parse_vm_hwm("VmHWM:\tlots kB\n"), 0u);
  EXPECT_EQ(parse_vm_hwm("VmHWM:\t5 MB\n"), 0u);
  EXPECT_EQ(parse_vm_hwm(""), 0u);
}

TEST(Memory, PeakRssSeesATouchedBufferAndResets) {
  if (!fs::exists("/proc/self/status")) GTEST_SKIP() << "no /proc";
  const std::size_t before = peak_rss_bytes();
  ASSERT_GT(before, 0u);
  constexpr std::size_t kBytes = 64u << 20;
  {
    std::vector<unsigned char> big(kBytes, 1);  // touched: resident
    EXPECT_GE(peak_rss_bytes(), before + kBytes * 9 / 10);
  }
  if (!reset_peak_rss()) GTEST_SKIP() << "this kernel cannot reset VmHWM";
  EXPECT_LT(peak_rss_bytes(), before + kBytes / 2);  // the freed buffer no longer counts
}

TEST(Memory, ConstantBytesCountsEveryConstant) {
  const model::Graph g = runtime::cnn_graph(1, 99);
  std::size_t want = 0;
  for (const auto& t : g.tensors)
    if (t.is_constant()) want += t.byte_size();
  EXPECT_EQ(constant_bytes(g), want);
  EXPECT_GT(want, 4u * 1000000);  // the dense layers of a window-99 CNN: > 1 M floats
}

}  // namespace
}  // namespace nilm::perf
