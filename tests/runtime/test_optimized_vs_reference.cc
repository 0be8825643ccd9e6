// Every optimized variant against the reference tier, on random shapes and values, one table
// over all ops x shapes (as ggml's test-backend-ops): each case builds a one-op graph, which is
// compiled three times (reference only; optimized with the portable micro-kernels; optimized
// with everything the CPU has) and run on the same inputs. The test also checks that the
// variant it meant to test was the one chosen, and that results do not depend on the thread
// count (bitwise).
#include <gtest/gtest.h>

#include <functional>

#include "model/builder.h"
#include "runtime_test_util.h"

namespace nilm::runtime {
namespace {

using model::Activation;
using model::GraphBuilder;
using model::OpKind;
using model::Padding;
using testing::random_floats;
using testing::random_int;

struct Case {
  const char* name;
  bool has_optimized;  // false: only a reference variant exists (the check is then ref vs ref)
  std::function<model::Graph(std::mt19937&)> build;
  float lo = -1.f, hi = 1.f;  // input range
};

Activation random_activation(std::mt19937& rng) {
  const Activation a[] = {Activation::none, Activation::relu, Activation::relu6, Activation::relu_n1_to_1};
  return a[random_int(rng, 0, 3)];
}

int random_bias(GraphBuilder& b, std::mt19937& rng, int n) {
  if (random_int(rng, 0, 3) == 0) return -1;
  return b.constant("bias", {n}, random_floats(rng, std::size_t(n)));
}

model::Graph conv1d_case(std::mt19937& rng) {
  GraphBuilder b;
  const int w = random_int(rng, 1, 40), ci = random_int(rng, 1, 20), co = random_int(rng, 1, 40);
  const int k = random_int(rng, 1, 5), stride = random_int(rng, 1, 2);
  const Padding pad = random_int(rng, 0, 1) ? Padding::same : Padding::valid;
  const int x = b.input("x", {random_int(rng, 1, 2), std::max(w, k), ci});
  const int wt = b.constant("w", {co, 1, k, ci}, random_floats(rng, std::size_t(co * k * ci)));
  b.output(b.conv1d(x, wt, random_bias(b, rng, co), pad, random_activation(rng), stride));
  return b.finish();
}

model::Graph conv2d_case(std::mt19937& rng) {
  GraphBuilder b;
  const int h = random_int(rng, 5, 9), w = random_int(rng, 5, 9), ci = random_int(rng, 1, 8),
            co = random_int(rng, 1, 24), kh = random_int(rng, 1, 3), kw = random_int(rng, 1, 3);
  const int x = b.input("x", {1, h, w, ci});
  const int wt = b.constant("w", {co, kh, kw, ci}, random_floats(rng, std::size_t(co * kh * kw * ci)));
  b.output(b.conv2d(x, wt, random_bias(b, rng, co), random_int(rng, 0, 1) ? Padding::same : Padding::valid,
                    random_activation(rng), random_int(rng, 1, 2), random_int(rng, 1, 2)));
  return b.finish();
}

model::Graph pool_case(std::mt19937& rng, bool max) {
  GraphBuilder b;
  const int w = random_int(rng, 2, 61), c = random_int(rng, 1, 20), k = random_int(rng, 1, 3);
  const Padding pad = random_int(rng, 0, 1) ? Padding::same : Padding::valid;
  if (random_int(rng, 0, 1)) {
    const int x = b.input("x", {1, w, c});
    b.output(max ? b.max_pool1d(x, k, random_int(rng, 1, 2), pad) : b.average_pool1d(x, k, random_int(rng, 1, 2), pad));
  } else {
    const int x = b.input("x", {2, random_int(rng, 3, 9), random_int(rng, 3, 9), c});
    b.output(max ? b.max_pool2d(x, k, k, 2, 1, pad) : b.average_pool2d(x, k, k, 1, 2, pad));
  }
  return b.finish();
}

model::Graph fc_case(std::mt19937& rng, bool many_rows) {
  GraphBuilder b;
  const int rows = many_rows ? random_int(rng, 4, 80) : random_int(rng, 1, 3);
  const int depth = random_int(rng, 1, 300), out = random_int(rng, 1, 70);
  const int x = b.input("x", {rows, depth});
  const int wt = b.constant("w", {out, depth}, random_floats(rng, std::size_t(out * depth)));
  b.output(b.fully_connected(x, wt, random_bias(b, rng, out), random_activation(rng)));
  return b.finish();
}

model::Graph binary_case(std::mt19937& rng, OpKind kind) {
  GraphBuilder b;
  const int d0 = random_int(rng, 1, 3), d1 = random_int(rng, 1, 40), d2 = random_int(rng, 1, 40);
  const model::Shape a = {d0, d1, d2};
  const model::Shape patterns[] = {{d0, d1, d2}, {d0, d1, 1}, {d2}, {1}, {d0, 1, d2}, {1, d1, 1}};
  model::Shape s = patterns[random_int(rng, 0, 5)];
  const int x = b.input("a", a), y = b.input("b", s);
  const bool swap = random_int(rng, 0, 1);
  b.output(b.op(kind, swap ? std::vector<int>{y, x} : std::vector<int>{x, y},
                kind == OpKind::squared_difference || kind == OpKind::pow
                    ? model::OpAttrs(model::NoAttrs{})
                    : model::OpAttrs(model::BinaryAttrs{random_activation(rng)})));
  return b.finish();
}

model::Graph unary_case(std::mt19937& rng, OpKind kind) {
  GraphBuilder b;
  const int x = b.input("x", {random_int(rng, 1, 3), random_int(rng, 1, 9000)});
  b.output(kind == OpKind::gelu ? b.gelu(x, random_int(rng, 0, 1)) : b.unary(kind, x));
  return b.finish();
}

model::Graph softmax_case(std::mt19937& rng) {
  GraphBuilder b;
  const int x = b.input("x", {random_int(rng, 1, 3), random_int(rng, 1, 50), random_int(rng, 1, 300)});
  b.output(b.softmax(x, random_int(rng, 0, 1) ? 1.0f : 0.125f));
  return b.finish();
}

model::Graph matmul_case(std::mt19937& rng) {
  GraphBuilder b;
  const int m = random_int(rng, 1, 70), k = random_int(rng, 1, 70), n = random_int(rng, 1, 70);
  const int heads = random_int(rng, 1, 3);
  const bool adj_x = random_int(rng, 0, 1), adj_y = random_int(rng, 0, 1);
  const bool broadcast = random_int(rng, 0, 2) == 0;
  const int x = b.input("x", adj_x ? model::Shape{1, heads, k, m} : model::Shape{1, heads, m, k});
  const int rh = broadcast ? 1 : heads;
  const int y = b.input("y", adj_y ? model::Shape{rh, n, k} : model::Shape{rh, k, n});
  b.output(b.batch_matmul(x, y, adj_x, adj_y));
  return b.finish();
}

// Contiguous axes have an optimized variant; strided ones ({0, 2}) fall back to the reference.
model::Graph mean_case(std::mt19937& rng, bool contiguous) {
  GraphBuilder b;
  const int x = b.input("x", {random_int(rng, 1, 3), random_int(rng, 2, 60), random_int(rng, 1, 70)});
  const std::vector<int> axes[] = {{-1}, {1}, {1, 2}, {0}, {0, 1}};
  b.output(b.mean(x, contiguous ? axes[random_int(rng, 0, 4)] : std::vector<int>{0, 2}, random_int(rng, 0, 1)));
  return b.finish();
}

// Keeping the last axis has an optimized (row copy) variant; moving it only the reference.
model::Graph transpose_case(std::mt19937& rng, bool keep_last) {
  GraphBuilder b;
  const int x = b.input("x", {random_int(rng, 1, 2), random_int(rng, 1, 30), random_int(rng, 1, 3), random_int(rng, 1, 20)});
  const std::vector<int> keeps[] = {{0, 2, 1, 3}, {1, 0, 2, 3}, {2, 1, 0, 3}};
  const std::vector<int> moves[] = {{0, 1, 3, 2}, {3, 2, 1, 0}};
  b.output(b.transpose(x, keep_last ? keeps[random_int(rng, 0, 2)] : moves[random_int(rng, 0, 1)]));
  return b.finish();
}

model::Graph concat_case(std::mt19937& rng) {
  GraphBuilder b;
  const int r = random_int(rng, 1, 9);
  const int x = b.input("x", {2, r, random_int(rng, 1, 9)}), y = b.input("y", {2, r, random_int(rng, 1, 9)});
  b.output(b.concatenation({x, y}, -1));
  return b.finish();
}

model::Graph reshape_case(std::mt19937& rng) {
  GraphBuilder b;
  const int a = random_int(rng, 1, 20), c = random_int(rng, 1, 20);
  const int x = b.input("x", {1, a, c});
  b.output(b.reshape(b.unary(OpKind::relu, b.reshape(x, {a * c})), {c, a}));
  return b.finish();
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"conv1d", true, conv1d_case},
      {"conv2d", true, conv2d_case},
      {"max_pool", true, [](std::mt19937& r) { return pool_case(r, true); }},
      {"average_pool", true, [](std::mt19937& r) { return pool_case(r, false); }},
      {"fully_connected_dot", true, [](std::mt19937& r) { return fc_case(r, false); }},
      {"fully_connected_gemm", true, [](std::mt19937& r) { return fc_case(r, true); }},
      {"add", true, [](std::mt19937& r) { return binary_case(r, OpKind::add); }},
      {"sub", true, [](std::mt19937& r) { return binary_case(r, OpKind::sub); }},
      {"mul", true, [](std::mt19937& r) { return binary_case(r, OpKind::mul); }},
      {"div", true, [](std::mt19937& r) { return binary_case(r, OpKind::div); }, 0.5f, 2.0f},
      {"squared_difference", true, [](std::mt19937& r) { return binary_case(r, OpKind::squared_difference); }},
      {"pow", true, [](std::mt19937& r) { return binary_case(r, OpKind::pow); }, 0.5f, 2.0f},
      {"sqrt", true, [](std::mt19937& r) { return unary_case(r, OpKind::sqrt); }, 0.0f, 100.0f},
      {"rsqrt", true, [](std::mt19937& r) { return unary_case(r, OpKind::rsqrt); }, 0.01f, 100.0f},
      {"tanh", true, [](std::mt19937& r) { return unary_case(r, OpKind::tanh); }, -12.f, 12.f},
      {"relu", true, [](std::mt19937& r) { return unary_case(r, OpKind::relu); }},
      {"logistic", true, [](std::mt19937& r) { return unary_case(r, OpKind::logistic); }, -30.f, 30.f},
      {"gelu", true, [](std::mt19937& r) { return unary_case(r, OpKind::gelu); }, -8.f, 8.f},
      {"softmax", true, softmax_case, -20.f, 20.f},
      {"batch_matmul", true, matmul_case},
      {"mean", true, [](std::mt19937& r) { return mean_case(r, true); }},
      {"mean_strided_axes", false, [](std::mt19937& r) { return mean_case(r, false); }},
      {"transpose_rows", true, [](std::mt19937& r) { return transpose_case(r, true); }},
      {"transpose_general", false, [](std::mt19937& r) { return transpose_case(r, false); }},
      {"concatenation", false, concat_case},
      {"reshape", false, reshape_case},
  };
  return all;
}

// The ISA-specific micro-kernel sets this CPU runs, each with the feature mask that makes the
// optimized tier choose it: AVX2+FMA (AVX-512 masked off) and AVX-512 on x86-64, NEON on AArch64.
std::vector<std::pair<MicroSet, CpuFeatures>> native_micro_sets() {
  const CpuFeatures f = detect_cpu_features();
  std::vector<std::pair<MicroSet, CpuFeatures>> sets;
  if ((f & (cpu_avx2 | cpu_fma)) == (cpu_avx2 | cpu_fma)) {
    sets.emplace_back(MicroSet::avx2, f & ~CpuFeatures(cpu_avx512f | cpu_avx512vnni));
    if ((f & cpu_avx512f) && micro_kernels(MicroSet::avx512)) sets.emplace_back(MicroSet::avx512, f);
  }
  if (f & cpu_neon) sets.emplace_back(MicroSet::neon, f);
  return sets;
}

bool table_has(model::OpKind op, MicroSet set) {
  for (const auto& e : kernel_table())
    if (e.op == op && e.micro == set && micro_kernels(set)) return true;
  return false;
}

class OptimizedVsReference : public ::testing::TestWithParam<std::size_t> {};

TEST_P(OptimizedVsReference, RandomShapesAndValues) {
  const Case& c = cases()[GetParam()];
  constexpr int kTrials = 12;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::mt19937 rng(1000u * unsigned(GetParam()) + unsigned(trial));
    const model::Graph g = c.build(rng);
    const auto inputs = testing::random_inputs(g, rng, c.lo, c.hi);
    CompileOptions ref_options;
    ref_options.tier = Tier::reference;
    const Model ref = Model::from_graph(g, ref_options);
    const auto want = testing::run_model(ref, inputs);

    struct Variant {
      std::string label;
      MicroSet set;
      CompileOptions options;
    };
    std::vector<Variant> variants;
    CompileOptions portable;
    portable.features = cpu_none;
    variants.push_back({"portable", MicroSet::portable, portable});
    for (const auto& [set, features] : native_micro_sets()) {
      CompileOptions native;
      native.features = features;
      variants.push_back({micro_kernels(set)->suffix, set, native});
    }
    for (const auto& [label, native, options] : variants) {
      const Model opt = Model::from_graph(g, options);
      // The op under test is the last node (conv1d adds reshapes around it).
      int node = opt.node_count() - 1;
      while (node > 0 && g.ops[std::size_t(node)].kind == OpKind::reshape) --node;
      const std::string chosen = opt.kernel(node).name;
      if (c.has_optimized) {
        EXPECT_FALSE(opt.kernel(node).is_reference()) << c.name << ": chose " << chosen;
      }
      // Where the op has a row for the native set (e.g. fully_connected_f32_neon), it must win.
      const model::OpKind op = g.ops[std::size_t(node)].kind;
      if (native != MicroSet::portable && table_has(op, native)) {
        EXPECT_EQ(opt.kernel(node).micro, native) << c.name << ": chose " << chosen;
      }
      SCOPED_TRACE(std::string(c.name) + " trial " + std::to_string(trial) + " " + label + " " + chosen);
      const auto got1 = testing::run_model(opt, inputs, 1);
      ASSERT_EQ(got1.size(), want.size());
      for (std::size_t o = 0; o < want.size(); ++o) EXPECT_TRUE(testing::close(got1[o], want[o], 2e-5f, 2e-5f));
      for (int threads : {2, 3}) {
        const auto got = testing::run_model(opt, inputs, threads);
        EXPECT_EQ(got, got1) << threads << " threads changed the result";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, OptimizedVsReference, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const auto& param) { return std::string(cases()[param.param].name); });

TEST(KernelTable, EveryOptimizedOpHasAReferenceAndUniqueNames) {
  const auto table = kernel_table();
  for (const auto& e : table) {
    bool has_reference = false;
    for (const auto& r : table)
      if (r.op == e.op && r.input == e.input && r.weights == e.weights && r.output == e.output && r.is_reference())
        has_reference = true;
    EXPECT_TRUE(has_reference) << e.name;
    EXPECT_EQ(find_kernel(e.name), &e) << "duplicate name " << e.name;
  }
}

}  // namespace
}  // namespace nilm::runtime
