// A thin layer over onnx::GraphProto for the exporter (onnx_export.cc): unique value names,
// initializers from raw bytes, nodes with attributes. Internal to src/convert; the only other
// file that sees protobuf.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "model/graph.h"

namespace nilm::convert::onnx_detail {

// TensorProto.DataType for an IR element type.
int onnx_type(model::ElementType type);

class OnnxBuilder {
 public:
  explicit OnnxBuilder(onnx::GraphProto* graph) : graph_(graph) {}

  // A value name not used yet: `base`, else base_1, base_2, ...
  std::string fresh(const std::string& base);
  void reserve(const std::string& name) { used_.insert(name); }

  std::string initializer(const std::string& base, model::ElementType type, const model::Shape& shape,
                          const void* bytes, std::size_t size);
  std::string floats(const std::string& base, const model::Shape& shape, const std::vector<float>& values);
  std::string int64s(const std::string& base, const std::vector<std::int64_t>& values);  // 1-D
  // Zero points as a tensor of `type` (int8, uint8, int16, int32): a scalar when one value.
  std::string zero_points(const std::string& base, model::ElementType type, const std::vector<std::int64_t>& values);

  // Adds a node with one output named fresh(output_base); returns it for attributes.
  onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::string& output_base);

  void add_input(const std::string& name, model::ElementType type, const model::Shape& shape);
  void add_output(const std::string& name, model::ElementType type, const model::Shape& shape);

 private:
  onnx::GraphProto* graph_;
  std::set<std::string> used_;
};

void set_attr(onnx::NodeProto& node, const std::string& name, std::int64_t value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values);
void set_attr(onnx::NodeProto& node, const std::string& name, float value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value);

}  // namespace nilm::convert::onnx_detail
