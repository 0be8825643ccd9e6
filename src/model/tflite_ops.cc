#include "model/tflite_ops.h"

#include <array>
#include <string>

#include "core/error.h"

namespace nilm::model {

namespace {

using tflite::BuiltinOperator;
using tflite::BuiltinOptions;
namespace tfl = tflite;

const std::array<TfliteOp, op_kind_count> table{{
    {OpKind::conv2d, BuiltinOperator::CONV_2D, BuiltinOptions::Conv2DOptions, true},
    {OpKind::depthwise_conv2d, BuiltinOperator::DEPTHWISE_CONV_2D, BuiltinOptions::DepthwiseConv2DOptions, true},
    {OpKind::max_pool2d, BuiltinOperator::MAX_POOL_2D, BuiltinOptions::Pool2DOptions, true},
    {OpKind::average_pool2d, BuiltinOperator::AVERAGE_POOL_2D, BuiltinOptions::Pool2DOptions, true},
    {OpKind::fully_connected, BuiltinOperator::FULLY_CONNECTED, BuiltinOptions::FullyConnectedOptions, false},
    {OpKind::reshape, BuiltinOperator::RESHAPE, BuiltinOptions::ReshapeOptions, false},
    {OpKind::transpose, BuiltinOperator::TRANSPOSE, BuiltinOptions::TransposeOptions, false},
    {OpKind::concatenation, BuiltinOperator::CONCATENATION, BuiltinOptions::ConcatenationOptions, true},
    {OpKind::mean, BuiltinOperator::MEAN, BuiltinOptions::ReducerOptions, false},
    {OpKind::add, BuiltinOperator::ADD, BuiltinOptions::AddOptions, false},
    {OpKind::sub, BuiltinOperator::SUB, BuiltinOptions::SubOptions, false},
    {OpKind::mul, BuiltinOperator::MUL, BuiltinOptions::MulOptions, false},
    {OpKind::div, BuiltinOperator::DIV, BuiltinOptions::DivOptions, false},
    {OpKind::squared_difference, BuiltinOperator::SQUARED_DIFFERENCE, BuiltinOptions::SquaredDifferenceOptions, false},
    {OpKind::pow, BuiltinOperator::POW, BuiltinOptions::PowOptions, false},
    {OpKind::sqrt, BuiltinOperator::SQRT, BuiltinOptions::NONE, false},
    {OpKind::rsqrt, BuiltinOperator::RSQRT, BuiltinOptions::NONE, false},
    {OpKind::tanh, BuiltinOperator::TANH, BuiltinOptions::NONE, false},
    {OpKind::relu, BuiltinOperator::RELU, BuiltinOptions::NONE, false},
    {OpKind::logistic, BuiltinOperator::LOGISTIC, BuiltinOptions::NONE, false},
    {OpKind::gelu, BuiltinOperator::GELU, BuiltinOptions::GeluOptions, false},
    {OpKind::softmax, BuiltinOperator::SOFTMAX, BuiltinOptions::SoftmaxOptions, true},
    {OpKind::batch_matmul, BuiltinOperator::BATCH_MATMUL, BuiltinOptions::BatchMatMulOptions, false},
    {OpKind::quantize, BuiltinOperator::QUANTIZE, BuiltinOptions::QuantizeOptions, false},
    {OpKind::dequantize, BuiltinOperator::DEQUANTIZE, BuiltinOptions::DequantizeOptions, false},
}};

tfl::Padding to_tflite(Padding p) { return p == Padding::same ? tfl::Padding::SAME : tfl::Padding::VALID; }

Padding from_tflite(tfl::Padding p) {
  switch (p) {
    case tfl::Padding::SAME: return Padding::same;
    case tfl::Padding::VALID: return Padding::valid;
  }
  fail("padding " + std::to_string(static_cast<int>(p)) + " is unknown");
}

tfl::ActivationFunctionType to_tflite(Activation a) {
  switch (a) {
    case Activation::none: return tfl::ActivationFunctionType::NONE;
    case Activation::relu: return tfl::ActivationFunctionType::RELU;
    case Activation::relu_n1_to_1: return tfl::ActivationFunctionType::RELU_N1_TO_1;
    case Activation::relu6: return tfl::ActivationFunctionType::RELU6;
    case Activation::tanh: return tfl::ActivationFunctionType::TANH;
  }
  fail("fused activation is unknown");
}

Activation from_tflite(tfl::ActivationFunctionType a) {
  switch (a) {
    case tfl::ActivationFunctionType::NONE: return Activation::none;
    case tfl::ActivationFunctionType::RELU: return Activation::relu;
    case tfl::ActivationFunctionType::RELU_N1_TO_1: return Activation::relu_n1_to_1;
    case tfl::ActivationFunctionType::RELU6: return Activation::relu6;
    case tfl::ActivationFunctionType::TANH: return Activation::tanh;
    case tfl::ActivationFunctionType::SIGN_BIT: fail("fused activation SIGN_BIT is not supported");
  }
  fail("fused activation " + std::to_string(static_cast<int>(a)) + " is unknown");
}

}  // namespace

const TfliteOp& tflite_op(OpKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  if (index >= table.size()) fail("operator kind " + std::to_string(index) + " is unknown");
  return table[index];
}

const TfliteOp* tflite_op_for_code(std::int32_t code) {
  for (const auto& entry : table)
    if (static_cast<std::int32_t>(entry.code) == code) return &entry;
  return nullptr;
}

std::pair<BuiltinOptions, flatbuffers::Offset<void>> write_options(flatbuffers::FlatBufferBuilder& fbb,
                                                                   const Op& op) {
  const BuiltinOptions type = tflite_op(op.kind).options;
  switch (op.kind) {
    case OpKind::conv2d: {
      const auto& a = op.attr<Conv2DAttrs>();
      return {type, tfl::CreateConv2DOptions(fbb, to_tflite(a.padding), a.stride_w, a.stride_h, to_tflite(a.activation),
                                             a.dilation_w, a.dilation_h).Union()};
    }
    case OpKind::depthwise_conv2d: {
      const auto& a = op.attr<DepthwiseConv2DAttrs>();
      return {type, tfl::CreateDepthwiseConv2DOptions(fbb, to_tflite(a.padding), a.stride_w, a.stride_h,
                                                      a.depth_multiplier, to_tflite(a.activation), a.dilation_w,
                                                      a.dilation_h).Union()};
    }
    case OpKind::max_pool2d:
    case OpKind::average_pool2d: {
      const auto& a = op.attr<Pool2DAttrs>();
      return {type, tfl::CreatePool2DOptions(fbb, to_tflite(a.padding), a.stride_w, a.stride_h, a.filter_w, a.filter_h,
                                             to_tflite(a.activation)).Union()};
    }
    case OpKind::fully_connected: {
      const auto& a = op.attr<FullyConnectedAttrs>();
      return {type, tfl::CreateFullyConnectedOptions(fbb, to_tflite(a.activation),
                                                     tfl::FullyConnectedOptionsWeightsFormat::DEFAULT, a.keep_num_dims,
                                                     a.asymmetric_quantize_inputs).Union()};
    }
    case OpKind::reshape: {
      const auto& a = op.attr<ReshapeAttrs>();
      return {type, tfl::CreateReshapeOptions(fbb, a.new_shape.empty() ? 0 : fbb.CreateVector(a.new_shape)).Union()};
    }
    case OpKind::concatenation: {
      const auto& a = op.attr<ConcatenationAttrs>();
      return {type, tfl::CreateConcatenationOptions(fbb, a.axis, to_tflite(a.activation)).Union()};
    }
    case OpKind::mean: return {type, tfl::CreateReducerOptions(fbb, op.attr<MeanAttrs>().keep_dims).Union()};
    case OpKind::add: return {type, tfl::CreateAddOptions(fbb, to_tflite(op.attr<BinaryAttrs>().activation)).Union()};
    case OpKind::sub: return {type, tfl::CreateSubOptions(fbb, to_tflite(op.attr<BinaryAttrs>().activation)).Union()};
    case OpKind::mul: return {type, tfl::CreateMulOptions(fbb, to_tflite(op.attr<BinaryAttrs>().activation)).Union()};
    case OpKind::div: return {type, tfl::CreateDivOptions(fbb, to_tflite(op.attr<BinaryAttrs>().activation)).Union()};
    case OpKind::transpose: return {type, tfl::CreateTransposeOptions(fbb).Union()};
    case OpKind::squared_difference: return {type, tfl::CreateSquaredDifferenceOptions(fbb).Union()};
    case OpKind::pow: return {type, tfl::CreatePowOptions(fbb).Union()};
    case OpKind::gelu: return {type, tfl::CreateGeluOptions(fbb, op.attr<GeluAttrs>().approximate).Union()};
    case OpKind::softmax: return {type, tfl::CreateSoftmaxOptions(fbb, op.attr<SoftmaxAttrs>().beta).Union()};
    case OpKind::batch_matmul: {
      const auto& a = op.attr<BatchMatMulAttrs>();
      return {type, tfl::CreateBatchMatMulOptions(fbb, a.adj_x, a.adj_y, a.asymmetric_quantize_inputs).Union()};
    }
    case OpKind::quantize: return {type, tfl::CreateQuantizeOptions(fbb).Union()};
    case OpKind::dequantize: return {type, tfl::CreateDequantizeOptions(fbb).Union()};
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::relu:
    case OpKind::logistic: return {BuiltinOptions::NONE, 0};
  }
  fail("operator kind is unknown");
}

OpAttrs read_options(const tflite::Operator& op, const TfliteOp& mapping) {
  const BuiltinOptions type = op.builtin_options_type();
  const bool present = type != BuiltinOptions::NONE && op.builtin_options() != nullptr;
  if (present && type != mapping.options)
    fail(std::string("carries ") + tfl::EnumNameBuiltinOptions(type) + " instead of " +
         (mapping.options == BuiltinOptions::NONE ? "no options" : tfl::EnumNameBuiltinOptions(mapping.options)));
  if (!present && type != BuiltinOptions::NONE)
    fail(std::string("declares ") + tfl::EnumNameBuiltinOptions(type) + " but stores none");
  if (!present && mapping.options_required)
    fail(std::string("has no ") + tfl::EnumNameBuiltinOptions(mapping.options));

  switch (mapping.kind) {
    case OpKind::conv2d: {
      const auto* o = op.builtin_options_as_Conv2DOptions();
      if (o->quantized_bias_type() != tfl::TensorType::FLOAT32)
        fail("quantized_bias_type is not supported");
      return Conv2DAttrs{from_tflite(o->padding()), o->stride_h(), o->stride_w(), o->dilation_h_factor(),
                         o->dilation_w_factor(), from_tflite(o->fused_activation_function())};
    }
    case OpKind::depthwise_conv2d: {
      const auto* o = op.builtin_options_as_DepthwiseConv2DOptions();
      return DepthwiseConv2DAttrs{from_tflite(o->padding()), o->stride_h(), o->stride_w(), o->dilation_h_factor(),
                                  o->dilation_w_factor(), o->depth_multiplier(),
                                  from_tflite(o->fused_activation_function())};
    }
    case OpKind::max_pool2d:
    case OpKind::average_pool2d: {
      const auto* o = op.builtin_options_as_Pool2DOptions();
      return Pool2DAttrs{from_tflite(o->padding()), o->stride_h(), o->stride_w(), o->filter_height(),
                         o->filter_width(), from_tflite(o->fused_activation_function())};
    }
    case OpKind::fully_connected: {
      const auto* o = op.builtin_options_as_FullyConnectedOptions();
      if (!o) return FullyConnectedAttrs{};
      if (o->weights_format() != tfl::FullyConnectedOptionsWeightsFormat::DEFAULT)
        fail("weights format SHUFFLED4x16INT8 is not supported");
      if (o->quantized_bias_type() != tfl::TensorType::FLOAT32) fail("quantized_bias_type is not supported");
      return FullyConnectedAttrs{from_tflite(o->fused_activation_function()), o->keep_num_dims(),
                                 o->asymmetric_quantize_inputs()};
    }
    case OpKind::reshape: {
      const auto* o = op.builtin_options_as_ReshapeOptions();
      ReshapeAttrs a;
      if (o && o->new_shape()) a.new_shape.assign(o->new_shape()->begin(), o->new_shape()->end());
      return a;
    }
    case OpKind::concatenation: {
      const auto* o = op.builtin_options_as_ConcatenationOptions();
      return ConcatenationAttrs{o->axis(), from_tflite(o->fused_activation_function())};
    }
    case OpKind::mean: {
      const auto* o = op.builtin_options_as_ReducerOptions();
      return MeanAttrs{o ? o->keep_dims() : false};
    }
    case OpKind::add: {
      const auto* o = op.builtin_options_as_AddOptions();
      return BinaryAttrs{o ? from_tflite(o->fused_activation_function()) : Activation::none};
    }
    case OpKind::sub: {
      const auto* o = op.builtin_options_as_SubOptions();
      return BinaryAttrs{o ? from_tflite(o->fused_activation_function()) : Activation::none};
    }
    case OpKind::mul: {
      const auto* o = op.builtin_options_as_MulOptions();
      return BinaryAttrs{o ? from_tflite(o->fused_activation_function()) : Activation::none};
    }
    case OpKind::div: {
      const auto* o = op.builtin_options_as_DivOptions();
      return BinaryAttrs{o ? from_tflite(o->fused_activation_function()) : Activation::none};
    }
    case OpKind::gelu: {
      const auto* o = op.builtin_options_as_GeluOptions();
      return GeluAttrs{o ? o->approximate() : false};
    }
    case OpKind::softmax: return SoftmaxAttrs{op.builtin_options_as_SoftmaxOptions()->beta()};
    case OpKind::batch_matmul: {
      const auto* o = op.builtin_options_as_BatchMatMulOptions();
      if (!o) return BatchMatMulAttrs{};
      return BatchMatMulAttrs{o->adj_x(), o->adj_y(), o->asymmetric_quantize_inputs()};
    }
    case OpKind::transpose:
    case OpKind::squared_difference:
    case OpKind::pow:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::relu:
    case OpKind::logistic:
    case OpKind::quantize:
    case OpKind::dequantize: return NoAttrs{};
  }
  fail("operator kind is unknown");
}

}  // namespace nilm::model
