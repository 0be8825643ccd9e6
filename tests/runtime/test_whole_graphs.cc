// Whole NILM-shaped graphs (NILM.md section 4, random weights): the optimized interpreter
// against a reference-only run, thread-count invariance, the .tflite round trip, the hooks.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "model/tflite.h"
#include "runtime/sample_graphs.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

std::vector<std::vector<float>> run(const model::Graph& g, Tier tier, CpuFeatures features,
                                    const std::vector<std::vector<float>>& in, int threads) {
  CompileOptions o;
  o.tier = tier;
  o.features = features;
  return testing::run_model(Model::from_graph(g, o), in, threads);
}

void check_graph(const model::Graph& g, float rtol, float atol) {
  std::mt19937 rng(3);
  const auto in = testing::random_inputs(g, rng, -1.f, 3.f);
  const auto want = run(g, Tier::reference, detect_cpu_features(), in, 1);
  ASSERT_EQ(want.size(), 1u);
  for (CpuFeatures f : {CpuFeatures(cpu_none), detect_cpu_features()}) {
    const auto got1 = run(g, Tier::optimized, f, in, 1);
    EXPECT_TRUE(testing::close(got1[0], want[0], rtol, atol)) << cpu_features_string(f);
    for (int threads : {2, 4}) EXPECT_EQ(run(g, Tier::optimized, f, in, threads), got1) << threads;
  }
}

TEST(WholeGraph, CnnOptimizedMatchesReference) {
  const model::Graph g = cnn_graph(11);
  EXPECT_EQ(g.tensor(g.inputs[0]).shape, (model::Shape{1, 599, 1}));
  check_graph(g, 1e-4f, 1e-4f);
}

TEST(WholeGraph, TransformerOptimizedMatchesReference) {
  check_graph(transformer_graph(5, 99, 64, 2), 1e-4f, 1e-4f);
}

TEST(WholeGraph, FullSizeTransformerRunsAndMatches) {
  const model::Graph g = transformer_graph(9);
  check_graph(g, 2e-4f, 2e-4f);
}

TEST(WholeGraph, CnnThroughATfliteFileAndHooks) {
  const model::Graph g = cnn_graph(2);
  const auto path = (std::filesystem::temp_directory_path() / "nilm_runtime_cnn_test.tflite").string();
  model::save_tflite(g, path);
  const Model loaded = Model::load(path);
  const Model direct = Model::from_graph(g);
  std::mt19937 rng(4);
  const auto in = testing::random_inputs(g, rng);
  EXPECT_EQ(testing::run_model(loaded, in), testing::run_model(direct, in));

  Interpreter interp(loaded, 2);
  std::copy(in[0].begin(), in[0].end(), interp.input(0));
  struct Seen {
    std::vector<int> nodes;
    std::int64_t total_ns = 0;
  } seen;
  interp.set_observer([](void* u, const OpEvent& e) {
    auto* s = static_cast<Seen*>(u);
    s->nodes.push_back(e.node);
    s->total_ns += e.elapsed_ns;
    EXPECT_NE(e.kernel, nullptr);
  }, &seen);
  interp.invoke();
  ASSERT_EQ(int(seen.nodes.size()), loaded.node_count());
  for (int i = 0; i < loaded.node_count(); ++i) EXPECT_EQ(seen.nodes[std::size_t(i)], i);
  EXPECT_GT(seen.total_ns, 0);
  const float first = interp.output(0)[0];
  interp.set_observer(nullptr, nullptr);
  interp.invoke();  // the input survives a run: same answer again
  EXPECT_EQ(interp.output(0)[0], first);
  std::filesystem::remove(path);
}

TEST(WholeGraph, ReportsMissingKernelClearly) {
  // int16 SQUARED_DIFFERENCE has no kernel (TFLite has none either): the error names the file,
  // the op and the types.
  model::Graph g;
  model::Tensor a;
  a.name = "a";
  a.type = model::ElementType::i16;
  a.shape = {4};
  a.quantization = model::Quantization{{1.0f}, {0}, 0};
  g.inputs = {g.add_tensor(a)};
  a.name = "b";
  const int b = g.add_tensor(a);
  g.inputs.push_back(b);
  a.name = "c";
  const int c = g.add_tensor(a);
  g.ops.push_back({model::OpKind::squared_difference, {0, 1}, {c}, model::NoAttrs{}});
  g.outputs = {c};
  try {
    Model::from_graph(g, {}, "toy.tflite");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("toy.tflite: operator 0 (SQUARED_DIFFERENCE): no kernel for input i16"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nilm::runtime
