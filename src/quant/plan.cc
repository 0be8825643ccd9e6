// The per-op precision plan: which ops of a float graph run on integer activations (int8 or
// int16) and which stay float, in a mode with integer activations. Table-driven: one row per op
// kind says what TFLite has integer kernels for and what the plan prefers, then a few ordered
// rules (docs/quantization.md explains each) look at the op's neighbourhood.
#include <algorithm>
#include <array>
#include <set>

#include "core/error.h"
#include "quant/quantize.h"
#include "runtime/kernel_registry.h"

namespace nilm::quant {
namespace {

using model::ElementType;
using model::OpKind;
constexpr ElementType f32 = ElementType::f32, i8 = ElementType::i8, i16 = ElementType::i16;

// How an op kind's integer version relates to its input.
enum class Role : std::uint8_t {
  compute,   // own output range (conv, dense, elementwise, ...)
  follows,   // keeps its input's type, scale and zero point (TFLite's same-scale ops)
  fixed,     // fixed output scale (softmax, logistic, tanh)
};

struct KindRow {
  OpKind kind;
  Role role;
  bool int8_kernel, int16_kernel;  // TFLite has an integer kernel (reference or optimized)
  ElementType a8, a16;             // the plan's choice in w8_a8 / w8_a16 before the rules
  const char* reason;
};

// clang-format off
constexpr std::array<KindRow, model::op_kind_count> kKinds = {{
  {OpKind::conv2d,             Role::compute, true,  true,  i8,  i16, "integer conv (per-channel int8 weights)"},
  {OpKind::depthwise_conv2d,   Role::compute, true,  true,  i8,  i16, "integer depthwise conv"},
  {OpKind::max_pool2d,         Role::follows, true,  true,  i8,  i16, "same scale as its input"},
  {OpKind::average_pool2d,     Role::follows, true,  true,  i8,  i16, "same scale as its input"},
  {OpKind::fully_connected,    Role::compute, true,  true,  i8,  i16, "integer dense (per-channel int8 weights)"},
  {OpKind::reshape,            Role::follows, true,  true,  i8,  i16, "same scale as its input"},
  {OpKind::transpose,          Role::follows, true,  true,  i8,  i16, "same scale as its input"},
  {OpKind::concatenation,      Role::compute, true,  true,  i8,  i16, "integer concatenation"},
  {OpKind::mean,               Role::compute, true,  true,  i8,  i16, "integer mean"},
  {OpKind::add,                Role::compute, true,  true,  i8,  i16, "integer add"},
  {OpKind::sub,                Role::compute, true,  true,  i8,  i16, "integer sub"},
  {OpKind::mul,                Role::compute, true,  true,  i8,  i16, "integer mul"},
  {OpKind::div,                Role::compute, false, false, f32, f32, "TFLite has no int8/int16 DIV kernel"},
  {OpKind::squared_difference, Role::compute, true,  false, f32, f32, "layer-norm variance: a square doubles the dynamic range; kept float"},
  {OpKind::pow,                Role::compute, false, false, f32, f32, "TFLite has no integer POW kernel"},
  {OpKind::sqrt,               Role::compute, false, false, f32, f32, "TFLite has no integer SQRT kernel"},
  {OpKind::rsqrt,              Role::compute, true,  true,  f32, f32, "1/sqrt of a variance near 0 explodes on an integer grid (the reference's rmse/scale 41 and inf); kept float"},
  {OpKind::tanh,               Role::fixed,   true,  true,  i8,  i16, "integer tanh (fixed output scale)"},
  {OpKind::relu,               Role::compute, true,  true,  i8,  i16, "integer relu"},
  {OpKind::logistic,           Role::fixed,   true,  true,  i8,  i16, "integer logistic (fixed output scale)"},
  {OpKind::gelu,               Role::compute, true,  true,  i8,  i16, "integer GELU (lookup table)"},
  {OpKind::softmax,            Role::fixed,   true,  true,  i8,  i16, "integer softmax (fixed output scale)"},
  {OpKind::batch_matmul,       Role::compute, true,  true,  i8,  i16, "integer batch matmul"},
  {OpKind::quantize,           Role::compute, false, false, f32, f32, "already quantized graph"},
  {OpKind::dequantize,         Role::compute, false, false, f32, f32, "already quantized graph"},
}};
// clang-format on

// A softmax row longer than this has mean probability below int8's fixed output step (1/256):
// attention over 299 positions rounds most weights to 0 or 1 step.
constexpr int kInt8SoftmaxMaxRow = 256;

const KindRow& row(OpKind kind) {
  const auto& r = kKinds[static_cast<std::size_t>(kind)];
  if (r.kind != kind) fail("quantization plan table out of order");
  return r;
}

bool is_weighted(OpKind k) {
  return k == OpKind::conv2d || k == OpKind::depthwise_conv2d || k == OpKind::fully_connected;
}

// Elementwise / reduction / data-movement ops: inside a float island they stay float, since
// quantizing them there buys no speed and adds two conversions and rounding.
bool joins_float_island(OpKind k) {
  switch (k) {
    case OpKind::add: case OpKind::sub: case OpKind::mul: case OpKind::mean: case OpKind::relu:
    case OpKind::reshape: case OpKind::transpose: case OpKind::max_pool2d: case OpKind::average_pool2d:
    case OpKind::concatenation:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool follows_input_scale(OpKind kind) { return row(kind).role == Role::follows; }
bool has_fixed_output_scale(OpKind kind) { return row(kind).role == Role::fixed; }

KernelQuery runtime_kernel_query() {
  return [](OpKind op, ElementType in, ElementType w, ElementType out) {
    for (const auto& e : runtime::kernel_table())
      if (e.op == op && e.input == in && e.weights == w && e.output == out) return true;
    return false;
  };
}

// The kernel table keys an op by the type of its second input: an int32 constant for MEAN's
// axes, RESHAPE's shape and TRANSPOSE's permutation, the weights or the other operand else.
static ElementType second_input_type(const model::Graph& g, const model::Op& op, ElementType activation) {
  if (op.inputs.size() > 1 && op.inputs[1] >= 0 && g.tensor(op.inputs[1]).type == ElementType::i32)
    return ElementType::i32;
  return activation;
}

std::vector<LayerPlan> plan_layers(const model::Graph& g, const QuantizeOptions& options) {
  const ModeTraits& mode = traits(options.mode);
  const std::set<std::string> keep(options.keep_float.begin(), options.keep_float.end());
  std::set<std::string> unused_keep = keep;
  std::vector<ElementType> produced(g.tensors.size(), f32);  // precision of each op output
  std::vector<bool> by_op(g.tensors.size(), false);
  for (int t : g.inputs)
    produced[std::size_t(t)] = options.int8_io && mode.activation != f32 ? mode.activation : f32;
  const KernelQuery query = options.has_kernel ? options.has_kernel : runtime_kernel_query();
  std::vector<LayerPlan> plan;
  for (const auto& op : g.ops) {
    const std::string& name = g.tensor(op.outputs.at(0)).name;
    const KindRow& r = row(op.kind);
    LayerPlan p{name, op.kind, f32, ""};
    if (op.kind == OpKind::quantize || op.kind == OpKind::dequantize)
      fail("quantize: the graph is already quantized (operator " + std::string(model::op_name(op.kind)) + ")");
    // activation inputs (non-constant) and their precisions
    std::vector<ElementType> in;
    bool float_island = false;
    for (int t : op.inputs) {
      if (t < 0 || g.tensor(t).is_constant()) continue;
      in.push_back(produced[std::size_t(t)]);
      if (by_op[std::size_t(t)] && produced[std::size_t(t)] == f32) float_island = true;
    }
    const bool square = op.kind == OpKind::mul && op.inputs.size() == 2 && op.inputs[0] == op.inputs[1];
    if (mode.activation == f32) {
      p.reason = mode.hybrid && is_weighted(op.kind) ? "hybrid: int8 weights, input quantized per inference"
                                                     : "float activations in this mode";
    } else if (keep.count(name)) {
      unused_keep.erase(name);
      p.reason = "--keep-float";
    } else if (mode.fallback_to_kernels && !query(op.kind, i8, second_input_type(g, op, i8), i8)) {
      p.reason = "no int8 kernel in nilm's runtime: float fallback";
    } else if (square) {
      p.reason = "a square doubles the dynamic range (L2 pooling): kept float";
    } else if (float_island && joins_float_island(op.kind)) {
      p.reason = "inside a float island (an input is float): stays float";
    } else {
      ElementType want = mode.activation == i16 ? r.a16 : r.a8;
      const char* reason = r.reason;
      if (op.kind == OpKind::softmax && want == i8 && g.tensor(op.inputs[0]).shape.back() > kInt8SoftmaxMaxRow) {
        want = i16;  // TFLite has int16 softmax; the requantize around it is cheap next to the matmuls
        reason = "int16 softmax: over more than 256 entries the mean probability is below int8's fixed step 1/256";
      }
      if (r.role == Role::follows && !in.empty() && in[0] != f32) want = in[0];
      if ((want == i8 && !r.int8_kernel) || (want == i16 && !r.int16_kernel)) {
        want = f32;
        reason = "TFLite has no integer kernel of this width";
      }
      if (mode.fallback_to_kernels && want != f32 && !query(op.kind, want, second_input_type(g, op, want), want)) {
        want = f32;
        reason = "no kernel of this width in nilm's runtime: float fallback";
      }
      p.precision = want;
      p.reason = reason;
    }
    for (int t : op.outputs) {
      produced[std::size_t(t)] = p.precision;
      by_op[std::size_t(t)] = true;
    }
    plan.push_back(p);
  }
  if (!unused_keep.empty())
    fail("--keep-float: no layer named '" + *unused_keep.begin() + "' (a layer is named by its op's output tensor)");
  return plan;
}

}  // namespace nilm::quant
