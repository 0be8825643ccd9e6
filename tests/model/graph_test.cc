// The graph IR: shapes, the op table, shape inference (checked against the NILM.md model
// figures) and validate() refusing every kind of inconsistency with a message naming it.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/builder.h"
#include "model/graph.h"
#include "model/model_info.h"
#include "model/tflite_ops.h"
#include "test_graphs.h"

namespace nilm::model {
namespace {

using testing::cnn_graph;
using testing::transformer_graph;

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Shapes, ElementCountChecksEveryDimension) {
  EXPECT_EQ(element_count({}), 1);
  EXPECT_EQ(element_count({1, 599, 1}), 599);
  EXPECT_EQ(element_count({3, 0, 5}), 0);
  EXPECT_THROW(element_count({1, -1}), Error);
  EXPECT_THROW(element_count({1 << 30, 1 << 30, 4}), Error);
  EXPECT_EQ(shape_string({1, 599, 1}), "[1,599,1]");
}

TEST(OpTable, EveryKindHasItsOwnRowAndTfliteCode) {
  for (int k = 0; k < op_kind_count; ++k) {
    const auto kind = static_cast<OpKind>(k);
    EXPECT_EQ(op_info(kind).kind, kind);
    EXPECT_EQ(tflite_op(kind).kind, kind);
    EXPECT_EQ(tflite_op_for_code(static_cast<std::int32_t>(tflite_op(kind).code))->kind, kind);
  }
  EXPECT_STREQ(op_name(OpKind::gelu), "GELU");
  EXPECT_EQ(static_cast<int>(tflite_op(OpKind::gelu).code), 150);
  EXPECT_EQ(static_cast<int>(tflite_op(OpKind::batch_matmul).code), 126);
  EXPECT_EQ(static_cast<int>(tflite_op(OpKind::squared_difference).code), 99);
}

TEST(ShapeInference, CnnMatchesTheNilmReferenceFigures) {
  const Graph g = cnn_graph(1);
  // 599 -> 300 -> 150 -> 75 -> 38 after the four "same" pools, flatten 38 * 256 = 9728.
  std::vector<int> pooled;
  std::int64_t parameters = 0;
  for (const Op& op : g.ops)
    if (op.kind == OpKind::max_pool2d) pooled.push_back(g.tensor(op.outputs[0]).shape[2]);
  for (const Tensor& t : g.tensors)
    if (t.is_constant() && t.type == ElementType::f32) parameters += t.elements();
  EXPECT_EQ(pooled, (std::vector<int>{300, 150, 75, 38}));
  const Op& first_dense = *std::find_if(g.ops.begin(), g.ops.end(), [](const Op& op) { return op.kind == OpKind::fully_connected; });
  EXPECT_EQ(g.tensor(first_dense.inputs[1]).shape, (Shape{1024, 9728}));
  // "About 10.5 M parameters": 10,618,945 by the layer sizes.
  EXPECT_EQ(parameters, 10'618'945);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 1}));
}

TEST(ShapeInference, TransformerPoolsTo299) {
  const Graph g = transformer_graph(1, 599, 32, 1);
  const Op& pool = *std::find_if(g.ops.begin(), g.ops.end(), [](const Op& op) { return op.kind == OpKind::average_pool2d; });
  EXPECT_EQ(g.tensor(pool.outputs[0]).shape, (Shape{1, 1, 299, 32}));
  const Op& scores = *std::find_if(g.ops.begin(), g.ops.end(), [](const Op& op) { return op.kind == OpKind::batch_matmul; });
  EXPECT_EQ(g.tensor(scores.outputs[0]).shape, (Shape{1, 2, 299, 299}));
}

TEST(ShapeInference, ConvAndPoolPaddingRules) {
  GraphBuilder b;
  const int x = b.input("x", {1, 1, 10, 2});
  const int w = b.constant("w", {3, 1, 4, 2}, std::vector<float>(24, 0.5f));
  // valid: (10 - 4) / 3 + 1 = 3; same: ceil(10 / 3) = 4; dilation 2: effective kernel 7, valid: 4.
  EXPECT_EQ(b.tensor(b.conv2d(x, w, -1, Padding::valid, Activation::none, 3)).shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(b.tensor(b.conv2d(x, w, -1, Padding::same, Activation::none, 3)).shape, (Shape{1, 1, 4, 3}));
  EXPECT_EQ(b.tensor(b.conv2d(x, w, -1, Padding::valid, Activation::none, 1, 2)).shape, (Shape{1, 1, 4, 3}));
  EXPECT_EQ(b.tensor(b.max_pool2d(x, 1, 3, 1, 3, Padding::valid)).shape, (Shape{1, 1, 3, 2}));
  EXPECT_NE(error_of([&] { b.conv2d(x, w, -1, Padding::valid, Activation::none, 1, 4); }).find("smaller than the kernel"),
            std::string::npos);
}

TEST(ShapeInference, BroadcastAndMatmulRules) {
  GraphBuilder b;
  const int x = b.input("x", {2, 1, 4});
  const int y = b.input("y", {3, 1});
  EXPECT_EQ(b.tensor(b.add(x, y)).shape, (Shape{2, 3, 4}));
  const int z = b.input("z", {2, 5});
  EXPECT_NE(error_of([&] { b.mul(x, z); }).find("do not broadcast"), std::string::npos);
  const int m = b.input("m", {2, 3, 4});
  const int n = b.input("n", {1, 4, 6});
  EXPECT_EQ(b.tensor(b.batch_matmul(m, n)).shape, (Shape{2, 3, 6}));
  EXPECT_NE(error_of([&] { b.batch_matmul(m, n, false, true); }).find("inner dimensions differ"), std::string::npos);
  EXPECT_EQ(b.tensor(b.mean(m, {-1, 0}, true)).shape, (Shape{1, 3, 1}));
  EXPECT_EQ(b.tensor(b.transpose(m, {2, 0, 1})).shape, (Shape{4, 2, 3}));
  EXPECT_NE(error_of([&] { b.transpose(m, {0, 0, 1}); }).find("not a permutation"), std::string::npos);
  EXPECT_EQ(b.tensor(b.concatenation({m, m}, -2)).shape, (Shape{2, 6, 4}));
  EXPECT_NE(error_of([&] { b.reshape(m, {5, 5}); }).find("cannot reshape"), std::string::npos);
}

// A valid little graph to break in the Validate tests: x -> FC(w, b) -> y.
Graph small_graph() {
  GraphBuilder b;
  const int x = b.input("x", {1, 3});
  const int w = b.constant("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  const int bias = b.constant("b", {2}, {0.5f, -0.5f});
  b.output(b.fully_connected(x, w, bias));
  return b.finish();
}

void expect_invalid(const Graph& g, const std::string& fragment) {
  const std::string message = error_of([&] { validate(g, "g.tflite"); });
  EXPECT_EQ(message.rfind("g.tflite: ", 0), 0u) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nexpected: " << fragment;
}

TEST(Validate, AcceptsTheBuildersGraphs) {
  EXPECT_NO_THROW(validate(small_graph(), "g"));
  for (const auto& [name, graph] : testing::every_op_graphs(3)) EXPECT_NO_THROW(validate(graph, name)) << name;
}

TEST(Validate, RefusesEachInconsistency) {
  {
    Graph g = small_graph();
    g.ops[0].inputs[0] = 17;
    expect_invalid(g, "operator 0 (FULLY_CONNECTED): input 0 refers to tensor 17, the graph has 4");
  }
  {
    Graph g = small_graph();
    g.ops[0].inputs[1] = -1;  // weights are not optional
    expect_invalid(g, "input 1 refers to tensor -1");
  }
  {
    Graph g = small_graph();
    g.tensors[3].shape = {1, 3};
    expect_invalid(g, "output 'fully_connected_0' has shape [1,3], the inputs give [1,2]");
  }
  {
    Graph g = small_graph();
    g.tensors[1].data = ConstantData(std::vector<std::uint8_t>(20));
    expect_invalid(g, "tensor 1 'w': constant has 20 bytes, shape [2,3] of f32 needs 24");
  }
  {
    Graph g = small_graph();
    g.tensors[1].shape = {2, -3};
    expect_invalid(g, "tensor 1 'w': shape [2,-3] has a negative dimension");
  }
  {
    Graph g = small_graph();
    g.inputs.clear();
    expect_invalid(g, "reads tensor 0 'x' before any operator computes it");
  }
  {
    Graph g = small_graph();
    g.ops.push_back(g.ops[0]);
    expect_invalid(g, "operator 1 (FULLY_CONNECTED): writes tensor 3, which an earlier operator already wrote");
  }
  {
    Graph g = small_graph();
    g.ops[0].outputs[0] = 1;
    expect_invalid(g, "writes the constant tensor 1");
  }
  {
    Graph g = small_graph();
    g.ops[0].inputs.push_back(0);
    expect_invalid(g, "has 4 inputs, expects 2 to 3");
  }
  {
    Graph g = small_graph();
    g.ops[0].attrs = Conv2DAttrs{};
    expect_invalid(g, "attributes are not those of this operator");
  }
  {
    Graph g = small_graph();
    g.outputs = {9};
    expect_invalid(g, "graph output refers to tensor 9");
  }
  {
    Graph g = small_graph();
    g.tensors[1].quantization = Quantization{{0.1f, 0.2f}, {0}, 0};
    expect_invalid(g, "quantization has 2 scales and 1 zero points");
  }
  {
    Graph g = small_graph();
    g.tensors[1].quantization = Quantization{{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0};
    expect_invalid(g, "3 scales for dimension 0 of shape [2,3]");
  }
  {
    Graph g = small_graph();
    g.tensors[1].quantization = Quantization{{0.1f, 0.2f}, {0, 0}, 5};
    expect_invalid(g, "quantized dimension 5 is out of range");
  }
  {
    Graph g = small_graph();
    g.tensors[1].quantization = Quantization{{0.0f}, {0}, 0};
    expect_invalid(g, "is not a positive number");
  }
  {
    Graph g = small_graph();
    g.tensors[0].type = ElementType::i32;
    expect_invalid(g, "element types: input 'x' is i32");
  }
  {
    Graph g = small_graph();
    g.tensors[0].type = ElementType::i8;
    g.tensors[0].quantization = Quantization{{0.1f}, {200}, 0};
    expect_invalid(g, "zero point 200 is out of range for i8");
  }
  {
    Graph g = small_graph();
    g.tensors[0].type = ElementType::i8;
    expect_invalid(g, "i8 tensor has no quantization parameters");
  }
}

TEST(Validate, RefusesBadAttributes) {
  GraphBuilder b;
  const int x = b.input("x", {1, 1, 8, 1});
  b.output(b.max_pool2d(x, 1, 2, 1, 2, Padding::same));
  Graph g = b.finish();
  std::get<Pool2DAttrs>(g.ops[0].attrs).stride_w = 0;
  expect_invalid(g, "operator 0 (MAX_POOL_2D): stride must be >= 1, is 0");

  GraphBuilder f;  // TFLite's FULLY_CONNECTED refuses a fused TANH, its other kernels ignore it
  const int fx = f.input("x", {1, 2});
  const int fw = f.constant("w", {1, 2}, {1, 1});
  EXPECT_NE(error_of([&] {
              f.output(f.fully_connected(fx, fw, -1, Activation::tanh));
              f.finish();
            }).find("operator 0 (FULLY_CONNECTED): fused activation TANH is not applied by TFLite's kernels"),
            std::string::npos);

  GraphBuilder s;
  s.output(s.softmax(s.input("x", {1, 4})));
  Graph h = s.finish();
  std::get<SoftmaxAttrs>(h.ops[0].attrs).beta = 0.0f;
  expect_invalid(h, "softmax beta");
}

TEST(ModelInfo, RoundTripsThroughMetadataAndRefusesBadEntries) {
  Graph g = small_graph();
  ModelInfo info;
  info.appliance = "washing_machine";
  info.architecture = "cnn";
  info.window = 599;
  info.period_s = 8;
  info.aggregate_mean = 522;
  info.aggregate_std = 814;
  info.max_power_w = 2500;
  info.on_threshold_w = 20;
  info.min_on_s = 1800;
  info.min_off_s = 160;
  info.quantization = "w8_a8";
  info.training = "{\"dataset\": \"refit\"}";
  set_model_info(g, info);
  const ModelInfo back = model_info(g, "m.tflite");
  EXPECT_EQ(back.appliance, "washing_machine");
  EXPECT_EQ(back.window, 599);
  EXPECT_EQ(back.aggregate_std, 814.0f);
  EXPECT_EQ(back.max_power_w, 2500.0f);
  EXPECT_EQ(back.min_on_s, 1800.0);
  EXPECT_EQ(back.quantization, "w8_a8");
  EXPECT_EQ(back.training, info.training);

  g.metadata[keys::window] = "59x";
  EXPECT_EQ(error_of([&] { model_info(g, "m.tflite"); }), "m.tflite: metadata nilm.window: '59x' is not a number");
  g.metadata.erase(keys::window);
  EXPECT_EQ(error_of([&] { model_info(g, "m.tflite"); }), "m.tflite: metadata nilm.window is missing");
  EXPECT_FALSE(has_model_info(small_graph()));
}

}  // namespace
}  // namespace nilm::model
