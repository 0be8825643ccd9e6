// Graph IR -> ONNX (`nilm convert --format onnx`): the same model for ONNX Runtime and other
// ONNX consumers, so peers can be compared on identical weights. Host tool only: protobuf and
// the onnx classes stay inside onnx_*.cc (nothing in src/model or src/runtime sees them).
//
// What is written (docs/model_format.md, "ONNX export"): opset 21 (ir_version 10), standard
// ops only, static shapes, the graph inputs/outputs with the IR's names, types and NHWC shapes;
// convolutions and pools run in ONNX's NCHW with Transposes inserted only where a tensor
// changes layout; every `Graph::metadata` entry as `metadata_props`, the description as the
// doc string. Quantized graphs (TFLite-style scales and zero points on tensors) become QDQ:
// int8/int16 tensors stay integer in ONNX, each quantized op becomes DequantizeLinear on its
// inputs -> the float op -> QuantizeLinear with the output's scale and zero point, the pattern
// ONNX Runtime fuses into QLinearConv / QLinearMatMul / QGemm; shape-only ops (RESHAPE,
// TRANSPOSE, MAX_POOL_2D with unchanged quantization) run on the integers directly; int8
// activations are stored as uint8 (zero point + 128, same values: ONNX Runtime's x86 kernels
// want them). Hybrid (w8) ops become dynamic quantization: DynamicQuantizeLinear of the input,
// ConvInteger / MatMulInteger with the int8 weights, rescale to float.
#pragma once

#include <string>

#include "model/graph.h"

namespace nilm::convert {

inline constexpr int kOnnxOpset = 21;

// The serialized ModelProto. `where` (usually the output file name) prefixes every error; the
// graph is validated first.
std::string graph_to_onnx(const model::Graph& graph, const std::string& where);

// Writes graph_to_onnx(graph, path) to `path` (nilm::Error naming the file if it cannot).
void save_onnx(const model::Graph& graph, const std::string& path);

}  // namespace nilm::convert
