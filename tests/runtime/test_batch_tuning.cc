// The throughput batch (runtime/batch_tuning.h): which batches are timed and which one wins.
#include <gtest/gtest.h>

#include "model/builder.h"
#include "runtime/batch_tuning.h"
#include "runtime/sample_graphs.h"

namespace nilm::runtime {
namespace {

TEST(BatchTuning, FastestBatchHasTheLeastTimePerWindow) {
  const BatchTiming timings[] = {{1, 110.0}, {4, 46.1}, {16, 42.7}, {64, 49.1}};
  EXPECT_EQ(fastest_batch(timings), 16);
  const BatchTiming transformer[] = {{1, 2159.8}, {4, 2160.5}, {16, 2331.6}};
  EXPECT_EQ(fastest_batch(transformer), 1);
  EXPECT_EQ(fastest_batch({}), 1);  // nothing timed: one window per run
}

TEST(BatchTuning, TimesTheCandidatesInOrderFromBatchOne) {
  const model::Graph g = cnn_graph(3, 64);  // a small window: quick runs
  const int candidates[] = {1, 2, 4};
  const std::vector<BatchTiming> t = time_batches(g, {}, 1, candidates, 2);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t[0].batch, 1);
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_GT(t[i].us_per_window, 0);
    EXPECT_EQ(t[i].batch, candidates[i]);  // in order; only the give-up rule ends early
  }
}

TEST(BatchTuning, AModelWithoutABatchDimensionRunsAsItIs) {
  model::GraphBuilder b;
  b.output(b.unary(model::OpKind::relu, b.input("x", {2, 5})));  // first dimension 2: not rebatched
  const std::vector<BatchTiming> t = time_batches(b.finish(), {}, 1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].batch, 1);
  EXPECT_EQ(fastest_batch(t), 1);
}

}  // namespace
}  // namespace nilm::runtime
