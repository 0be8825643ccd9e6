// .tflite -> Graph with complete validation. Order: the flatbuffers verifier (every offset,
// vector and string inside the file), then every cross reference and value the verifier cannot
// know about (indices, shapes, buffer sizes, quantization arrays, options), then validate() for
// the graph's semantics. Every failure names the file and the part at fault.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/error.h"
#include "core/huge_page_buffer.h"
#include "core/mapped_file.h"
#include "model/tflite.h"
#include "model/tflite_op_names.h"
#include "model/tflite_ops.h"
#include "model/tflite_schema_generated.h"

namespace nilm::model {

namespace {

namespace tfl = tflite;

struct Source {
  const std::uint8_t* data;
  std::size_t size;
  const std::string& name;
  const std::shared_ptr<const void>& keeper;

  [[noreturn]] void error(const std::string& message) const { fail(name + ": " + message); }
};

std::optional<ElementType> from_tflite(tfl::TensorType type) {
  switch (type) {
    case tfl::TensorType::FLOAT32: return ElementType::f32;
    case tfl::TensorType::FLOAT16: return ElementType::f16;
    case tfl::TensorType::INT8: return ElementType::i8;
    case tfl::TensorType::INT16: return ElementType::i16;
    case tfl::TensorType::INT32: return ElementType::i32;
    case tfl::TensorType::INT64: return ElementType::i64;
    case tfl::TensorType::UINT8: return ElementType::u8;
    default: return std::nullopt;
  }
}

std::string type_name(tfl::TensorType type) {
  const char* name = tfl::EnumNameTensorType(type);
  return name && *name ? name : "code " + std::to_string(static_cast<int>(type));
}

template <class T>
std::size_t length(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}

// The bytes of buffer `index`: inline data, or (TFLite's >2 GB layout) offset/size into the file.
struct Bytes {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};
Bytes buffer_bytes(const Source& src, const tfl::Model& model, std::uint32_t index, const std::string& who) {
  const std::size_t count = length(model.buffers());
  if (index >= count)
    src.error(who + " refers to buffer " + std::to_string(index) + ", the file has " + std::to_string(count));
  const tfl::Buffer* buffer = model.buffers()->Get(index);
  if (!buffer) src.error("buffer " + std::to_string(index) + " is null");
  if (buffer->offset() > 1) {
    const std::uint64_t offset = buffer->offset(), size = buffer->size();
    if (length(buffer->data()) != 0) src.error("buffer " + std::to_string(index) + " has both inline data and an offset");
    if (offset > src.size || size > src.size - offset)
      src.error("buffer " + std::to_string(index) + " (offset " + std::to_string(offset) + ", size " +
                std::to_string(size) + ") lies outside the " + std::to_string(src.size) + "-byte file");
    return {src.data + offset, static_cast<std::size_t>(size)};
  }
  if (!buffer->data()) return {};
  return {buffer->data()->data(), buffer->data()->size()};
}

Tensor read_tensor(const Source& src, const tfl::Model& model, const tfl::Tensor* t, std::size_t index) {
  std::string who = "tensor " + std::to_string(index);
  if (!t) src.error(who + " is null");
  Tensor out;
  if (t->name()) out.name = t->name()->str();
  who += " '" + out.name + "'";
  if (t->shape()) out.shape.assign(t->shape()->begin(), t->shape()->end());
  for (int d : out.shape)
    if (d < 0) src.error(who + ": dimension " + std::to_string(d) + " in shape " + shape_string(out.shape) +
                         " (dynamic shapes are not supported)");
  // shape_signature may mark dimensions -1 (TensorFlow's converter does so for the batch); TFLite
  // runs at `shape` unless resized, and so does nilm. Its length must still agree with shape.
  if (const auto* signature = t->shape_signature())
    if (signature->size() != out.shape.size())
      src.error(who + ": shape signature has rank " + std::to_string(signature->size()) + ", shape " +
                shape_string(out.shape));
  const auto type = from_tflite(t->type());
  if (!type) src.error(who + ": element type " + type_name(t->type()) + " is not supported");
  out.type = *type;
  if (t->is_variable()) src.error(who + ": variable tensors (state) are not supported");
  if (t->sparsity()) src.error(who + ": sparse tensors are not supported");
  if (length(t->variant_tensors())) src.error(who + ": variant tensors are not supported");

  std::size_t bytes_needed = 0;
  try {
    bytes_needed = static_cast<std::size_t>(element_count(out.shape)) * element_size(out.type);
  } catch (const Error& e) {
    src.error(who + ": " + e.what());
  }
  const Bytes bytes = buffer_bytes(src, model, t->buffer(), who);
  if (bytes.size != 0) {
    if (bytes.size != bytes_needed)
      src.error(who + ": buffer " + std::to_string(t->buffer()) + " has " + std::to_string(bytes.size) +
                " bytes, shape " + shape_string(out.shape) + " of " + element_type_name(out.type) + " needs " +
                std::to_string(bytes_needed));
    out.data = src.keeper ? ConstantData(bytes.data, bytes.size, src.keeper)
                          : ConstantData(std::vector<std::uint8_t>(bytes.data, bytes.data + bytes.size));
  }

  if (const tfl::QuantizationParameters* q = t->quantization()) {
    if (q->details_type() != tfl::QuantizationDetails::NONE)
      src.error(who + ": custom quantization is not supported");
    const std::size_t scales = length(q->scale()), zeros = length(q->zero_point());
    if (scales != zeros)
      src.error(who + ": quantization has " + std::to_string(scales) + " scales and " + std::to_string(zeros) +
                " zero points");
    if (scales > 0) {
      Quantization quant;
      quant.scales.assign(q->scale()->begin(), q->scale()->end());
      quant.zero_points.assign(q->zero_point()->begin(), q->zero_point()->end());
      quant.axis = q->quantized_dimension();
      out.quantization = std::move(quant);
    }
  }
  return out;
}

struct Code {
  std::int32_t builtin = 0;
  const TfliteOp* mapping = nullptr;  // nullptr: an operator nilm does not run
  std::string custom;
};

std::vector<Code> read_codes(const Source& src, const tfl::Model& model) {
  std::vector<Code> codes;
  for (std::size_t i = 0; i < length(model.operator_codes()); ++i) {
    const tfl::OperatorCode* c = model.operator_codes()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (!c) src.error("operator code " + std::to_string(i) + " is null");
    Code code;
    // TFLite's rule: the larger of the old int8 field and the int32 field is the code.
    code.builtin = std::max(static_cast<std::int32_t>(c->builtin_code()), static_cast<std::int32_t>(c->deprecated_builtin_code()));
    code.mapping = tflite_op_for_code(code.builtin);
    if (c->custom_code()) code.custom = c->custom_code()->str();
    if (code.builtin == static_cast<std::int32_t>(tfl::BuiltinOperator::CUSTOM)) code.mapping = nullptr;
    if (c->version() < 1) src.error("operator code " + std::to_string(i) + " has version " + std::to_string(c->version()));
    codes.push_back(std::move(code));
  }
  return codes;
}

std::string code_name(const Code& code) {
  if (code.builtin == static_cast<std::int32_t>(tfl::BuiltinOperator::CUSTOM)) return "custom operator '" + code.custom + "'";
  const char* name = tflite_builtin_name(code.builtin);
  return name ? name : "builtin code " + std::to_string(code.builtin);
}

Op read_operator(const Source& src, const std::vector<Code>& codes, const tfl::Operator* o, std::size_t index,
                 std::size_t tensor_count) {
  std::string who = "operator " + std::to_string(index);
  if (!o) src.error(who + " is null");
  if (o->opcode_index() >= codes.size())
    src.error(who + " uses operator code " + std::to_string(o->opcode_index()) + ", the file has " +
              std::to_string(codes.size()));
  const Code& code = codes[o->opcode_index()];
  if (!code.mapping) src.error(who + ": " + code_name(code) + " is not supported by nilm");
  who += " (" + std::string(op_name(code.mapping->kind)) + ")";
  if (length(o->custom_options()) || o->large_custom_options_size() > 0)
    src.error(who + ": custom options on a builtin operator are not supported");
  if (const auto* mutating = o->mutating_variable_inputs())
    for (bool m : *mutating)
      if (m) src.error(who + ": mutating variable inputs are not supported");

  Op op;
  op.kind = code.mapping->kind;
  auto indices = [&](const flatbuffers::Vector<std::int32_t>* v, bool inputs) {
    std::vector<int> out;
    if (!v) return out;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const int t = v->Get(static_cast<flatbuffers::uoffset_t>(i));
      if ((inputs && t < -1) || (!inputs && t < 0) || (t >= 0 && static_cast<std::size_t>(t) >= tensor_count))
        src.error(who + ": " + (inputs ? "input " : "output ") + std::to_string(i) + " refers to tensor " +
                  std::to_string(t) + ", the subgraph has " + std::to_string(tensor_count));
      out.push_back(t);
    }
    return out;
  };
  op.inputs = indices(o->inputs(), true);
  op.outputs = indices(o->outputs(), false);
  try {
    op.attrs = read_options(*o, *code.mapping);
  } catch (const Error& e) {
    src.error(who + ": " + e.what());
  }
  return op;
}

}  // namespace

Graph parse_tflite(const std::uint8_t* data, std::size_t size, const std::string& name,
                   std::shared_ptr<const void> keeper) {
  const Source src{data, size, name, keeper};
  if (!data || size < 8) src.error("file of " + std::to_string(size) + " bytes is too small to be a TFLite model");
  if (!tfl::ModelBufferHasIdentifier(data))
    src.error("not a TFLite model (the file identifier is not \"TFL3\")");
  flatbuffers::Verifier verifier(data, size);
  if (!tfl::VerifyModelBuffer(verifier))
    src.error("corrupt TFLite file: the flatbuffer verifier rejects it (truncated, or an offset points outside)");

  const tfl::Model& model = *tfl::GetModel(data);
  if (model.version() != 3) src.error("schema version " + std::to_string(model.version()) + ", expected 3");
  const std::size_t subgraphs = length(model.subgraphs());
  if (subgraphs == 0) src.error("the model has no subgraph");
  if (subgraphs > 1)
    src.error("the model has " + std::to_string(subgraphs) +
              " subgraphs; nilm runs single-subgraph models (no control flow)");
  const tfl::SubGraph* sg = model.subgraphs()->Get(0);
  if (!sg) src.error("subgraph 0 is null");

  Graph graph;
  if (model.description()) graph.description = model.description()->str();
  const std::size_t tensor_count = length(sg->tensors());
  for (std::size_t i = 0; i < tensor_count; ++i)
    graph.tensors.push_back(read_tensor(src, model, sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i)), i));

  const std::vector<Code> codes = read_codes(src, model);
  for (std::size_t i = 0; i < length(sg->operators()); ++i)
    graph.ops.push_back(read_operator(src, codes, sg->operators()->Get(static_cast<flatbuffers::uoffset_t>(i)), i, tensor_count));

  auto io = [&](const flatbuffers::Vector<std::int32_t>* v, const char* what) {
    std::vector<int> out;
    if (!v) return out;
    for (int t : *v) {
      if (t < 0 || static_cast<std::size_t>(t) >= tensor_count)
        src.error(std::string("subgraph ") + what + " refers to tensor " + std::to_string(t) + ", the subgraph has " +
                  std::to_string(tensor_count));
      out.push_back(t);
    }
    return out;
  };
  graph.inputs = io(sg->inputs(), "input");
  graph.outputs = io(sg->outputs(), "output");

  for (std::size_t i = 0; i < length(model.metadata()); ++i) {
    const tfl::Metadata* m = model.metadata()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const std::string who = "metadata entry " + std::to_string(i);
    if (!m || !m->name()) src.error(who + " has no name");
    const Bytes bytes = buffer_bytes(src, model, m->buffer(), who + " '" + m->name()->str() + "'");
    if (!graph.metadata.emplace(m->name()->str(), bytes.size ? std::string(reinterpret_cast<const char*>(bytes.data), bytes.size) : std::string()).second)
      src.error(who + ": the name '" + m->name()->str() + "' appears twice");
  }

  validate(graph, name);
  return graph;
}

Graph load_tflite(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  if (file->size() < kHugePageModelBytes) return parse_tflite(file->data(), file->size(), path, file);
  // A large model is read once into huge pages (core/huge_page_buffer.h) instead: its weights
  // are streamed on every run (the float CNN's 40 MB: ~7% faster here). Read, not copied from
  // the mapping (never touched), so the file is not in this process's memory twice.
  const std::size_t size = file->size();
  file.reset();
  auto copy = std::make_shared<HugePageBuffer>(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(copy->data()), std::streamsize(size)))
    fail(path + ": read failed after " + std::to_string(in.gcount()) + " of " + std::to_string(size) + " bytes");
  return parse_tflite(copy->data(), copy->size(), path, copy);
}

}  // namespace nilm::model
