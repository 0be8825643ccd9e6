// Graph -> .tflite. The layout follows what TFLite's own converter writes: schema version 3,
// buffer 0 the empty sentinel, one buffer per constant tensor (16-byte aligned so a mapped file
// can be used in place), one per metadata entry, deduplicated operator codes, a
// "serving_default" signature naming the inputs and outputs.
#include <cstdio>
#include <map>
#include <memory>

#include "core/error.h"
#include "model/tflite.h"
#include "model/tflite_ops.h"
#include "model/tflite_schema_generated.h"

namespace nilm::model {

namespace {

namespace tfl = tflite;

tfl::TensorType to_tflite(ElementType type) {
  switch (type) {
    case ElementType::f32: return tfl::TensorType::FLOAT32;
    case ElementType::f16: return tfl::TensorType::FLOAT16;
    case ElementType::i8: return tfl::TensorType::INT8;
    case ElementType::i16: return tfl::TensorType::INT16;
    case ElementType::i32: return tfl::TensorType::INT32;
    case ElementType::i64: return tfl::TensorType::INT64;
    case ElementType::u8: return tfl::TensorType::UINT8;
  }
  fail("element type is unknown");
}

constexpr std::size_t buffer_alignment = 16;

flatbuffers::Offset<tfl::Buffer> aligned_buffer(flatbuffers::FlatBufferBuilder& fbb, const std::uint8_t* data,
                                                std::size_t size) {
  fbb.ForceVectorAlignment(size, sizeof(std::uint8_t), buffer_alignment);
  return tfl::CreateBuffer(fbb, fbb.CreateVector(data, size));
}

}  // namespace

std::vector<std::uint8_t> write_tflite(const Graph& graph) {
  validate(graph, "writing .tflite");
  std::size_t total = 0;
  for (const auto& t : graph.tensors) total += t.data.size();
  for (const auto& [key, value] : graph.metadata) total += value.size();
  // Flatbuffers offsets are 32-bit; TFLite's >2 GB layout (external buffers) is not needed here.
  if (total > (std::size_t{1} << 31) - (std::size_t{64} << 20))
    fail("writing .tflite: " + std::to_string(total) + " bytes of constants exceed the 2 GB flatbuffer limit");

  flatbuffers::FlatBufferBuilder fbb(total + 4096);

  // Constant data goes in first: flatbuffers builds back to front, so these end up at the end
  // of the file, after the small tables (as in TFLite's converter output).
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
  buffers.push_back(tfl::CreateBuffer(fbb));  // the empty sentinel
  std::vector<std::uint32_t> tensor_buffer(graph.tensors.size(), 0);
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    const Tensor& t = graph.tensors[i];
    if (!t.is_constant()) continue;
    tensor_buffer[i] = static_cast<std::uint32_t>(buffers.size());
    buffers.push_back(aligned_buffer(fbb, t.data.data(), t.data.size()));
  }
  std::vector<flatbuffers::Offset<tfl::Metadata>> metadata;
  for (const auto& [key, value] : graph.metadata) {
    const auto index = static_cast<std::uint32_t>(buffers.size());
    buffers.push_back(aligned_buffer(fbb, reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
    metadata.push_back(tfl::CreateMetadata(fbb, fbb.CreateString(key), index));
  }

  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    const Tensor& t = graph.tensors[i];
    flatbuffers::Offset<tfl::QuantizationParameters> quantization = 0;
    if (t.quantization) {
      const Quantization& q = *t.quantization;
      quantization = tfl::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(q.scales),
                                                       fbb.CreateVector(q.zero_points), tfl::QuantizationDetails::NONE,
                                                       0, q.axis);
    }
    tensors.push_back(tfl::CreateTensor(fbb, fbb.CreateVector(t.shape), to_tflite(t.type), tensor_buffer[i],
                                        fbb.CreateString(t.name), quantization));
  }

  // Operator codes, one per (builtin, version); all version 1 (docs/model_format.md says why).
  std::map<int, std::uint32_t> code_index;
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<tfl::Operator>> operators;
  for (const Op& op : graph.ops) {
    const TfliteOp& mapping = tflite_op(op.kind);
    const int code = static_cast<int>(mapping.code);
    auto [it, added] = code_index.emplace(code, static_cast<std::uint32_t>(codes.size()));
    if (added) {
      // Readers older than the int32 field read deprecated_builtin_code; codes above 127 put
      // the placeholder there, as TFLite's converter does.
      const auto deprecated = static_cast<std::int8_t>(
          code < static_cast<int>(tfl::BuiltinOperator::PLACEHOLDER_FOR_GREATER_OP_CODES)
              ? code
              : static_cast<int>(tfl::BuiltinOperator::PLACEHOLDER_FOR_GREATER_OP_CODES));
      codes.push_back(tfl::CreateOperatorCode(fbb, deprecated, 0, 1, mapping.code));
    }
    const auto [options_type, options] = write_options(fbb, op);
    operators.push_back(tfl::CreateOperator(fbb, it->second, fbb.CreateVector(op.inputs), fbb.CreateVector(op.outputs),
                                            options_type, options));
  }

  auto tensor_maps = [&](const std::vector<int>& indices) {
    std::vector<flatbuffers::Offset<tfl::TensorMap>> maps;
    for (int t : indices)
      maps.push_back(tfl::CreateTensorMap(fbb, fbb.CreateString(graph.tensor(t).name), static_cast<std::uint32_t>(t)));
    return fbb.CreateVector(maps);
  };
  const auto signature = tfl::CreateSignatureDef(fbb, tensor_maps(graph.inputs), tensor_maps(graph.outputs),
                                                 fbb.CreateString("serving_default"), 0);

  const auto subgraph = tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(graph.inputs),
                                            fbb.CreateVector(graph.outputs), fbb.CreateVector(operators),
                                            fbb.CreateString("main"));
  const auto model = tfl::CreateModel(
      fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(std::vector{subgraph}),
      graph.description.empty() ? 0 : fbb.CreateString(graph.description),
      fbb.CreateVector(buffers), 0, fbb.CreateVector(metadata), fbb.CreateVector(std::vector{signature}));
  tfl::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

void save_tflite(const Graph& graph, const std::string& path) {
  const std::vector<std::uint8_t> bytes = write_tflite(graph);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) fail(path + ": cannot open for writing");
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size() || std::fflush(file.get()) != 0)
    fail(path + ": write failed (disk full?)");
  if (std::fclose(file.release()) != 0) fail(path + ": write failed (disk full?)");
}

}  // namespace nilm::model
