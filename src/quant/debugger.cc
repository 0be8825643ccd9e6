#include "quant/debugger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>

#include "core/error.h"
#include "core/progress.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/int_reference.h"
#include "runtime/model.h"

namespace nilm::quant {

namespace {

using model::ElementType;
using model::OpKind;
using model::Tensor;

bool is_integer(ElementType t) {
  return t == ElementType::i8 || t == ElementType::i16 || t == ElementType::i32 ||
         t == ElementType::i64 || t == ElementType::u8;
}

bool is_quantized(const Tensor& t) {
  return is_integer(t.type) && t.quantization && !t.quantization->scales.empty();
}

// An op whose output the debugger scores: a quantized integer output.
bool is_layer(const model::Graph& g, const model::Op& op) {
  return !op.outputs.empty() && op.outputs[0] >= 0 && is_quantized(g.tensor(op.outputs[0]));
}

template <class T>
std::int64_t load_int(const void* data, std::size_t i) {
  return static_cast<std::int64_t>(static_cast<const T*>(data)[i]);
}

std::int64_t int_at(ElementType t, const void* data, std::size_t i) {
  switch (t) {
    case ElementType::i8: return load_int<std::int8_t>(data, i);
    case ElementType::i16: return load_int<std::int16_t>(data, i);
    case ElementType::i32: return load_int<std::int32_t>(data, i);
    case ElementType::i64: return load_int<std::int64_t>(data, i);
    case ElementType::u8: return load_int<std::uint8_t>(data, i);
    default: return 0;
  }
}

// real = scale * (q - zero_point), per tensor or per channel along the quantization axis;
// f16 / f32 converted. Non-quantized integers (shape, axes tensors) are not real values: the
// caller keeps them as they are.
std::vector<float> dequantize(const Tensor& t, const void* data) {
  const auto n = static_cast<std::size_t>(t.elements());
  std::vector<float> out(n);
  if (t.type == ElementType::f32) {
    std::memcpy(out.data(), data, n * sizeof(float));
    return out;
  }
  if (t.type == ElementType::f16) {
    const auto* h = static_cast<const std::uint16_t*>(data);
    for (std::size_t i = 0; i < n; ++i) out[i] = runtime::kernels::half_to_float(h[i]);
    return out;
  }
  const auto& q = *t.quantization;
  std::size_t inner = 1, channels = 1;
  if (q.per_channel()) {
    channels = static_cast<std::size_t>(t.shape.at(static_cast<std::size_t>(q.axis)));
    for (std::size_t d = static_cast<std::size_t>(q.axis) + 1; d < t.shape.size(); ++d)
      inner *= static_cast<std::size_t>(t.shape[d]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = q.per_channel() ? (i / inner) % channels : 0;
    const double zp = static_cast<double>(q.zero_points.empty() ? 0 : q.zero_points[c]);
    out[i] = static_cast<float>(q.scales[c] * (static_cast<double>(int_at(t.type, data, i)) - zp));
  }
  return out;
}

std::vector<std::uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// The float twin of one quantized op: its non-constant inputs become f32 graph inputs, its
// real-valued constants dequantized f32 constants, other constants (shapes, axes) copied.
struct FloatTwin {
  std::unique_ptr<runtime::Model> model;
  std::unique_ptr<runtime::Interpreter> run;
  std::vector<int> fed;  // quantized-graph tensor feeding each twin input
};

FloatTwin make_twin(const model::Graph& g, const model::Op& op) {
  model::Graph twin;
  model::Op fop = op;
  FloatTwin out;
  for (std::size_t k = 0; k < op.inputs.size(); ++k) {
    const int ti = op.inputs[k];
    if (ti < 0) continue;
    const Tensor& t = g.tensor(ti);
    Tensor nt;
    nt.name = t.name;
    nt.shape = t.shape;
    if (t.is_constant()) {
      if (is_quantized(t) || t.type == ElementType::f16 || t.type == ElementType::f32) {
        nt.type = ElementType::f32;
        nt.data = model::ConstantData(float_bytes(dequantize(t, t.data.data())));
      } else {
        nt.type = t.type;
        nt.data = t.data;
      }
      fop.inputs[k] = twin.add_tensor(std::move(nt));
    } else {
      nt.type = ElementType::f32;
      fop.inputs[k] = twin.add_tensor(std::move(nt));
      twin.inputs.push_back(fop.inputs[k]);
      out.fed.push_back(ti);
    }
  }
  for (std::size_t k = 0; k < op.outputs.size(); ++k) {
    Tensor nt;
    nt.name = g.tensor(op.outputs[k]).name;
    nt.shape = g.tensor(op.outputs[k]).shape;
    nt.type = ElementType::f32;
    fop.outputs[k] = twin.add_tensor(std::move(nt));
    twin.outputs.push_back(fop.outputs[k]);
  }
  // Dynamic-range flags mean nothing to a float op.
  if (auto* fc = std::get_if<model::FullyConnectedAttrs>(&fop.attrs)) fc->asymmetric_quantize_inputs = false;
  if (auto* mm = std::get_if<model::BatchMatMulAttrs>(&fop.attrs)) mm->asymmetric_quantize_inputs = false;
  twin.ops.push_back(std::move(fop));
  runtime::CompileOptions compile;
  compile.tier = runtime::Tier::reference;
  out.model = std::make_unique<runtime::Model>(
      runtime::Model::from_graph(std::move(twin), compile, std::string("float twin of ") + op_name(op.kind) +
                                                                " '" + g.tensor(op.outputs[0]).name + "'"));
  out.run = std::make_unique<runtime::Interpreter>(*out.model, 1);
  return out;
}

struct Layer {
  int node = 0;
  FloatTwin twin;  // empty for QUANTIZE (the float op is the identity)
  LayerError error;
  double sum_sq = 0;
  float q_min = std::numeric_limits<float>::infinity(), q_max = -std::numeric_limits<float>::infinity();
};

// Copies every op output as the quantized model writes it (arena bytes are reused later).
struct Capture {
  const model::Graph* graph = nullptr;
  const runtime::Interpreter* run = nullptr;
  std::vector<std::vector<std::uint8_t>> bytes;  // per tensor
};

void capture_outputs(void* user, const runtime::OpEvent& event) {
  auto& c = *static_cast<Capture*>(user);
  for (int ti : c.graph->ops[static_cast<std::size_t>(event.node)].outputs) {
    if (ti < 0) continue;
    const void* data = c.run->tensor_data(ti);
    auto& b = c.bytes[static_cast<std::size_t>(ti)];
    b.resize(c.graph->tensor(ti).byte_size());
    if (data) std::memcpy(b.data(), data, b.size());
  }
}

const void* tensor_bytes(const model::Graph& g, const Capture& c, int ti) {
  const Tensor& t = g.tensor(ti);
  return t.is_constant() ? static_cast<const void*>(t.data.data())
                         : static_cast<const void*>(c.bytes[static_cast<std::size_t>(ti)].data());
}

void score_layer(const model::Graph& g, const Capture& c, Layer& layer) {
  const model::Op& op = g.ops[static_cast<std::size_t>(layer.node)];
  const int out_index = op.outputs[0];
  const Tensor& out_t = g.tensor(out_index);
  const std::vector<float> got = dequantize(out_t, tensor_bytes(g, c, out_index));
  std::vector<float> want;
  if (!layer.twin.model) {  // QUANTIZE: the float op is the identity on the (dequantized) input
    want = dequantize(g.tensor(op.inputs[0]), tensor_bytes(g, c, op.inputs[0]));
  } else {
    auto& run = *layer.twin.run;
    for (std::size_t k = 0; k < layer.twin.fed.size(); ++k) {
      const int ti = layer.twin.fed[k];
      const auto v = dequantize(g.tensor(ti), tensor_bytes(g, c, ti));
      std::copy(v.begin(), v.end(), run.input(k));
    }
    run.invoke();
    want.assign(run.output(0), run.output(0) + run.output_elements(0));
  }
  auto& e = layer.error;
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double d = static_cast<double>(want[i]) - static_cast<double>(got[i]);
    layer.sum_sq += d * d;
    e.float_min = std::min(e.float_min, want[i]);
    e.float_max = std::max(e.float_max, want[i]);
    if (want[i] < e.range_min || want[i] > e.range_max) ++e.clipped;
    ++e.values;
  }
}

std::int64_t type_min(ElementType t) {
  switch (t) {
    case ElementType::i8: return -128;
    case ElementType::u8: return 0;
    case ElementType::i16: return -32768;
    case ElementType::i32: return std::numeric_limits<std::int32_t>::min();
    default: return std::numeric_limits<std::int64_t>::min();
  }
}
std::int64_t type_max(ElementType t) {
  switch (t) {
    case ElementType::i8: return 127;
    case ElementType::u8: return 255;
    case ElementType::i16: return 32767;
    case ElementType::i32: return std::numeric_limits<std::int32_t>::max();
    default: return std::numeric_limits<std::int64_t>::max();
  }
}

std::string format_number(double v, const char* fmt = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

DebugReport debug_layers(const model::Graph& quantized, const float* windows, std::size_t count,
                         const DebugOptions& options) {
  const model::Graph& g = quantized;
  if (g.inputs.empty() || g.tensor(g.inputs[0]).type != ElementType::f32)
    fail("quantization debugger: the model's input 0 is not float32 (an int8-I/O model?): "
         "inspect the float-I/O conversion of the same model");
  if (count == 0) fail("quantization debugger: no windows to run");

  std::vector<Layer> layers;
  for (std::size_t n = 0; n < g.ops.size(); ++n) {
    const model::Op& op = g.ops[n];
    if (!is_layer(g, op)) continue;
    Layer layer;
    layer.node = static_cast<int>(n);
    if (op.kind != OpKind::quantize) layer.twin = make_twin(g, op);
    const Tensor& t = g.tensor(op.outputs[0]);
    auto& e = layer.error;
    e.layer = t.name;
    e.kind = op.kind;
    e.type = t.type;
    e.scale = t.quantization->scales[0];
    e.zero_point = t.quantization->zero_points.empty() ? 0 : t.quantization->zero_points[0];
    e.range_min = static_cast<float>(e.scale * double(type_min(t.type) - e.zero_point));
    e.range_max = static_cast<float>(e.scale * double(type_max(t.type) - e.zero_point));
    e.float_min = std::numeric_limits<float>::infinity();
    e.float_max = -std::numeric_limits<float>::infinity();
    layers.push_back(std::move(layer));
  }
  if (layers.empty()) fail("quantization debugger: the model has no quantized layer (a float model?)");

  // The optimized integer kernels are bit-identical to the reference tier (tests/runtime).
  const auto model = runtime::Model::from_graph(g, {}, "quantized model");
  runtime::Interpreter run(model, options.threads);
  Capture capture{&g, &run, std::vector<std::vector<std::uint8_t>>(g.tensors.size())};
  run.set_observer(capture_outputs, &capture);

  const auto& in_shape = g.tensor(g.inputs[0]).shape;
  const std::size_t batch = in_shape.empty() || in_shape[0] < 1 ? 1 : static_cast<std::size_t>(in_shape[0]);
  const std::size_t per_window = run.input_elements(0) / batch;
  DebugReport report;
  report.threshold = options.threshold;
  Progress progress("quantization debugger", count, "windows");
  for (std::size_t first = 0; first < count; first += batch) {
    float* in = run.input(0);
    for (std::size_t r = 0; r < batch; ++r) {
      const std::size_t w = first + r < count ? first + r : first + (r % (count - first));
      std::copy(windows + w * per_window, windows + (w + 1) * per_window, in + r * per_window);
    }
    const int input_tensor = g.inputs[0];
    auto& b = capture.bytes[static_cast<std::size_t>(input_tensor)];
    b.resize(g.tensor(input_tensor).byte_size());
    std::memcpy(b.data(), in, b.size());
    run.invoke();
    for (auto& layer : layers) score_layer(g, capture, layer);
    report.windows += batch;
    progress.update(std::min(report.windows, count));
  }
  progress.finish();

  for (auto& layer : layers) {
    auto& e = layer.error;
    e.rmse = e.values ? std::sqrt(layer.sum_sq / double(e.values)) : 0.0;
    e.rmse_over_scale = e.scale > 0 ? e.rmse / double(e.scale) : std::numeric_limits<double>::infinity();
    e.suspect = !(e.rmse_over_scale <= options.threshold);  // NaN / inf are suspects too
    report.layers.push_back(std::move(e));
  }
  return report;
}

std::vector<std::string> suspect_layers(const DebugReport& report) {
  std::vector<std::string> names;
  for (const auto& e : report.layers)
    if (e.suspect && e.kind != OpKind::quantize && e.kind != OpKind::dequantize) names.push_back(e.layer);
  return names;
}

std::vector<std::string> suspect_layers(const model::Graph& quantized, const float* windows,
                                        std::size_t count, const DebugOptions& options) {
  return suspect_layers(debug_layers(quantized, windows, count, options));
}

DebugReport without_exact_moves(const DebugReport& report, std::size_t* hidden) {
  DebugReport out = report;
  out.layers.clear();
  for (const auto& e : report.layers) {
    const bool moves = e.kind == OpKind::reshape || e.kind == OpKind::transpose ||
                       e.kind == OpKind::concatenation || e.kind == OpKind::max_pool2d;
    if (!(moves && e.rmse == 0.0)) out.layers.push_back(e);
  }
  if (hidden) *hidden = report.layers.size() - out.layers.size();
  return out;
}

std::string format_debug_table(const DebugReport& report) {
  std::size_t name_w = 5;
  for (const auto& e : report.layers) name_w = std::max(name_w, e.layer.size());
  std::string s;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-16s %-4s %11s %25s %25s %8s %10s\n", int(name_w), "layer", "op",
                "type", "scale", "output range", "float range", "clipped", "rmse/scale");
  s += line;
  std::size_t suspects = 0;
  for (const auto& e : report.layers) {
    const std::string range = "[" + format_number(e.range_min) + ", " + format_number(e.range_max) + "]";
    const std::string frange = "[" + format_number(e.float_min) + ", " + format_number(e.float_max) + "]";
    const double clipped_pct = e.values ? 100.0 * double(e.clipped) / double(e.values) : 0.0;
    std::snprintf(line, sizeof line, "%-*s  %-16s %-4s %11.4g %25s %25s %7.2f%% %10.3f%s\n", int(name_w),
                  e.layer.c_str(), model::op_name(e.kind), model::element_type_name(e.type), double(e.scale),
                  range.c_str(), frange.c_str(), clipped_pct, e.rmse_over_scale, e.suspect ? "  SUSPECT" : "");
    s += line;
    suspects += e.suspect ? 1 : 0;
  }
  std::snprintf(line, sizeof line,
                "%zu layers, %zu windows; rounding noise alone gives %.3f; %zu suspect(s) above %.3g\n",
                report.layers.size(), report.windows, rounding_noise_rmse_over_scale, suspects,
                report.threshold);
  s += line;
  return s;
}

void write_debug_csv(const DebugReport& report, const std::string& path) {
  std::ofstream f(path);
  if (!f) fail(path + ": cannot write the debugger CSV");
  f << "layer,op,type,scale,zero_point,range_min,range_max,float_min,float_max,values,clipped,rmse,"
       "rmse_over_scale,suspect\n";
  const auto g = [](double v) { return format_number(v, "%.9g"); };
  for (const auto& e : report.layers) {
    // Tensor names may hold commas or quotes: CSV-quote them.
    std::string name = "\"";
    for (char ch : e.layer) name += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    name += "\"";
    f << name << ',' << model::op_name(e.kind) << ',' << model::element_type_name(e.type) << ','
      << g(e.scale) << ',' << e.zero_point << ',' << g(e.range_min) << ',' << g(e.range_max) << ','
      << g(e.float_min) << ',' << g(e.float_max) << ',' << e.values << ',' << e.clipped << ','
      << g(e.rmse) << ',' << g(e.rmse_over_scale) << ',' << (e.suspect ? 1 : 0) << '\n';
  }
  if (!f) fail(path + ": write failed");
}

plot::BarChart debug_chart(const DebugReport& report, const std::string& title) {
  plot::BarChart chart;
  chart.title = title;
  chart.y_label = "rmse / scale";
  for (const auto& e : report.layers) {
    chart.labels.push_back(e.layer);
    // inf (zero scale) cannot be drawn: cap at a value far above the threshold.
    chart.values.push_back(std::isfinite(e.rmse_over_scale) ? e.rmse_over_scale : 100.0);
  }
  chart.reference_lines = {rounding_noise_rmse_over_scale, report.threshold};
  return chart;
}

}  // namespace nilm::quant
