// The .tflite writer and loader: round trips of every op kind and both NILM models, the file
// layout TFLite expects (checked through the schema, not through our own reader), and
// hand-made hostile files, each refused with a message naming the file and the fault.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "model/builder.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "model/tflite_schema_generated.h"
#include "test_graphs.h"

namespace nilm::model {
namespace {

namespace tfl = tflite;

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_round_trip(const Graph& g, const std::string& name) {
  const std::vector<std::uint8_t> bytes = write_tflite(g);
  const Graph back = parse_tflite(bytes.data(), bytes.size(), name);
  std::string difference;
  EXPECT_TRUE(same_graph(g, back, &difference)) << name << ": " << difference;
  // Writing the loaded graph again gives the same bytes: nothing is lost or reordered.
  EXPECT_EQ(write_tflite(back), bytes) << name;
}

TEST(TfliteRoundTrip, EveryOpKind) {
  std::vector<bool> seen(op_kind_count, false);
  for (const auto& [name, graph] : testing::every_op_graphs(11)) {
    expect_round_trip(graph, name);
    for (const Op& op : graph.ops) seen[static_cast<std::size_t>(op.kind)] = true;
  }
  for (int k = 0; k < op_kind_count; ++k) EXPECT_TRUE(seen[static_cast<std::size_t>(k)]) << op_name(static_cast<OpKind>(k));
}

TEST(TfliteRoundTrip, NilmModelsWithMetadata) {
  Graph cnn = testing::cnn_graph(5, 599, 0.25);
  ModelInfo info;
  info.appliance = "kettle";
  info.architecture = "cnn";
  info.max_power_w = 3100;
  info.on_threshold_w = 2000;
  info.min_on_s = 12;
  set_model_info(cnn, info);
  cnn.description = "nilm test model";
  expect_round_trip(cnn, "cnn");
  expect_round_trip(testing::transformer_graph(5, 599, 32, 2), "transformer");
}

TEST(TfliteRoundTrip, QuantizedTensorsKeepTheirParameters) {
  GraphBuilder b;
  const int x = b.input("x", {1, 4});
  const int q = b.quantize(x, ElementType::i8, Quantization{{0.05f}, {-3}, 0});
  std::vector<std::uint8_t> weights(12, 7);
  const int w = b.constant_raw("w", {3, 4}, ElementType::i8, weights, Quantization{{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0});
  std::vector<std::uint8_t> bias(12, 0);
  const int bias_t = b.constant_raw("b", {3}, ElementType::i32, bias, Quantization{{0.005f, 0.01f, 0.015f}, {0, 0, 0}, 0});
  const int y = b.fully_connected(q, w, bias_t);
  b.graph().tensor(y).quantization = Quantization{{0.2f}, {5}, 0};
  b.output(b.dequantize(y));
  const Graph g = b.finish();
  expect_round_trip(g, "quantized");
  const auto bytes = write_tflite(g);
  const Graph back = parse_tflite(bytes.data(), bytes.size(), "quantized");
  ASSERT_TRUE(back.tensor(w).quantization);
  EXPECT_EQ(back.tensor(w).quantization->scales, (std::vector<float>{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(back.tensor(q).quantization->zero_points, (std::vector<std::int64_t>{-3}));
}

TEST(TfliteLayout, WhatTfliteExpects) {
  Graph g = testing::transformer_graph(2, 40, 16, 1);
  g.metadata["nilm.appliance"] = "fridge";
  const std::vector<std::uint8_t> bytes = write_tflite(g);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  ASSERT_TRUE(tfl::VerifyModelBuffer(verifier));
  ASSERT_TRUE(tfl::ModelBufferHasIdentifier(bytes.data()));
  const tfl::Model* m = tfl::GetModel(bytes.data());
  EXPECT_EQ(m->version(), 3u);
  ASSERT_EQ(m->subgraphs()->size(), 1u);
  // Buffer 0 is the empty sentinel; every other buffer starts 16-byte aligned in the file.
  EXPECT_EQ(m->buffers()->Get(0)->data(), nullptr);
  for (std::size_t i = 1; i < m->buffers()->size(); ++i) {
    const auto* data = m->buffers()->Get(static_cast<flatbuffers::uoffset_t>(i))->data();
    ASSERT_NE(data, nullptr);
    EXPECT_EQ((data->data() - bytes.data()) % 16, 0) << "buffer " << i;
  }
  // Operator codes are deduplicated; GELU (150 > 127) stores the placeholder in the old field.
  std::set<int> codes;
  for (const auto* c : *m->operator_codes()) {
    EXPECT_TRUE(codes.insert(static_cast<int>(c->builtin_code())).second) << "duplicate code";
    const int expected_old = std::min(static_cast<int>(c->builtin_code()), 127);
    EXPECT_EQ(c->deprecated_builtin_code(), expected_old);
    EXPECT_EQ(c->version(), 1);
  }
  EXPECT_TRUE(codes.count(150));  // GELU
  EXPECT_TRUE(codes.count(126));  // BATCH_MATMUL
  std::set<OpKind> kinds;
  for (const Op& op : g.ops) kinds.insert(op.kind);
  EXPECT_EQ(codes.size(), kinds.size());
  EXPECT_EQ(m->subgraphs()->Get(0)->operators()->size(), g.ops.size());
  // Non-constant tensors use buffer 0.
  const auto* sg = m->subgraphs()->Get(0);
  for (int t : *sg->inputs()) EXPECT_EQ(sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(t))->buffer(), 0u);
  // Metadata entry and the serving_default signature.
  ASSERT_EQ(m->metadata()->size(), 1u);
  EXPECT_EQ(m->metadata()->Get(0)->name()->str(), "nilm.appliance");
  const auto* meta = m->buffers()->Get(m->metadata()->Get(0)->buffer())->data();
  EXPECT_EQ(std::string(meta->begin(), meta->end()), "fridge");
  EXPECT_EQ(m->signature_defs()->Get(0)->signature_key()->str(), "serving_default");
}

// `back` (loaded from a file) equals `g`, and its constants are 16-byte aligned for SIMD loads.
void expect_same_with_aligned_constants(const Graph& g, const Graph& back) {
  std::string difference;
  EXPECT_TRUE(same_graph(g, back, &difference)) << difference;
  for (const Tensor& t : back.tensors) {
    if (t.is_constant()) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data.data()) % 16, 0u) << t.name;
    }
  }
}

TEST(TfliteFile, SaveAndMapKeepConstantsAlignedInPlace) {
  const Graph g = testing::cnn_graph(9, 64, 0.25);
  const std::string path = ::testing::TempDir() + "nilm_model_cnn.tflite";
  save_tflite(g, path);
  const Graph back = load_tflite(path);
  expect_same_with_aligned_constants(g, back);
  std::remove(path.c_str());
  EXPECT_NE(error_of([&] { load_tflite(path); }).find(path), std::string::npos);
  EXPECT_NE(error_of([&] { save_tflite(g, "/nonexistent-dir/x.tflite"); }).find("/nonexistent-dir/x.tflite"),
            std::string::npos);
}

// A file of kHugePageModelBytes or more is copied into huge pages and its mapping dropped: the
// same graph, constants still aligned, and later writes to the file do not reach the loaded
// model (a private mapping would show them for pages it has not copied).
TEST(TfliteFile, LargeFilesAreCopiedOnceWithTheSameBytes) {
  const Graph g = testing::cnn_graph(4);
  const std::string path = ::testing::TempDir() + "nilm_model_cnn_large.tflite";
  save_tflite(g, path);
  ASSERT_GE(std::filesystem::file_size(path), kHugePageModelBytes);
  const Graph back = load_tflite(path);
  expect_same_with_aligned_constants(g, back);
  {
    const std::vector<char> zeros(std::filesystem::file_size(path), 0);
    std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out).write(zeros.data(), std::streamsize(zeros.size()));
  }
  std::string difference;
  EXPECT_TRUE(same_graph(g, back, &difference)) << difference;
  std::remove(path.c_str());
}

// ---- hand-made files for the loader's checks ----------------------------------------------

// A one-op model: tensor 0 "x" -> op -> tensor 1 "y", with every field a test may spoil.
struct RawSpec {
  std::vector<int> x_shape = {1, 4}, y_shape = {1, 4};
  tfl::TensorType x_type = tfl::TensorType::FLOAT32;
  std::vector<int> x_signature;
  std::vector<float> x_scales;
  std::vector<std::int64_t> x_zero_points;
  int x_axis = 0;
  std::uint32_t y_buffer = 0;
  std::vector<std::uint8_t> buffer1 = {1, 2, 3};
  std::int32_t builtin = static_cast<std::int32_t>(tfl::BuiltinOperator::RELU);
  std::int8_t deprecated = static_cast<std::int8_t>(tfl::BuiltinOperator::RELU);
  std::string custom_code;
  std::uint32_t opcode_index = 0;
  std::vector<int> op_inputs = {0}, op_outputs = {1};
  std::vector<int> graph_inputs = {0}, graph_outputs = {1};
  bool conv_options = false;  // attach Conv2DOptions (wrong for RELU)
  int subgraphs = 1;
  std::uint32_t version = 3;
};

std::vector<std::uint8_t> raw_model(const RawSpec& s) {
  flatbuffers::FlatBufferBuilder fbb;
  flatbuffers::Offset<tfl::QuantizationParameters> q = 0;
  if (!s.x_scales.empty() || !s.x_zero_points.empty())
    q = tfl::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(s.x_scales), fbb.CreateVector(s.x_zero_points),
                                          tfl::QuantizationDetails::NONE, 0, s.x_axis);
  const auto x = tfl::CreateTensor(fbb, fbb.CreateVector(s.x_shape), s.x_type, 0, fbb.CreateString("x"), q, false, 0,
                                   s.x_signature.empty() ? 0 : fbb.CreateVector(s.x_signature));
  const auto y = tfl::CreateTensor(fbb, fbb.CreateVector(s.y_shape), tfl::TensorType::FLOAT32, s.y_buffer,
                                   fbb.CreateString("y"));
  flatbuffers::Offset<void> options = 0;
  auto options_type = tfl::BuiltinOptions::NONE;
  if (s.conv_options) {
    options = tfl::CreateConv2DOptions(fbb, tfl::Padding::SAME, 1, 1).Union();
    options_type = tfl::BuiltinOptions::Conv2DOptions;
  }
  const auto op = tfl::CreateOperator(fbb, s.opcode_index, fbb.CreateVector(s.op_inputs), fbb.CreateVector(s.op_outputs),
                                      options_type, options);
  std::vector<flatbuffers::Offset<tfl::SubGraph>> subgraphs;
  for (int i = 0; i < s.subgraphs; ++i)
    subgraphs.push_back(tfl::CreateSubGraph(fbb, fbb.CreateVector(std::vector{x, y}), fbb.CreateVector(s.graph_inputs),
                                            fbb.CreateVector(s.graph_outputs), fbb.CreateVector(std::vector{op})));
  const auto code = tfl::CreateOperatorCode(fbb, s.deprecated, s.custom_code.empty() ? 0 : fbb.CreateString(s.custom_code),
                                            1, static_cast<tfl::BuiltinOperator>(s.builtin));
  const auto buffers = fbb.CreateVector(std::vector{tfl::CreateBuffer(fbb), tfl::CreateBuffer(fbb, fbb.CreateVector(s.buffer1))});
  const auto model = tfl::CreateModel(fbb, s.version, fbb.CreateVector(std::vector{code}), fbb.CreateVector(subgraphs), 0, buffers);
  tfl::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

std::string load_error(const RawSpec& s) {
  const auto bytes = raw_model(s);
  return error_of([&] { parse_tflite(bytes.data(), bytes.size(), "hostile.tflite"); });
}

void expect_refused(const RawSpec& s, const std::string& fragment) {
  const std::string message = load_error(s);
  EXPECT_EQ(message.rfind("hostile.tflite: ", 0), 0u) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nexpected: " << fragment;
}

TEST(TfliteLoader, TheBaselineRawModelLoads) {
  const auto bytes = raw_model(RawSpec{});
  const Graph g = parse_tflite(bytes.data(), bytes.size(), "ok.tflite");
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].kind, OpKind::relu);
}

TEST(TfliteLoader, RunsAtTheStoredShapeWhenTheSignatureHasADynamicBatch) {
  RawSpec s;  // TensorFlow's converter writes shape [1,4] with shape_signature [-1,4]
  s.x_signature = {-1, 4};
  const auto bytes = raw_model(s);
  EXPECT_EQ(parse_tflite(bytes.data(), bytes.size(), "tf.tflite").tensor(0).shape, (Shape{1, 4}));
}

TEST(TfliteLoader, BuiltinCodeIsTheLargerOfTheTwoFields) {
  RawSpec old_style;  // written before the int32 field existed: only the int8 one is set
  old_style.builtin = 0;
  old_style.deprecated = 14;  // LOGISTIC
  auto bytes = raw_model(old_style);
  EXPECT_EQ(parse_tflite(bytes.data(), bytes.size(), "old").ops[0].kind, OpKind::logistic);
  RawSpec gelu;
  gelu.builtin = 150;
  gelu.deprecated = 127;
  bytes = raw_model(gelu);
  EXPECT_EQ(parse_tflite(bytes.data(), bytes.size(), "new").ops[0].kind, OpKind::gelu);
}

TEST(TfliteLoader, RefusesBadIndices) {
  RawSpec s;
  s.op_inputs = {5};
  expect_refused(s, "operator 0 (RELU): input 0 refers to tensor 5, the subgraph has 2");
  s = {};
  s.op_outputs = {-1};
  expect_refused(s, "operator 0 (RELU): output 0 refers to tensor -1");
  s = {};
  s.graph_outputs = {9};
  expect_refused(s, "subgraph output refers to tensor 9");
  s = {};
  s.opcode_index = 3;
  expect_refused(s, "operator 0 uses operator code 3, the file has 1");
  s = {};
  s.y_buffer = 7;
  expect_refused(s, "tensor 1 'y' refers to buffer 7, the file has 2");
  s = {};
  s.op_inputs = {};
  expect_refused(s, "operator 0 (RELU): has 0 inputs, expects 1");
}

TEST(TfliteLoader, RefusesUnsupportedOperatorsByName) {
  RawSpec s;
  s.builtin = s.deprecated = 16;
  expect_refused(s, "operator 0: LSTM is not supported by nilm");
  s.builtin = 180;
  s.deprecated = 127;
  expect_refused(s, "operator 0: STABLEHLO_LOG is not supported by nilm");
  s.builtin = 5000;
  expect_refused(s, "operator 0: builtin code 5000 is not supported by nilm");
  s.builtin = s.deprecated = 32;
  s.custom_code = "FlexErf";
  expect_refused(s, "operator 0: custom operator 'FlexErf' is not supported by nilm");
}

TEST(TfliteLoader, RefusesBadTensors) {
  RawSpec s;
  s.x_shape = s.y_shape = {1, -1};
  expect_refused(s, "tensor 0 'x': dimension -1 in shape [1,-1] (dynamic shapes are not supported)");
  s = {};
  s.x_signature = {-1, 4, 1};
  expect_refused(s, "tensor 0 'x': shape signature has rank 3, shape [1,4]");
  s = {};
  s.x_type = tfl::TensorType::STRING;
  expect_refused(s, "tensor 0 'x': element type STRING is not supported");
  s = {};
  s.y_buffer = 1;  // 3 bytes for a [1,4] f32 tensor
  expect_refused(s, "tensor 1 'y': buffer 1 has 3 bytes, shape [1,4] of f32 needs 16");
  s = {};
  s.y_buffer = 1;
  s.buffer1.assign(16, 0);  // right size, but then the op writes a constant
  expect_refused(s, "operator 0 (RELU): writes the constant tensor 1");
  s = {};
  s.y_shape = {1, 5};
  expect_refused(s, "operator 0 (RELU): output 'y' has shape [1,5], the inputs give [1,4]");
  s = {};
  s.x_shape = s.y_shape = {1 << 20, 1 << 20, 1 << 10};
  expect_refused(s, "too many elements");
}

TEST(TfliteLoader, RefusesBadQuantization) {
  RawSpec s;
  s.x_scales = {0.1f, 0.2f};
  s.x_zero_points = {0};
  expect_refused(s, "tensor 0 'x': quantization has 2 scales and 1 zero points");
  s.x_zero_points = {0, 0};
  expect_refused(s, "2 scales for dimension 0 of shape [1,4]");
  s.x_axis = 3;
  expect_refused(s, "quantized dimension 3 is out of range for shape [1,4]");
}

TEST(TfliteLoader, RefusesBadStructure) {
  RawSpec s;
  s.conv_options = true;
  expect_refused(s, "operator 0 (RELU): carries Conv2DOptions instead of no options");
  s = {};
  s.version = 2;
  expect_refused(s, "schema version 2, expected 3");
  s = {};
  s.subgraphs = 2;
  expect_refused(s, "the model has 2 subgraphs; nilm runs single-subgraph models (no control flow)");
}

TEST(TfliteLoader, RefusesFilesThatAreNotModels) {
  const std::string text = "Time,Unix,Aggregate\n0,1,2\n";
  EXPECT_EQ(error_of([&] { parse_tflite(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), "a.csv"); }),
            "a.csv: not a TFLite model (the file identifier is not \"TFL3\")");
  EXPECT_EQ(error_of([&] { parse_tflite(nullptr, 0, "empty.tflite"); }),
            "empty.tflite: file of 0 bytes is too small to be a TFLite model");
  auto bytes = write_tflite(testing::cnn_graph(1, 32, 0.125));
  bytes.resize(bytes.size() / 2);
  EXPECT_NE(error_of([&] { parse_tflite(bytes.data(), bytes.size(), "half.tflite"); })
                .find("half.tflite: corrupt TFLite file: the flatbuffer verifier rejects it"),
            std::string::npos);
}

}  // namespace
}  // namespace nilm::model
