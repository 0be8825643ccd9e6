// Internal to the model layer: how each OpKind is stored in a .tflite file (builtin code, the
// options table of the BuiltinOptions union) and the conversions of its attributes both ways.
#pragma once

#include <utility>

#include "model/graph.h"
#include "model/tflite_schema_generated.h"

namespace nilm::model {

struct TfliteOp {
  OpKind kind;
  tflite::BuiltinOperator code;
  tflite::BuiltinOptions options;  // the union member this op carries (NONE: no options)
  bool options_required;           // TFLite has no usable defaults (strides, beta): refuse NONE
};

const TfliteOp& tflite_op(OpKind kind);
const TfliteOp* tflite_op_for_code(std::int32_t code);  // nullptr: not an op nilm runs

std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> write_options(flatbuffers::FlatBufferBuilder& fbb,
                                                                           const Op& op);

// Attributes of `kind` from the operator's options (throws nilm::Error with a short reason).
OpAttrs read_options(const tflite::Operator& op, const TfliteOp& mapping);

}  // namespace nilm::model
