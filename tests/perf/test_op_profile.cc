// The op profile: aggregation against a hand-computed case, and a real profile whose per-type
// and per-node times both sum to the ops' total, which stays within the measured invoke time.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "model/builder.h"
#include "perf/op_profile.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/sample_graphs.h"

namespace nilm::perf {
namespace {

TEST(OpProfile, AggregatesByHand) {
  // Two runs. CONV 4 ms + 2 ms, FC 5 ms, RELU 1 ms in total: per run 2, 1, 2.5, 0.5 = 6 ms.
  const std::vector<NodeSample> nodes = {{0, "CONV_2D", "conv_a", "c1", 4'000'000, 2},
                                         {1, "RELU", "relu_a", "r1", 1'000'000, 2},
                                         {2, "CONV_2D", "conv_a", "c2", 2'000'000, 2},
                                         {3, "FULLY_CONNECTED", "fc_a", "d1", 5'000'000, 2}};
  const OpProfile p = aggregate_profile(nodes, 2);
  EXPECT_EQ(p.runs, 2u);
  EXPECT_DOUBLE_EQ(p.ops_ms, 6.0);
  ASSERT_EQ(p.by_type.size(), 3u);
  EXPECT_EQ(p.by_type[0].op, "CONV_2D");
  EXPECT_EQ(p.by_type[0].count, 2);
  EXPECT_DOUBLE_EQ(p.by_type[0].avg_ms, 3.0);
  EXPECT_DOUBLE_EQ(p.by_type[0].percent, 50.0);
  EXPECT_DOUBLE_EQ(p.by_type[0].cumulative_percent, 50.0);
  EXPECT_DOUBLE_EQ(p.by_type[0].times_called, 2.0);
  EXPECT_EQ(p.by_type[1].op, "FULLY_CONNECTED");
  EXPECT_NEAR(p.by_type[1].percent, 2.5 / 6 * 100, 1e-12);
  EXPECT_NEAR(p.by_type[1].cumulative_percent, 5.5 / 6 * 100, 1e-12);
  EXPECT_EQ(p.by_type[2].op, "RELU");
  EXPECT_DOUBLE_EQ(p.by_type[2].cumulative_percent, 100.0);
  ASSERT_EQ(p.by_node.size(), 4u);
  const int order[] = {3, 0, 2, 1};  // 2.5, 2, 1, 0.5 ms
  for (int i = 0; i < 4; ++i) EXPECT_EQ(p.by_node[std::size_t(i)].node, order[i]);
  EXPECT_DOUBLE_EQ(p.by_node[0].avg_ms, 2.5);
  EXPECT_EQ(p.by_node[0].name, "d1");
  EXPECT_EQ(p.by_node[0].kernel, "fc_a");
  EXPECT_DOUBLE_EQ(p.by_node[0].times_called, 1.0);
  EXPECT_DOUBLE_EQ(p.by_node[3].cumulative_percent, 100.0);
}

TEST(OpProfile, TiesKeepFirstAppearanceAndZeroTimeIsSafe) {
  const OpProfile p = aggregate_profile({{0, "B", "k", "", 0, 1}, {1, "A", "k", "", 0, 1}}, 1);
  EXPECT_EQ(p.by_type[0].op, "B");
  EXPECT_EQ(p.by_node[0].node, 0);
  EXPECT_EQ(p.by_type[0].percent, 0.0);
  EXPECT_THROW(aggregate_profile({}, 0), Error);
}

void expect_consistent(const OpProfile& p, const runtime::Model& model) {
  ASSERT_EQ(p.by_node.size(), std::size_t(model.node_count()));
  double nodes = 0, types = 0, percent = 0;
  int count = 0;
  for (const auto& n : p.by_node) {
    nodes += n.avg_ms;
    EXPECT_DOUBLE_EQ(n.times_called, 1.0) << "node " << n.node;
    EXPECT_EQ(n.kernel, model.kernel(n.node).name);
  }
  for (const auto& t : p.by_type) types += t.avg_ms, percent += t.percent, count += t.count;
  EXPECT_EQ(count, model.node_count());
  EXPECT_NEAR(nodes, p.ops_ms, 1e-9 * p.ops_ms);
  EXPECT_NEAR(types, p.ops_ms, 1e-9 * p.ops_ms);
  EXPECT_NEAR(percent, 100.0, 1e-9);
  EXPECT_NEAR(p.by_type.back().cumulative_percent, 100.0, 1e-9);
  EXPECT_NEAR(p.by_node.back().cumulative_percent, 100.0, 1e-9);
  for (std::size_t i = 1; i < p.by_type.size(); ++i) EXPECT_GE(p.by_type[i - 1].avg_ms, p.by_type[i].avg_ms);
  for (std::size_t i = 1; i < p.by_node.size(); ++i) EXPECT_GE(p.by_node[i - 1].avg_ms, p.by_node[i].avg_ms);
  // Ops are timed inside invoke(): their sum cannot exceed it (clock granularity aside).
  EXPECT_GT(p.ops_ms, 0.0);
  EXPECT_LE(p.ops_ms, p.invoke_ms * 1.0001 + 1e-3);
}

TEST(OpProfile, RealRunSumsToTheTotal) {
  const runtime::Model model = runtime::Model::from_graph(runtime::cnn_graph(7, 99));
  for (int threads : {1, 2}) {
    runtime::Interpreter interp(model, threads);
    std::fill(interp.input(0), interp.input(0) + interp.input_elements(0), 0.5f);
    interp.invoke();
    const OpProfile p = profile_runs(interp, 3);
    EXPECT_EQ(p.runs, 3u);
    expect_consistent(p, model);
    const auto fc = std::find_if(p.by_type.begin(), p.by_type.end(), [](const auto& t) { return t.op == "FULLY_CONNECTED"; });
    ASSERT_NE(fc, p.by_type.end());
    EXPECT_EQ(fc->count, 3);  // dense 1024, 512, 1
  }
}

TEST(OpProfile, ProfilerDetachesAndLeavesResultsUnchanged) {
  const runtime::Model model = runtime::Model::from_graph(runtime::cnn_graph(7, 99));
  runtime::Interpreter interp(model, 1);
  std::fill(interp.input(0), interp.input(0) + interp.input_elements(0), 0.25f);
  interp.invoke();
  const float before = interp.output(0)[0];
  {
    OpProfiler profiler(interp);
    interp.invoke();
    for (const auto& s : profiler.samples()) EXPECT_EQ(s.calls, 1u);
  }
  interp.invoke();  // no observer left behind (it would point at a dead profiler)
  EXPECT_EQ(interp.output(0)[0], before);
}

}  // namespace
}  // namespace nilm::perf
