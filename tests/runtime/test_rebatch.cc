// Batched copies of batch-1 graphs give, window by window, the batch-1 results.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/builder.h"
#include "runtime/rebatch.h"
#include "runtime/sample_graphs.h"
#include "runtime/window_runner.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

void expect_same_as_batch1(const model::Graph& g, int batch) {
  const model::Graph gb = rebatch(g, batch);
  EXPECT_EQ(gb.tensor(gb.inputs[0]).shape[0], batch);
  std::mt19937 rng(8);
  const int window = g.tensor(g.inputs[0]).shape[1];
  const auto windows = testing::random_floats(rng, std::size_t(batch + 1) * window, -1.f, 3.f);
  std::vector<float> single(std::size_t(batch + 1)), batched(std::size_t(batch + 1));
  WindowRunner one(Model::from_graph(g), 1);
  one.predict(windows.data(), single.size(), single.data());
  WindowRunner many(Model::from_graph(gb), 2);  // batch + 1 windows: one padded run
  EXPECT_EQ(many.batch(), batch);
  many.predict(windows.data(), batched.size(), batched.data());
  EXPECT_TRUE(testing::close(batched, single, 1e-5f, 1e-5f));
}

TEST(Rebatch, CnnMatchesWindowByWindow) { expect_same_as_batch1(cnn_graph(4), 5); }

TEST(Rebatch, TransformerMatchesWindowByWindow) {
  expect_same_as_batch1(transformer_graph(4, 59, 64, 1), 3);
}

TEST(Rebatch, SharesConstantsAndRefusesOtherBatches) {
  const model::Graph g = cnn_graph(1);
  const model::Graph gb = rebatch(g, 4);
  for (std::size_t t = 0; t < g.tensors.size(); ++t)
    if (g.tensors[t].is_constant() && g.tensors[t].type == model::ElementType::f32) {
      EXPECT_EQ(gb.tensors[t].data.data(), g.tensors[t].data.data()) << g.tensors[t].name;
    }
  model::GraphBuilder b;
  b.output(b.unary(model::OpKind::relu, b.input("x", {2, 5})));
  EXPECT_THROW(rebatch(b.finish(), 3), Error);
}

}  // namespace
}  // namespace nilm::runtime
