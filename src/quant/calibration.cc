// Calibration: two passes over the windows through nilm's runtime (float graph), the first for
// each tensor's extremes, the second (percentile / mse only) for a histogram over them; the
// estimator turns extremes + histogram into a range. Everything is deterministic: a fixed
// number of bins, no sampling.
#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "core/progress.h"
#include "data/sampler.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace nilm::quant {
namespace {

constexpr int kBins = 16384;  // fine enough that a percentile lands within 1/16384 of the span

struct Histogram {
  float lo = 0, hi = 0;
  std::vector<std::uint64_t> counts;
  void reset(float min, float max) {
    lo = min;
    hi = max;
    counts.assign(kBins, 0);
  }
  void add(const float* v, std::size_t n) {
    if (hi <= lo) {
      counts[0] += n;
      return;
    }
    const double k = kBins / (double(hi) - double(lo));
    for (std::size_t i = 0; i < n; ++i) {
      const int b = std::clamp(int((double(v[i]) - lo) * k), 0, kBins - 1);
      ++counts[std::size_t(b)];
    }
  }
  double center(int b) const { return lo + (b + 0.5) * ((double(hi) - double(lo)) / kBins); }
  double edge(int b) const { return lo + b * ((double(hi) - double(lo)) / kBins); }
};

// Two-sided percentile: the smallest upper edge below which p% of the values lie, and the
// mirror for the lower tail; never outside the observed extremes.
TensorRange percentile_range(const Histogram& h, double percentile) {
  std::uint64_t total = 0;
  for (auto c : h.counts) total += c;
  if (total == 0 || h.hi <= h.lo) return {h.lo, h.hi};
  const double tail = std::clamp(1.0 - percentile / 100.0, 0.0, 0.5) * double(total);
  TensorRange r{h.lo, h.hi};
  std::uint64_t acc = 0;
  for (int b = 0; b < kBins; ++b) {
    acc += h.counts[std::size_t(b)];
    if (double(acc) > tail) {
      r.min = float(h.edge(b));
      break;
    }
  }
  acc = 0;
  for (int b = kBins - 1; b >= 0; --b) {
    acc += h.counts[std::size_t(b)];
    if (double(acc) > tail) {
      r.max = float(h.edge(b + 1));
      break;
    }
  }
  r.min = std::max(r.min, h.lo);
  r.max = std::min(r.max, h.hi);
  return r;
}

// Expected squared error of quantizing the histogram's values to `levels` steps over [a, b]:
// rounding noise step^2/12 inside, the clipping distance squared outside.
double quantization_mse(const Histogram& h, double a, double b, double levels) {
  const double step = (b - a) / (levels - 1);
  const double noise = step * step / 12.0;
  double err = 0;
  for (int i = 0; i < kBins; ++i) {
    const std::uint64_t c = h.counts[std::size_t(i)];
    if (!c) continue;
    const double x = h.center(i);
    const double d = x < a ? a - x : (x > b ? x - b : 0.0);
    err += double(c) * (d > 0 ? d * d : noise);
  }
  return err;
}

// The range [k*lo, k*hi] (0 kept inside, as the quantizer widens it) minimising the error,
// k on a fixed grid: symmetric for 16 bits (int16 activations are symmetric).
TensorRange mse_range(const Histogram& h, int bits) {
  if (h.hi <= h.lo) return {h.lo, h.hi};
  double lo = std::min(0.0, double(h.lo)), hi = std::max(0.0, double(h.hi));
  if (bits >= 16) {
    const double m = std::max(-lo, hi);
    lo = -m;
    hi = m;
  }
  const double levels = std::ldexp(1.0, bits);
  double best_k = 1, best = std::numeric_limits<double>::infinity();
  constexpr int kSteps = 200;
  for (int s = kSteps; s >= 1; --s) {
    const double k = double(s) / kSteps;
    const double e = quantization_mse(h, k * lo, k * hi, levels);
    if (e < best) {
      best = e;
      best_k = k;
    }
  }
  return {float(std::max(double(h.lo), best_k * lo)), float(std::min(double(h.hi), best_k * hi))};
}

TensorRange from_histogram(const Histogram& h, const CalibrationOptions& o) {
  switch (o.estimator) {
    case RangeEstimator::percentile: return percentile_range(h, o.percentile);
    case RangeEstimator::mse: return mse_range(h, o.bits);
    case RangeEstimator::minmax: break;
  }
  return {h.lo, h.hi};
}

void widen(TensorRange& r, bool& seen, const float* v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) fail("calibration: a tensor holds a non-finite value");
    if (!seen) {
      r = {v[i], v[i]};
      seen = true;
    }
    r.min = std::min(r.min, v[i]);
    r.max = std::max(r.max, v[i]);
  }
}

struct Pass {
  const model::Graph* graph;
  runtime::Interpreter* interp;
  bool histograms = false;
  std::vector<TensorRange>* ranges;
  std::vector<bool>* seen;
  std::vector<Histogram>* hists;
};

void observe(void* user, const runtime::OpEvent& event) {
  auto& p = *static_cast<Pass*>(user);
  for (int t : p.graph->ops[std::size_t(event.node)].outputs) {
    const model::Tensor& tensor = p.graph->tensor(t);
    if (tensor.type != model::ElementType::f32) continue;
    const auto* data = static_cast<const float*>(p.interp->tensor_data(t));
    if (!data) continue;
    const auto n = std::size_t(tensor.elements());
    if (p.histograms) (*p.hists)[std::size_t(t)].add(data, n);
    else {
      std::vector<bool>::reference s = (*p.seen)[std::size_t(t)];
      bool b = s;
      widen((*p.ranges)[std::size_t(t)], b, data, n);
      s = b;
    }
  }
}

}  // namespace

const char* estimator_name(RangeEstimator e) {
  switch (e) {
    case RangeEstimator::minmax: return "minmax";
    case RangeEstimator::percentile: return "percentile";
    case RangeEstimator::mse: return "mse";
  }
  return "?";
}

RangeEstimator parse_estimator(const std::string& name) {
  for (auto e : {RangeEstimator::minmax, RangeEstimator::percentile, RangeEstimator::mse})
    if (name == estimator_name(e)) return e;
  fail("unknown range estimator '" + name + "' (valid: minmax, percentile, mse)");
}

Calibration constant_ranges(const model::Graph& g) {
  Calibration c;
  c.ranges.assign(g.tensors.size(), {});
  for (std::size_t i = 0; i < g.tensors.size(); ++i) {
    const auto& t = g.tensors[i];
    if (!t.is_constant() || t.type != model::ElementType::f32) continue;
    bool seen = false;
    widen(c.ranges[i], seen, t.data.as<float>(), std::size_t(t.elements()));
  }
  return c;
}

TensorRange estimate_range(const std::vector<float>& values, const CalibrationOptions& options) {
  TensorRange r;
  bool seen = false;
  widen(r, seen, values.data(), values.size());
  if (options.estimator == RangeEstimator::minmax) return r;
  Histogram h;
  h.reset(r.min, r.max);
  h.add(values.data(), values.size());
  return from_histogram(h, options);
}

Calibration calibrate(const model::Graph& g, const float* windows, std::size_t count,
                      const CalibrationOptions& options) {
  if (g.inputs.size() != 1) fail("calibrate: the graph must have one input");
  if (count == 0) fail("calibrate: no calibration windows");
  if (options.percentile <= 50 || options.percentile > 100) fail("calibrate: percentile must be in (50, 100]");
  Calibration cal = constant_ranges(g);
  cal.windows = count;
  cal.estimator = options.estimator;
  const runtime::Model model = runtime::Model::from_graph(g, {}, "calibration graph");
  runtime::Interpreter interp(model, options.threads);
  const int input = g.inputs[0];
  const auto batch = std::size_t(std::max(1, g.tensor(input).shape.at(0)));
  const std::size_t row = interp.input_elements(0) / batch;
  std::vector<TensorRange> ranges(g.tensors.size());
  std::vector<bool> seen(g.tensors.size(), false);
  std::vector<Histogram> hists;
  Pass pass{&g, &interp, false, &ranges, &seen, &hists};
  interp.set_observer(observe, &pass);
  const int passes = options.estimator == RangeEstimator::minmax ? 1 : 2;
  const std::size_t runs = (count + batch - 1) / batch;
  Progress progress("calibrating", runs * std::size_t(passes), "runs");
  std::uint64_t done = 0;
  for (int p = 0; p < passes; ++p) {
    pass.histograms = p == 1;
    if (pass.histograms) {
      hists.resize(g.tensors.size());
      for (std::size_t t = 0; t < g.tensors.size(); ++t) hists[t].reset(ranges[t].min, ranges[t].max);
    }
    for (std::size_t r = 0; r < runs; ++r) {
      float* in = interp.input(0);
      const std::size_t real = std::min(batch, count - r * batch);
      for (std::size_t b = 0; b < batch; ++b) {
        // a short last batch repeats its own windows (extremes unchanged)
        const std::size_t w = r * batch + b % real;
        std::memcpy(in + b * row, windows + w * row, row * sizeof(float));
      }
      if (pass.histograms) hists[std::size_t(input)].add(in, real * row);
      else {
        bool s = seen[std::size_t(input)];
        widen(ranges[std::size_t(input)], s, in, real * row);
        seen[std::size_t(input)] = s;
      }
      interp.invoke();
      progress.update(++done);
    }
  }
  progress.finish();
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    if (!seen[t] || g.tensors[t].is_constant()) continue;
    cal.ranges[t] = passes == 1 ? ranges[t] : from_histogram(hists[t], options);
  }
  return cal;
}

std::vector<float> balanced_windows(const data::Store& store, const std::string& appliance,
                                    const std::vector<std::string>& houses, std::size_t count,
                                    std::uint64_t seed, int window) {
  if (count == 0) fail("balanced_windows: count must be positive");
  data::SamplerOptions o;
  o.window = window;
  o.shuffle = true;
  o.seed = seed;
  o.balanced = true;
  o.max_windows = count;
  data::WindowSampler sampler(store, appliance, houses, o);
  sampler.start_epoch(0);
  const std::size_t n = std::min(count, sampler.size());
  if (n < count)
    fail("balanced_windows: " + std::to_string(count) + " windows asked for, the houses give " + std::to_string(n));
  std::vector<float> out(n * std::size_t(window));
  sampler.fill(0, n, out.data(), nullptr, nullptr);
  return out;
}

}  // namespace nilm::quant
