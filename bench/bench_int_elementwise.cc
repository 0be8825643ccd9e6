// Integer element-wise and transformer kernels (ops_elementwise_int.cc) on the transformer's
// tensor shapes (NILM.md section 4: 299 positions x 256 features, 2 heads of 299 x 299
// attention, a 1024-wide feed-forward): median time of the op itself (observer timing) for
// the reference variant and the optimized one at 1 and 2 threads, beside the float32 op of
// the optimized tier, all measured in the same run.
//
//   bench_int_elementwise            (BENCH_SECONDS per configuration, default 0.3)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/builder.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

using namespace nilm;

namespace {

using model::ElementType;
using Make = std::function<int(model::GraphBuilder&, const std::vector<int>&)>;

struct Case {
  const char* name;
  std::vector<model::Shape> inputs;
  Make make;
  bool fixed_output;  // SOFTMAX: TFLite's fixed output grid
};

// f32 inputs -> QUANTIZE -> op -> DEQUANTIZE (type f32: the op alone, no wrapping).
model::Graph case_graph(const Case& c, ElementType type) {
  model::GraphBuilder b;
  std::vector<int> xs;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    int x = b.input("x" + std::to_string(i), c.inputs[i]);
    if (type != ElementType::f32)
      x = b.quantize(x, type, model::Quantization{{type == ElementType::i16 ? 1.0f / 8000 : 0.03f}, {0}, 0});
    xs.push_back(x);
  }
  int y = c.make(b, xs);
  if (type != ElementType::f32) {
    const bool is16 = type == ElementType::i16;
    const float scale = c.fixed_output ? (is16 ? 1.0f / 32768 : 1.0f / 256) : (is16 ? 1.0f / 3000 : 0.07f);
    const std::int64_t zp = c.fixed_output && !is16 ? -128 : 0;
    b.graph().tensor(y).quantization = model::Quantization{{scale}, {zp}, 0};
    y = b.dequantize(y);
  }
  b.output(y);
  return b.finish();
}

struct Timing {
  std::string kernel;
  double us = 0;
};

// Median wall time of operator `node` over repeated runs.
Timing time_op(const model::Graph& g, int node, runtime::Tier tier, int threads, double seconds) {
  runtime::CompileOptions options;
  options.tier = tier;
  const runtime::Model model = runtime::Model::from_graph(g, options);
  runtime::Interpreter run(model, threads);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  for (std::size_t i = 0; i < run.input_count(); ++i)
    for (std::size_t k = 0; k < run.input_elements(i); ++k) run.input(i)[k] = u(rng);
  struct Probe {
    int node;
    std::vector<double> us;
    std::string kernel;
  } probe{node, {}, {}};
  run.set_observer(
      [](void* user, const runtime::OpEvent& e) {
        auto* p = static_cast<Probe*>(user);
        if (e.node != p->node) return;
        p->us.push_back(double(e.elapsed_ns) / 1000.0);
        p->kernel = e.kernel;
      },
      &probe);
  const auto start = std::chrono::steady_clock::now();
  do run.invoke();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds || probe.us.size() < 5);
  std::sort(probe.us.begin(), probe.us.end());
  return {probe.kernel, probe.us[probe.us.size() / 2]};
}

}  // namespace

int main() {
  const char* env = std::getenv("BENCH_SECONDS");
  const double seconds = env ? std::atof(env) : 0.3;
  using B = model::GraphBuilder;
  using V = const std::vector<int>&;
  const std::vector<Case> cases = {
      {"SUB [1,299,256] - [1,299,1]", {{1, 299, 256}, {1, 299, 1}}, [](B& b, V x) { return b.sub(x[0], x[1]); }, false},
      {"ADD [1,299,256] + [1,299,256]", {{1, 299, 256}, {1, 299, 256}}, [](B& b, V x) { return b.add(x[0], x[1]); }, false},
      {"MUL [1,299,256] * [256]", {{1, 299, 256}, {256}}, [](B& b, V x) { return b.mul(x[0], x[1]); }, false},
      {"MEAN [1,299,256] last axis", {{1, 299, 256}}, [](B& b, V x) { return b.mean(x[0], {-1}, true); }, false},
      {"SOFTMAX [1,2,299,299]", {{1, 2, 299, 299}}, [](B& b, V x) { return b.softmax(x[0]); }, true},
      {"GELU [1,299,1024]", {{1, 299, 1024}}, [](B& b, V x) { return b.gelu(x[0], false); }, false},
  };
  std::printf("%-32s %-5s %-24s %10s %-24s %10s %10s %9s %10s\n", "op", "type", "reference kernel", "ref us",
              "optimized kernel", "opt 1t us", "opt 2t us", "ref/opt1", "f32 opt us");
  for (const Case& c : cases) {
    const model::Graph gf = case_graph(c, ElementType::f32);
    const Timing f32 = time_op(gf, 0, runtime::Tier::optimized, 1, seconds);
    for (ElementType t : {ElementType::i8, ElementType::i16}) {
      const model::Graph g = case_graph(c, t);
      const int node = int(c.inputs.size());  // after the QUANTIZE ops
      const Timing ref = time_op(g, node, runtime::Tier::reference, 1, seconds);
      const Timing opt1 = time_op(g, node, runtime::Tier::optimized, 1, seconds);
      const Timing opt2 = time_op(g, node, runtime::Tier::optimized, 2, seconds);
      std::printf("%-32s %-5s %-24s %10.1f %-24s %10.1f %10.1f %8.1fx %10.1f\n", c.name,
                  t == ElementType::i8 ? "int8" : "int16", ref.kernel.c_str(), ref.us, opt1.kernel.c_str(), opt1.us,
                  opt2.us, ref.us / opt1.us, f32.us);
    }
  }
  return 0;
}
