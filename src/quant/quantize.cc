// The rewrite: walks the float graph op by op, emits each op at the precision the plan chose,
// and converts its inputs to what it needs (QUANTIZE / DEQUANTIZE / requantize, quantized
// constants), TFLite's quantization spec throughout (docs/quantization.md).
#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "core/error.h"
#include "model/model_info.h"
#include "quant/quant_math.h"

namespace nilm::quant {

bool follows_input_scale(model::OpKind kind);     // plan.cc
bool has_fixed_output_scale(model::OpKind kind);  // plan.cc

namespace {

using model::ElementType;
using model::Graph;
using model::Op;
using model::OpKind;
using model::Quantization;
using model::Tensor;
constexpr ElementType f32 = ElementType::f32, f16 = ElementType::f16, i8 = ElementType::i8,
                      i16 = ElementType::i16, i32 = ElementType::i32, i64 = ElementType::i64;

// TFLite's dynamic-range quantizer leaves small weight tensors float (converter default).
constexpr std::int64_t kHybridMinWeights = 1024;

Quantization per_tensor(QuantParams p) { return Quantization{{p.scale}, {p.zero_point}, 0}; }

// Fixed output parameters of TFLite's SOFTMAX / LOGISTIC / TANH kernels.
QuantParams fixed_output(OpKind kind, ElementType type) {
  if (type == i16) return {1.0f / 32768.0f, 0};
  if (kind == OpKind::tanh) return {1.0f / 128.0f, 0};
  return {1.0f / 256.0f, -128};
}

std::string suffix(ElementType type) {
  switch (type) {
    case ElementType::i8: return "/quantized";
    case ElementType::i16: return "/quantized16";
    case ElementType::f16: return "/f16";
    default: return "/dequantized";
  }
}

class Rewriter {
 public:
  Rewriter(const Graph& g, const Calibration& cal, const QuantizeOptions& o)
      : g_(g), cal_(cal), o_(o), mode_(traits(o.mode)) {
    if (cal_.ranges.size() != g.tensors.size() && mode_.needs_calibration)
      fail("quantize: the calibration has " + std::to_string(cal_.ranges.size()) + " ranges for " +
           std::to_string(g.tensors.size()) + " tensors (calibrated on another graph?)");
    if (o.int8_io && mode_.activation == f32)
      fail(std::string("quantize: --int8-io needs integer activations (w8_a8, w8_a8_fallback, w8_a16), not ") + mode_.name);
    home_.assign(g.tensors.size(), -1);
    produced_as_.assign(g.tensors.size(), f32);
    for (const auto& t : g.tensors) used_names_.insert(t.name);
  }

  Graph run() {
    const std::vector<LayerPlan> plan = plan_layers(g_, o_);
    for (int t : g_.inputs) {
      Tensor x = g_.tensor(t);
      if (o_.int8_io) {
        x.type = mode_.activation;
        x.quantization = per_tensor(params(t, mode_.activation));
      }
      const int n = out_.add_tensor(std::move(x));
      home_[std::size_t(t)] = n;
      out_.inputs.push_back(n);
    }
    for (std::size_t i = 0; i < g_.ops.size(); ++i) emit(g_.ops[i], plan[i].precision);
    for (int t : g_.outputs) {
      const ElementType want = o_.int8_io ? mode_.activation : f32;
      out_.outputs.push_back(need(t, want));
    }
    out_.metadata = g_.metadata;
    out_.metadata[model::keys::quantization] = mode_.name;
    if (mode_.needs_calibration) {
      out_.metadata["nilm.quantization.estimator"] = estimator_name(cal_.estimator);
      out_.metadata["nilm.quantization.calibration_windows"] = std::to_string(cal_.windows);
      if (!cal_.source.empty()) out_.metadata["nilm.quantization.calibration"] = cal_.source;
    }
    if (o_.int8_io) out_.metadata["nilm.quantization.io"] = model::element_type_name(mode_.activation);
    if (!o_.keep_float.empty()) {
      std::string names;
      for (const auto& n : o_.keep_float) names += (names.empty() ? "" : ",") + n;
      out_.metadata["nilm.quantization.keep_float"] = names;
    }
    out_.description = g_.description;
    model::validate(out_, std::string("quantized graph (") + mode_.name + ")");
    return std::move(out_);
  }

 private:
  // ---- quantization parameters of a float-graph tensor represented in an integer type ----
  QuantParams params(int t, ElementType type) {
    const auto key = std::make_pair(t, type);
    if (auto it = params_.find(key); it != params_.end()) return it->second;
    QuantParams p;
    const int producer = producer_of(t);
    if (producer >= 0 && produced_as_[std::size_t(t)] == type &&
        follows_input_scale(g_.ops[std::size_t(producer)].kind)) {
      p = params(g_.ops[std::size_t(producer)].inputs[0], type);
    } else if (producer >= 0 && produced_as_[std::size_t(t)] == type &&
               has_fixed_output_scale(g_.ops[std::size_t(producer)].kind)) {
      p = fixed_output(g_.ops[std::size_t(producer)].kind, type);
    } else {
      const TensorRange r = range(t);
      p = type == i16 ? symmetric_params(r.min, r.max, i16) : asymmetric_params(r.min, r.max, type);
    }
    params_[key] = p;
    return p;
  }

  TensorRange range(int t) const {
    const Tensor& x = g_.tensor(t);
    if (x.is_constant() || cal_.ranges.size() != g_.tensors.size()) {
      TensorRange r;
      if (x.is_constant() && x.type == f32) {
        const float* v = x.data.as<float>();
        const auto n = std::size_t(x.elements());
        if (n) r = {*std::min_element(v, v + n), *std::max_element(v, v + n)};
      }
      return r;
    }
    return cal_.ranges[std::size_t(t)];
  }

  int producer_of(int t) {
    if (producer_.empty()) {
      producer_.assign(g_.tensors.size(), -1);
      for (std::size_t i = 0; i < g_.ops.size(); ++i)
        for (int o : g_.ops[i].outputs) producer_[std::size_t(o)] = int(i);
    }
    return producer_[std::size_t(t)];
  }

  std::string unique(const std::string& base) {
    std::string name = base;
    for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_names_.insert(name);
    return name;
  }

  int add(Tensor t) { return out_.add_tensor(std::move(t)); }

  int add_op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, model::OpAttrs attrs = model::NoAttrs{}) {
    Op op;
    op.kind = kind;
    op.inputs = std::move(inputs);
    op.outputs = std::move(outputs);
    op.attrs = std::move(attrs);
    out_.ops.push_back(std::move(op));
    return out_.ops.back().outputs[0];
  }

  // ---- a float-graph tensor as `type` (f32 / i8 / i16), converting if needed ----
  int need(int t, ElementType type) {
    const auto key = std::make_pair(t, type);
    if (auto it = converted_.find(key); it != converted_.end()) return it->second;
    const Tensor& x = g_.tensor(t);
    int result;
    if (x.is_constant()) {
      result = constant(t, type);
    } else {
      const int h = home_.at(std::size_t(t));
      if (h < 0) fail("quantize: tensor '" + x.name + "' is read before it is written");
      const Tensor& ht = out_.tensor(h);
      if (ht.type == type && (type == f32 || ht.quantization == per_tensor(params(t, type)))) {
        result = h;
      } else {
        Tensor y = x;
        y.data = {};
        y.type = type;
        y.name = unique(x.name + (ht.type != f32 && type != f32 && ht.type == type ? "/requantized" : suffix(type)));
        if (type != f32) y.quantization = per_tensor(params(t, type));
        else y.quantization.reset();
        const int n = add(std::move(y));
        result = add_op(type == f32 ? OpKind::dequantize : OpKind::quantize, {h}, {n});
      }
    }
    converted_[key] = result;
    return result;
  }

  // A constant input of an op that is not a weight: f32 (f16 + DEQUANTIZE in f16 mode) or
  // per-tensor quantized from its own data range (as TFLite quantizes constant operands).
  int constant(int t, ElementType type) {
    const Tensor& x = g_.tensor(t);
    if (x.type != f32) return copy_constant(t);  // int32 shapes / axes / permutations
    const auto n = std::size_t(x.elements());
    if (type == f32) {
      if (!mode_.float16_weights) return copy_constant(t);
      Tensor h = x;
      h.name = unique(x.name + "/f16");
      h.type = f16;
      h.data = model::ConstantData(to_float16(x.data.as<float>(), n));
      const int hi = add(std::move(h));
      Tensor d = x;
      d.data = {};
      d.name = unique_primary(x.name);
      return add_op(OpKind::dequantize, {hi}, {add(std::move(d))});
    }
    const QuantParams p = params(t, type);
    Tensor q = x;
    q.name = unique_primary(x.name);
    q.type = type;
    q.data = model::ConstantData(quantize_tensor(x.data.as<float>(), n, p, type));
    q.quantization = per_tensor(p);
    return add(std::move(q));
  }

  int copy_constant(int t) {
    const auto key = std::make_pair(t, ElementType::u8);  // "as is"
    if (auto it = converted_.find(key); it != converted_.end()) return it->second;
    Tensor c = g_.tensor(t);
    c.name = unique_primary(c.name);
    const int n = add(std::move(c));
    converted_[key] = n;
    return n;
  }

  // The first representation of a float-graph tensor keeps its name; later ones get a suffix.
  std::string unique_primary(const std::string& name) {
    if (!primary_taken_.count(name)) {
      primary_taken_.insert(name);
      return name;
    }
    return unique(name + "/copy");
  }

  // ---- weights ----
  int weights_per_channel(int t, int axis, std::vector<float>* scales_out, const std::vector<float>* forced = nullptr) {
    const Tensor& w = g_.tensor(t);
    if (!w.is_constant() || w.type != f32) fail("quantize: weights '" + w.name + "' are not a float32 constant");
    std::vector<float> scales = forced ? *forced : per_channel_scales(w.data.as<float>(), w.shape, axis);
    Tensor q = w;
    q.name = unique_primary(w.name);
    q.type = i8;
    q.data = model::ConstantData(quantize_per_channel(w.data.as<float>(), w.shape, axis, scales, i8));
    q.quantization = Quantization{scales, std::vector<std::int64_t>(scales.size(), 0), axis};
    if (scales_out) *scales_out = scales;
    return add(std::move(q));
  }

  // Bias = input scale x weight scale per channel, zero point 0 (int32 next to int8
  // activations, int64 next to int16). A bias too large for int32 at that scale widens the
  // weight scale of its channel instead (TFLite does the same), reported through `scales`.
  int bias(int b, float input_scale, std::vector<float>& scales, ElementType type) {
    const Tensor& x = g_.tensor(b);
    const float* v = x.data.as<float>();
    std::vector<float> s(scales.size());
    for (std::size_t c = 0; c < scales.size(); ++c) s[c] = input_scale * scales[c];
    Tensor q = x;
    q.name = unique_primary(x.name);
    q.type = type;
    std::vector<std::uint8_t> bytes(std::size_t(x.elements()) * model::element_size(type));
    for (std::size_t c = 0; c < scales.size(); ++c) {
      const std::int64_t value = quantize_value(v[c], {s[c], 0}, type);
      if (type == i32) {
        const auto w = std::int32_t(value);
        std::memcpy(&bytes[c * 4], &w, 4);
      } else {
        std::memcpy(&bytes[c * 8], &value, 8);
      }
    }
    q.data = model::ConstantData(std::move(bytes));
    q.quantization = Quantization{s, std::vector<std::int64_t>(s.size(), 0), 0};
    return add(std::move(q));
  }

  // Widens weight scales whose bias would not fit int32 (|b| / (s_in s_w) <= 2^31 - 1).
  static void fit_bias(const float* b, std::size_t n, float input_scale, std::vector<float>& scales) {
    constexpr double kMax = 2147483647.0 * 0.99;
    for (std::size_t c = 0; c < n; ++c)
      if (std::abs(double(b[c])) / (double(input_scale) * scales[c]) > kMax)
        scales[c] = float(std::abs(double(b[c])) / (double(input_scale) * kMax));
  }

  // ---- ops ----
  void emit(const Op& op, ElementType precision) {
    Op copy = op;
    std::vector<int> inputs;
    const bool weighted = op.kind == OpKind::conv2d || op.kind == OpKind::depthwise_conv2d ||
                          op.kind == OpKind::fully_connected;
    if (weighted && precision != f32) {
      const int axis = op.kind == OpKind::depthwise_conv2d ? 3 : 0;
      const int x = need(op.inputs[0], precision);
      const float s_in = out_.tensor(x).quantization->scales[0];
      const Tensor& wf = g_.tensor(op.inputs[1]);
      std::vector<float> scales = per_channel_scales(wf.data.as<float>(), wf.shape, axis);
      const bool has_bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
      if (has_bias && precision == i8)
        fit_bias(g_.tensor(op.inputs[2]).data.as<float>(), scales.size(), s_in, scales);
      const int w = weights_per_channel(op.inputs[1], axis, nullptr, &scales);
      inputs = {x, w};
      if (op.inputs.size() > 2) inputs.push_back(has_bias ? bias(op.inputs[2], s_in, scales, precision == i8 ? i32 : i64) : -1);
    } else if (weighted && mode_.hybrid && g_.tensor(op.inputs[1]).elements() >= kHybridMinWeights &&
               op.kind != OpKind::depthwise_conv2d) {
      // dynamic range: float input and bias, int8 per-channel weights
      inputs = {need(op.inputs[0], f32), weights_per_channel(op.inputs[1], 0, nullptr)};
      if (op.inputs.size() > 2) inputs.push_back(op.inputs[2] >= 0 ? need(op.inputs[2], f32) : -1);
      if (op.kind == OpKind::fully_connected) {
        auto a = op.attr<model::FullyConnectedAttrs>();
        a.asymmetric_quantize_inputs = true;  // what TFLite's converter writes for hybrid dense ops
        copy.attrs = a;
      }
    } else {
      for (std::size_t i = 0; i < op.inputs.size(); ++i) {
        const int t = op.inputs[i];
        if (t < 0) inputs.push_back(-1);
        else if (g_.tensor(t).type != f32) inputs.push_back(copy_constant(t));
        else inputs.push_back(need(t, precision));
      }
    }
    for (int t : op.outputs) produced_as_[std::size_t(t)] = precision;
    std::vector<int> outputs;
    for (int t : op.outputs) {
      Tensor y = g_.tensor(t);
      y.type = precision;
      y.name = unique_primary(y.name);
      if (precision != f32) y.quantization = per_tensor(params(t, precision));
      const int n = add(std::move(y));
      home_[std::size_t(t)] = n;
      outputs.push_back(n);
    }
    copy.inputs = std::move(inputs);
    copy.outputs = std::move(outputs);
    out_.ops.push_back(std::move(copy));
  }

  const Graph& g_;
  const Calibration& cal_;
  const QuantizeOptions& o_;
  const ModeTraits& mode_;
  Graph out_;
  std::vector<int> home_;          // float tensor -> its tensor in out_ (as produced)
  std::vector<int> producer_;      // float tensor -> op index (-1: input / constant)
  std::vector<ElementType> produced_as_;
  std::map<std::pair<int, ElementType>, int> converted_;
  std::map<std::pair<int, ElementType>, QuantParams> params_;
  std::set<std::string> used_names_, primary_taken_;
};

}  // namespace

model::Graph quantize(const model::Graph& float_graph, const Calibration& calibration, const QuantizeOptions& options) {
  for (const auto& t : float_graph.tensors)
    if (!t.is_constant() && t.type != f32)
      fail("quantize: tensor '" + t.name + "' is " + model::element_type_name(t.type) + ", the graph must be float32");
  if (traits(options.mode).needs_calibration && calibration.windows == 0)
    fail(std::string("quantize: mode ") + traits(options.mode).name + " needs a calibration (representative windows)");
  Rewriter r(float_graph, calibration, options);
  return r.run();
}

}  // namespace nilm::quant
