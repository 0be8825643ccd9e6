// Integer CONV_2D / FULLY_CONNECTED kernels on the CNN's layer shapes (NILM.md section 4) at
// batch 1: median time of the op itself (observer timing) for each kernel variant, int8 (w8_a8)
// and int16x8 (w8_a16), beside the float32 AVX2 kernel, and the memory-bandwidth floor of the
// int8 dense weights measured in the same run. Then the transformer's dense layers (299 tokens
// as rows: the many-row GEMM kernels) and its int8 attention products.
//
//   bench_int_kernels            (BENCH_SECONDS per configuration, default 0.3)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "model/builder.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "perf/stream_read.h"

using namespace nilm;

namespace {

struct Layer {
  const char* name;
  bool conv;
  int width, in, out, kernel;  // conv: [1, 1, width, in] * [out, 1, kernel, in]; dense: [width, in] * [out, in]
};

// The CNN at batch 1: convolutions after each max-pool (599 -> 300 -> 150 -> 75 -> 38), dense.
const Layer layers[] = {
    {"conv1 599x1->16 k5", true, 599, 1, 16, 5},    {"conv2 300x16->32 k3", true, 300, 16, 32, 3},
    {"conv3 150x32->64 k3", true, 150, 32, 64, 3},  {"conv4 75x64->128 k3", true, 75, 64, 128, 3},
    {"conv5 38x128->256 k3", true, 38, 128, 256, 3}, {"dense1 9728->1024", false, 1, 9728, 1024, 1},
    {"dense2 1024->512", false, 1, 1024, 512, 1},   {"out 512->1", false, 1, 512, 1, 1},
};

// The transformer's dense layers per encoder block (NILM.md section 4): 299 token rows.
const Layer transformer_layers[] = {
    {"tf q/k/v 299x256->128", false, 299, 256, 128, 1}, {"tf attn out 299x128->256", false, 299, 128, 256, 1},
    {"tf ff1 299x256->1024", false, 299, 256, 1024, 1}, {"tf ff2 299x1024->256", false, 299, 1024, 256, 1},
};

enum class Kind { f32, s8, s16, hybrid };

model::Graph layer_graph(const Layer& l, Kind kind, std::mt19937& rng) {
  using model::ElementType;
  model::GraphBuilder b;
  const model::Shape in_shape = l.conv ? model::Shape{1, 1, l.width, l.in} : model::Shape{l.width, l.in};
  const model::Shape w_shape = l.conv ? model::Shape{l.out, 1, l.kernel, l.in} : model::Shape{l.out, l.in};
  const std::size_t wn = std::size_t(l.out) * l.kernel * l.in;
  int x = b.input("x", in_shape);
  int w, bias;
  std::uniform_int_distribution<int> q(-127, 127);
  if (kind == Kind::f32) {
    std::vector<float> wf(wn);
    for (auto& v : wf) v = float(q(rng)) / 1270.f;
    w = b.constant("w", w_shape, wf);
    bias = b.constant("b", {l.out}, std::vector<float>(std::size_t(l.out), 0.01f));
  } else {
    std::vector<std::uint8_t> wq(wn);
    for (auto& v : wq) v = static_cast<std::uint8_t>(static_cast<std::int8_t>(q(rng)));
    const std::vector<float> scales(std::size_t(l.out), 0.01f);
    const std::vector<std::int64_t> zeros(std::size_t(l.out), 0);
    w = b.constant_raw("w", w_shape, ElementType::i8, wq, model::Quantization{scales, zeros, 0});
    const bool s16 = kind == Kind::s16;
    if (kind == Kind::hybrid) {
      bias = b.constant("b", {l.out}, std::vector<float>(std::size_t(l.out), 0.01f));
    } else {
      std::vector<std::uint8_t> bb(std::size_t(l.out) * (s16 ? 8 : 4), 0);
      bias = b.constant_raw("b", {l.out}, s16 ? ElementType::i64 : ElementType::i32, bb,
                            model::Quantization{std::vector<float>(std::size_t(l.out), 0.0001f), zeros, 0});
      x = s16 ? b.quantize(x, ElementType::i16, model::Quantization{{1.f / 32767}, {0}, 0})
              : b.quantize(x, ElementType::i8, model::Quantization{{0.01f}, {-3}, 0});
    }
  }
  int y;
  if (l.conv) {
    model::Conv2DAttrs a;
    a.padding = model::Padding::same;
    a.activation = model::Activation::relu;
    y = b.op(model::OpKind::conv2d, {x, w, bias}, a, "y");
  } else {
    model::FullyConnectedAttrs a;
    a.activation = model::Activation::relu;
    y = b.op(model::OpKind::fully_connected, {x, w, bias}, a, "y");
  }
  if (kind == Kind::s8 || kind == Kind::s16) {
    b.graph().tensor(y).quantization =
        kind == Kind::s16 ? model::Quantization{{0.001f}, {0}, 0} : model::Quantization{{0.05f}, {-128}, 0};
    y = b.dequantize(y);
  }
  b.output(y);
  return b.finish();
}

struct Timing {
  double median_us = 0;
  std::string kernel;
};

struct Probe {
  model::OpKind op;
  std::vector<std::int64_t> ns;
  std::string kernel;
};

void observe(void* user, const runtime::OpEvent& e) {
  auto* p = static_cast<Probe*>(user);
  if (e.kind != p->op) return;
  p->ns.push_back(e.elapsed_ns);
  p->kernel = e.kernel;
}

Timing time_layer(const model::Graph& g, bool conv, runtime::Tier tier, runtime::CpuFeatures features,
                  double seconds, int threads = 1) {
  const runtime::Model m = runtime::Model::from_graph(g, {tier, features}, "bench");
  runtime::Interpreter run(m, threads);
  std::fill(run.input(0), run.input(0) + run.input_elements(0), 0.25f);
  Probe probe{conv ? model::OpKind::conv2d : model::OpKind::fully_connected, {}, ""};
  run.set_observer(observe, &probe);
  for (int i = 0; i < 3; ++i) run.invoke();
  probe.ns.clear();
  const auto t0 = std::chrono::steady_clock::now();
  do run.invoke();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds || probe.ns.size() < 5);
  std::nth_element(probe.ns.begin(), probe.ns.begin() + std::ptrdiff_t(probe.ns.size() / 2), probe.ns.end());
  return {double(probe.ns[probe.ns.size() / 2]) / 1e3, probe.kernel};
}

// Median time to read `bytes` once (the buffer is warm, as the weights are between runs).
double read_time_us(std::size_t bytes, double seconds) {
  runtime::ThreadPool pool(1);
  perf::StreamFloor floor(bytes, 1);
  std::vector<double> t;
  const auto start = std::chrono::steady_clock::now();
  do t.push_back(floor.read_us(pool));
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds);
  std::nth_element(t.begin(), t.begin() + std::ptrdiff_t(t.size() / 2), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  const char* env = std::getenv("BENCH_SECONDS");
  const double seconds = env ? std::atof(env) : 0.3;
  const runtime::CpuFeatures all = runtime::detect_cpu_features();
  std::printf("CPU features: %s; batch 1, one thread, median op time in us\n\n",
              runtime::cpu_features_string(all).c_str());
  struct Config {
    const char* label;
    Kind kind;
    runtime::Tier tier;
    runtime::CpuFeatures features;
    int threads = 1;
  };
  const Config configs[] = {
      {"f32 avx2", Kind::f32, runtime::Tier::optimized, all},
      {"s8 ref", Kind::s8, runtime::Tier::reference, all},
      {"s8 portable", Kind::s8, runtime::Tier::optimized, runtime::cpu_none},
      {"s8 avx2", Kind::s8, runtime::Tier::optimized, runtime::cpu_avx2 | runtime::cpu_fma},
      {"s8 best", Kind::s8, runtime::Tier::optimized, all},
      {"s16x8 ref", Kind::s16, runtime::Tier::reference, all},
      {"s16x8 best", Kind::s16, runtime::Tier::optimized, all},
      {"hybrid ref", Kind::hybrid, runtime::Tier::reference, all},
      {"hybrid best", Kind::hybrid, runtime::Tier::optimized, all},
  };
  std::printf("%-22s", "layer");
  for (const auto& c : configs) std::printf(" %12s", c.label);
  std::printf("\n");
  std::vector<double> totals(std::size(configs), 0.0);
  std::vector<std::string> best_kernels(std::size(configs));
  std::mt19937 rng(1);
  for (const Layer& l : layers) {
    std::printf("%-22s", l.name);
    for (std::size_t i = 0; i < std::size(configs); ++i) {
      const auto& c = configs[i];
      const Timing t = time_layer(layer_graph(l, c.kind, rng), l.conv, c.tier, c.features, seconds);
      totals[i] += t.median_us;
      if (!l.conv && l.in == 9728) best_kernels[i] = t.kernel;
      std::printf(" %12.1f", t.median_us);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  std::printf("%-22s", "sum");
  for (double t : totals) std::printf(" %12.1f", t);
  std::printf("\n\ndense1 kernels:");
  for (std::size_t i = 0; i < std::size(configs); ++i) std::printf(" %s=%s", configs[i].label, best_kernels[i].c_str());
  // The transformer's dense layers: AVX2 (the packed-panel kernels) vs the best (tiled VNNI),
  // the best also with two threads.
  const Config tf_configs[] = {
      {"s8 avx2", Kind::s8, runtime::Tier::optimized, runtime::cpu_avx2 | runtime::cpu_fma},
      {"s8 best", Kind::s8, runtime::Tier::optimized, all},
      {"hybrid avx2", Kind::hybrid, runtime::Tier::optimized, runtime::cpu_avx2 | runtime::cpu_fma},
      {"hybrid best", Kind::hybrid, runtime::Tier::optimized, all},
      {"s8 best 2t", Kind::s8, runtime::Tier::optimized, all, 2},
      {"hybrid best 2t", Kind::hybrid, runtime::Tier::optimized, all, 2},
  };
  std::printf("\n\n%-26s", "transformer dense");
  for (const auto& c : tf_configs) std::printf(" %12s", c.label);
  std::printf("   GMAC/s (s8 best)\n");
  std::vector<std::string> tf_kernels(std::size(tf_configs));
  for (const Layer& l : transformer_layers) {
    std::printf("%-26s", l.name);
    double s8_best = 0;
    for (std::size_t i = 0; i < std::size(tf_configs); ++i) {
      const auto& c = tf_configs[i];
      const Timing t = time_layer(layer_graph(l, c.kind, rng), false, c.tier, c.features, seconds, c.threads);
      if (i == 1) s8_best = t.median_us;
      tf_kernels[i] = t.kernel;
      std::printf(" %12.1f", t.median_us);
      std::fflush(stdout);
    }
    std::printf("   %.0f\n", double(l.width) * l.in * l.out / s8_best / 1e3);
  }
  std::printf("kernels:");
  for (std::size_t i = 0; i < std::size(tf_configs); ++i) std::printf(" %s=%s", tf_configs[i].label, tf_kernels[i].c_str());
  // The transformer's attention products (2 heads, 299 tokens, 64 per head), int8.
  for (const auto& [label, m, k, n, adj_y] : {std::tuple{"scores QK^T 299x64x299", 299, 64, 299, true},
                                             std::tuple{"context PV 299x299x64", 299, 299, 64, false}}) {
    using model::ElementType;
    model::GraphBuilder b;
    const int a = b.input("a", {2, m, k});
    const int c = b.input("c", adj_y ? model::Shape{2, n, k} : model::Shape{2, k, n});
    const int qa = b.quantize(a, ElementType::i8, model::Quantization{{0.02f}, {3}, 0});
    const int qc = b.quantize(c, ElementType::i8, model::Quantization{{0.03f}, {-5}, 0});
    const int y = b.batch_matmul(qa, qc, false, adj_y);
    b.graph().tensor(y).quantization = model::Quantization{{0.5f}, {1}, 0};
    b.output(b.dequantize(y));
    const model::Graph g = b.finish();
    std::printf("\n%-24s", label);
    for (auto [tier, features, name] : {std::tuple{runtime::Tier::reference, all, "ref"},
                                        std::tuple{runtime::Tier::optimized, all, "best"}}) {
      const runtime::Model mm = runtime::Model::from_graph(g, {tier, features}, "bench");
      runtime::Interpreter run(mm, 1);
      for (std::size_t i = 0; i < 2; ++i) std::fill(run.input(i), run.input(i) + run.input_elements(i), 0.1f);
      Probe probe{model::OpKind::batch_matmul, {}, ""};
      run.set_observer(observe, &probe);
      run.invoke();
      probe.ns.clear();
      const auto t0 = std::chrono::steady_clock::now();
      do run.invoke();
      while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds || probe.ns.size() < 3);
      std::nth_element(probe.ns.begin(), probe.ns.begin() + std::ptrdiff_t(probe.ns.size() / 2), probe.ns.end());
      std::printf("  %s %s %.1f us", name, probe.kernel.c_str(), double(probe.ns[probe.ns.size() / 2]) / 1e3);
    }
  }
  std::printf("\n");
  std::size_t int8_bytes = 0;
  for (const Layer& l : layers) int8_bytes += std::size_t(l.out) * l.kernel * l.in;
  const double floor_us = read_time_us(int8_bytes, seconds * 3);
  std::printf("\n\nreading the %.2f MB of int8 weights once: %.1f us (%.1f GB/s): the batch-1 floor\n",
              double(int8_bytes) / 1e6, floor_us, double(int8_bytes) / floor_us / 1e3);
  std::printf("s8 best sum / floor: %.2fx; s16x8 best / s8 best: %.2fx; hybrid best / s8 best: %.2fx; "
              "f32 avx2 / s8 best: %.2fx\n",
              totals[4] / floor_us, totals[6] / totals[4], totals[8] / totals[4], totals[0] / totals[4]);
  return 0;
}
