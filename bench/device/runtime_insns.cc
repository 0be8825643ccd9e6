// One runtime configuration run N times, for scripts/aarch64_insns.sh: it runs this under
// qemu-aarch64 with insn_count_plugin.c and takes the difference between N = 1 and N = 1 + R
// runs, so model compilation and start-up cancel out and what is left is the instructions one
// inference (or one GEMM call) executes on aarch64 with each kernel tier.
//
//   runtime_insns graph cnn|transformer reference|portable|native RUNS
//   runtime_insns qgemm M N K portable|rows|packed RUNS     (int8 GEMM, w8_a8 requantization)
//   runtime_insns qgemm16 M N K portable|neon RUNS          (int16x8 GEMM, w8_a16)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/kernels/int8_gemm_dotprod.h"
#include "runtime/model.h"
#include "runtime/sample_graphs.h"

namespace rt = nilm::runtime;
namespace k = nilm::runtime::kernels;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: runtime_insns graph cnn|transformer reference|portable|native RUNS\n"
               "       runtime_insns qgemm M N K portable|rows|packed RUNS\n"
               "       runtime_insns qgemm16 M N K portable|neon RUNS\n");
  return 2;
}

int run_graph(const std::string& name, const std::string& tier, int runs) {
  rt::CompileOptions options;
  if (tier == "reference") options.tier = rt::Tier::reference;
  else if (tier == "portable") options.features = rt::cpu_none;
  else if (tier != "native") return usage();
  if (name != "cnn" && name != "transformer") return usage();
  const rt::Model model =
      rt::Model::from_graph(name == "cnn" ? rt::cnn_graph(1) : rt::transformer_graph(1), options, name);
  rt::Interpreter interp(model, 1);
  for (std::size_t i = 0; i < interp.input_elements(0); ++i) interp.input(0)[i] = std::sin(0.01f * float(i));
  for (int r = 0; r < runs; ++r) interp.invoke();
  std::printf("%s %s: %s -> %g\n", name.c_str(), tier.c_str(), model.kernel_summary().c_str(), interp.output(0)[0]);
  return 0;
}

int run_qgemm(int m, int n, int depth, const std::string& variant, int runs) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-128, 127), weight(-127, 127);
  std::vector<std::int8_t> a(std::size_t(m) * depth), w(std::size_t(n) * depth), c(std::size_t(m) * n);
  for (auto& v : a) v = std::int8_t(byte(rng));
  for (auto& v : w) v = std::int8_t(weight(rng));
  std::vector<std::int32_t> raw_bias(std::size_t(n), 100), bias, sums;
  k::fold_input_offset(w.data(), n, depth, raw_bias.data(), 3, bias, sums);
  const std::vector<k::QuantizedMultiplier> mult(std::size_t(n), k::quantize_multiplier(0.003));
  const k::ExpandedMultipliers expanded(mult, n);
  const std::vector<std::int8_t> packed = k::pack_panels_s8(w.data(), n, depth);
  k::QGemmS8Args g;
  g.m = m, g.n = n, g.k = depth, g.a = a.data(), g.a_row = depth, g.b = w.data(), g.b_packed = packed.data();
  g.bias = bias.data(), g.b_sums = sums.data(), g.mult = mult.data(), g.mult_count = n;
  expanded.attach(g);
  g.out_offset = -5, g.act_min = -128, g.act_max = 127, g.c = c.data(), g.ldc = n;
  k::QGemmS8Fn fn = variant == "portable" ? &k::qgemm_s8_portable
                    : variant == "rows"   ? k::qgemm_s8_neon_dotprod()
                    : variant == "packed" ? k::qgemm_s8_packed_neon_dotprod()
                                          : nullptr;
  if (!fn) {
    std::fprintf(stderr, "runtime_insns: no '%s' int8 GEMM on this CPU/build\n", variant.c_str());
    return 1;
  }
  for (int r = 0; r < runs; ++r) fn(g, 0, n);
  long sum = 0;
  for (auto v : c) sum += v;
  std::printf("qgemm %dx%dx%d %s: checksum %ld\n", m, n, depth, variant.c_str(), sum);
  return 0;
}

int run_qgemm16(int m, int n, int depth, const std::string& variant, int runs) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> act(-32768, 32767), weight(-127, 127);
  std::vector<std::int16_t> a(std::size_t(m) * depth), c(std::size_t(m) * n);
  std::vector<std::int8_t> w(std::size_t(n) * depth);
  for (auto& v : a) v = std::int16_t(act(rng));
  for (auto& v : w) v = std::int8_t(weight(rng));
  std::vector<std::int64_t> raw_bias(std::size_t(n), 100), bias;
  std::vector<std::int32_t> sums;
  k::fold_input_offset(w.data(), n, depth, raw_bias.data(), 0, bias, sums);
  const std::vector<k::QuantizedMultiplier> mult(std::size_t(n), k::quantize_multiplier(1e-5));
  const k::ExpandedMultipliers expanded(mult, n);
  k::QGemmS16Args g;
  g.m = m, g.n = n, g.k = depth, g.a = a.data(), g.a_row = depth, g.b = w.data();
  g.bias = bias.data(), g.b_sums = sums.data(), g.mult = mult.data(), g.mult_count = n;
  expanded.attach(g);
  g.out_offset = 0, g.act_min = -32768, g.act_max = 32767, g.c = c.data(), g.ldc = n;
  k::QGemmS16Fn fn = variant == "portable" ? &k::qgemm_s16_portable : variant == "neon" ? k::qgemm_s16_neon() : nullptr;
  if (!fn) {
    std::fprintf(stderr, "runtime_insns: no '%s' int16 GEMM on this CPU/build\n", variant.c_str());
    return 1;
  }
  for (int r = 0; r < runs; ++r) fn(g, 0, n);
  long sum = 0;
  for (auto v : c) sum += v;
  std::printf("qgemm16 %dx%dx%d %s: checksum %ld\n", m, n, depth, variant.c_str(), sum);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "graph") return run_graph(args[1], args[2], std::atoi(args[3].c_str()));
  if (args.size() == 6 && args[0] == "qgemm")
    return run_qgemm(std::atoi(args[1].c_str()), std::atoi(args[2].c_str()), std::atoi(args[3].c_str()), args[4],
                     std::atoi(args[5].c_str()));
  if (args.size() == 6 && args[0] == "qgemm16")
    return run_qgemm16(std::atoi(args[1].c_str()), std::atoi(args[2].c_str()), std::atoi(args[3].c_str()), args[4],
                       std::atoi(args[5].c_str()));
  return usage();
}
