// The static graph IR shared by the converter, the quantizer, the .tflite writer/loader and the
// runtime. It mirrors TFLite's model (one subgraph, builtin ops, static shapes, NHWC
// activations) so a Graph maps 1:1 onto a .tflite file and back, with nothing lost.
//
// Conventions (same as TFLite, see docs/model_format.md):
//   activations NHWC; a 1-D signal [N, W, C] is run by the 2-D ops as [N, 1, W, C];
//   CONV_2D weights OHWI [out, kh, kw, in]; DEPTHWISE_CONV_2D weights [1, kh, kw, out];
//   FULLY_CONNECTED weights [out, in]; biases [out].
//   Quantized value q stands for real = scale * (q - zero_point).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace nilm::model {

// ---- tensors ---------------------------------------------------------------------------------

enum class ElementType : std::uint8_t { f32, f16, i8, i16, i32, i64, u8 };

std::size_t element_size(ElementType type);  // bytes per element
const char* element_type_name(ElementType type);  // "f32", "i8", ...

using Shape = std::vector<int>;  // static: every dimension >= 0 (TFLite stores int32)

// Number of elements; throws nilm::Error if a dimension is negative or the product overflows.
std::int64_t element_count(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[1,599,1]"

// Constant bytes of a tensor: either owned (a vector moved in) or a view into memory kept alive
// by `keeper` (the memory-mapped model file). Copies share the bytes. Views into a .tflite file
// are 16-byte aligned because the writer aligns every buffer.
class ConstantData {
 public:
  ConstantData() = default;
  explicit ConstantData(std::vector<std::uint8_t> bytes);
  ConstantData(const std::uint8_t* data, std::size_t size, std::shared_ptr<const void> keeper);

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0 && !keeper_; }
  template <class T> const T* as() const { return reinterpret_cast<const T*>(data_); }
  bool same_bytes(const ConstantData& other) const;  // byte-wise equality

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::shared_ptr<const void> keeper_;
};

// Per-tensor when scales.size() == 1, else per-channel along `axis` (scales.size() ==
// shape[axis]). zero_points has the same length as scales.
struct Quantization {
  std::vector<float> scales;
  std::vector<std::int64_t> zero_points;
  int axis = 0;
  bool per_channel() const { return scales.size() > 1; }
  bool operator==(const Quantization&) const = default;
};

struct Tensor {
  std::string name;
  ElementType type = ElementType::f32;
  Shape shape;
  ConstantData data;                       // empty: computed at run time (or a graph input)
  std::optional<Quantization> quantization;

  bool is_constant() const { return !data.empty(); }
  std::int64_t elements() const { return element_count(shape); }
  std::size_t byte_size() const { return static_cast<std::size_t>(elements()) * element_size(type); }
};

// ---- operators -------------------------------------------------------------------------------

// Every op is a TFLite builtin with the same semantics (docs/model_format.md lists them).
enum class OpKind : std::uint8_t {
  conv2d, depthwise_conv2d, max_pool2d, average_pool2d, fully_connected,
  reshape, transpose, concatenation, mean,
  add, sub, mul, div, squared_difference, pow,
  sqrt, rsqrt, tanh, relu, logistic, gelu, softmax,
  batch_matmul, quantize, dequantize,
};
inline constexpr int op_kind_count = static_cast<int>(OpKind::dequantize) + 1;

enum class Padding : std::uint8_t { same, valid };
// Fused activation applied to an op's output (TFLite's ActivationFunctionType subset).
// tanh exists in the schema but TFLite's kernels ignore it (FULLY_CONNECTED refuses it), so
// validate() refuses it: a graph uses a TANH op instead.
enum class Activation : std::uint8_t { none, relu, relu_n1_to_1, relu6, tanh };

const char* padding_name(Padding padding);
const char* activation_name(Activation activation);

struct NoAttrs { bool operator==(const NoAttrs&) const = default; };
struct Conv2DAttrs {  // inputs: x, weights OHWI, bias (optional, -1)
  Padding padding = Padding::valid;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Activation activation = Activation::none;
  bool operator==(const Conv2DAttrs&) const = default;
};
struct DepthwiseConv2DAttrs {  // inputs: x, weights [1,kh,kw,C*m], bias (optional)
  Padding padding = Padding::valid;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int depth_multiplier = 1;
  Activation activation = Activation::none;
  bool operator==(const DepthwiseConv2DAttrs&) const = default;
};
struct Pool2DAttrs {  // max_pool2d, average_pool2d
  Padding padding = Padding::valid;
  int stride_h = 1, stride_w = 1, filter_h = 1, filter_w = 1;
  Activation activation = Activation::none;
  bool operator==(const Pool2DAttrs&) const = default;
};
struct FullyConnectedAttrs {  // inputs: x [..., in], weights [out, in], bias [out] (optional)
  Activation activation = Activation::none;
  bool keep_num_dims = false;               // false: output [elements/in, out]
  bool asymmetric_quantize_inputs = false;  // dynamic-range (hybrid) mode only
  bool operator==(const FullyConnectedAttrs&) const = default;
};
struct ReshapeAttrs {  // inputs: x, optional int32 shape tensor; output shape is authoritative
  Shape new_shape;
  bool operator==(const ReshapeAttrs&) const = default;
};
struct ConcatenationAttrs {
  int axis = 0;  // may be negative (counted from the end), as in TFLite
  Activation activation = Activation::none;
  bool operator==(const ConcatenationAttrs&) const = default;
};
struct MeanAttrs {  // inputs: x, int32 axes tensor (constant)
  bool keep_dims = false;
  bool operator==(const MeanAttrs&) const = default;
};
struct BinaryAttrs {  // add, sub, mul, div (broadcasting); squared_difference, pow have none
  Activation activation = Activation::none;
  bool operator==(const BinaryAttrs&) const = default;
};
struct SoftmaxAttrs {  // over the last axis
  float beta = 1.0f;
  bool operator==(const SoftmaxAttrs&) const = default;
};
struct GeluAttrs {
  bool approximate = false;  // true: tanh approximation
  bool operator==(const GeluAttrs&) const = default;
};
struct BatchMatMulAttrs {  // inputs: a [..., m, k], b [..., k, n] (adj_* transpose the last two)
  bool adj_x = false, adj_y = false;
  bool asymmetric_quantize_inputs = false;
  bool operator==(const BatchMatMulAttrs&) const = default;
};
// transpose (inputs: x, int32 permutation tensor), quantize, dequantize and the unary
// ops carry no attributes: NoAttrs.

using OpAttrs = std::variant<NoAttrs, Conv2DAttrs, DepthwiseConv2DAttrs, Pool2DAttrs,
                             FullyConnectedAttrs, ReshapeAttrs, ConcatenationAttrs, MeanAttrs,
                             BinaryAttrs, SoftmaxAttrs, GeluAttrs, BatchMatMulAttrs>;

struct Op {
  OpKind kind = OpKind::add;
  std::vector<int> inputs;   // tensor indices; -1 marks an absent optional input
  std::vector<int> outputs;
  OpAttrs attrs;

  template <class T> const T& attr() const { return std::get<T>(attrs); }
};

// What each kind is: its name (TFLite's), arity and which attribute struct it carries.
struct OpInfo {
  OpKind kind;
  const char* name;        // "CONV_2D"
  int min_inputs, max_inputs;
  int outputs;
  std::size_t attrs_index;  // index into OpAttrs
};
const OpInfo& op_info(OpKind kind);
const char* op_name(OpKind kind);

// ---- the graph -------------------------------------------------------------------------------

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;          // execution order: every op reads only tensors already computed
  std::vector<int> inputs;      // tensor indices fed by the caller
  std::vector<int> outputs;     // tensor indices returned to the caller
  std::map<std::string, std::string> metadata;  // key -> bytes (model_info.h for nilm's keys)
  std::string description;

  const Tensor& tensor(int index) const { return tensors.at(static_cast<std::size_t>(index)); }
  Tensor& tensor(int index) { return tensors.at(static_cast<std::size_t>(index)); }
  int add_tensor(Tensor tensor);  // returns its index
};

// Checks everything a consumer relies on: indices in range, op arity and attributes, shapes
// consistent with each op's semantics (so kernels never index out of bounds), element types,
// constant sizes, quantization array lengths, execution order. Throws nilm::Error starting
// with `where` (usually the file name) and naming the operator or tensor at fault.
void validate(const Graph& graph, const std::string& where);

// Output shapes an op produces from its input shapes and attributes (the rules of TFLite's
// kernels). Throws nilm::Error describing the mismatch. Used by the builder and validate().
std::vector<Shape> infer_output_shapes(const Graph& graph, const Op& op);

// Structural equality: tensors (names, types, shapes, bytes, quantization), ops, I/O, metadata.
bool same_graph(const Graph& a, const Graph& b, std::string* first_difference = nullptr);

}  // namespace nilm::model
