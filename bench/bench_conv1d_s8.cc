// The direct 1-D int8 convolution (kernels/int8_conv.h; int8 and hybrid epilogues) against the
// packed-panel GEMMs it replaced (rows read in place, 16 outputs x 4 rows per step), on the seq2point CNN's five
// layers. Prints the fastest of many repeats per kernel (robust on a busy machine) and the
// ratio. Usage: bench_conv1d_s8 [repeats]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "runtime/kernels/int8_conv.h"
#include "runtime/kernels/int8_gemm.h"

namespace k = nilm::runtime::kernels;

namespace {

struct Layer {
  int width, in_c, out_c, k_w;
};

template <class F>
double fastest_us(int repeats, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 2000;
  const auto conv1d = k::conv1d_s8_avx512vnni();
  const auto gemm = k::qgemm_s8_packed_avx512vnni();
  const auto hybrid = k::conv1d_hybrid_avx512vnni();
  const auto hybrid_gemm = k::hybrid_s8_packed_avx512vnni();
  if (!conv1d || !gemm || !hybrid || !hybrid_gemm) {
    fmt::print("no AVX-512 VNNI on this CPU\n");
    return 0;
  }
  const Layer layers[] = {{599, 1, 16, 5}, {300, 16, 32, 3}, {150, 32, 64, 3}, {75, 64, 128, 3}, {38, 128, 256, 3}};
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-127, 127);
  fmt::print("| layer (width x in_c -> out_c, k) | MMACs | gemm_us | conv1d_us | speedup | conv1d GMAC/s | hybrid gemm_us | hybrid conv1d_us |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  double total_gemm = 0, total_conv = 0, total_hgemm = 0, total_hconv = 0;
  for (const Layer& l : layers) {
    const int depth = l.k_w * l.in_c, pad = (l.k_w - 1) / 2;
    std::vector<std::int8_t> in(std::size_t(l.width) * l.in_c), w(std::size_t(l.out_c) * depth);
    for (auto& v : in) v = std::int8_t(byte(rng));
    for (auto& v : w) v = std::int8_t(byte(rng));
    const std::vector<std::int8_t> packed = k::pack_panels_s8(w.data(), l.out_c, depth);
    const int padded = (l.out_c + 15) / 16 * 16;
    std::vector<std::int32_t> bias(std::size_t(padded), 7), sums(std::size_t(padded), 0);
    std::vector<float> scale(std::size_t(padded), 0.001f);
    std::vector<std::int8_t> out(std::size_t(l.width) * l.out_c);

    k::Conv1dS8 c;
    c.in_w = l.width, c.in_c = l.in_c, c.out_w = l.width, c.out_c = l.out_c, c.k_w = l.k_w, c.pad_left = pad;
    c.packed = packed.data(), c.bias = bias.data(), c.scale = scale.data();
    std::vector<std::uint8_t> scratch(k::conv1d_s8_scratch_bytes(c, k::kConv1dRowBlock));
    const double conv_us = fastest_us(repeats, [&] {
      for (int r0 = 0; r0 < l.width; r0 += k::kConv1dRowBlock)
        for (int j0 = 0; j0 < l.out_c; j0 += 64)
          conv1d(c, in.data(), out.data(), r0, std::min(l.width, r0 + k::kConv1dRowBlock), j0, std::min(l.out_c, j0 + 64),
                 scratch.data());
    });

    k::QGemmS8Args g;  // the interior rows only (the edge rows were gathered separately)
    g.m = l.width - l.k_w + 1, g.n = l.out_c, g.k = depth, g.a = in.data(), g.a_row = l.in_c;
    g.b = w.data(), g.b_packed = packed.data(), g.bias = bias.data(), g.b_sums = sums.data();
    g.f_scale = scale.data(), g.act_min = -128, g.act_max = 127, g.c = out.data(), g.ldc = l.out_c;
    const double gemm_us = fastest_us(repeats, [&] { gemm(g, 0, l.out_c); });
    // hybrid (w8): the float epilogue, against the packed-panel hybrid GEMM
    std::vector<float> w_scales(std::size_t(padded), 0.01f), fbias(std::size_t(l.out_c), 0.5f);
    std::vector<float> fout(std::size_t(l.width) * l.out_c);
    k::Conv1dHybrid h;
    h.rows = c;
    h.sums = sums.data(), h.w_scales = w_scales.data(), h.bias = fbias.data(), h.lo = 0, h.hi = 1e30f;
    h.input_offset = 3, h.input_scale = 0.02f;
    const double hconv_us = fastest_us(repeats, [&] {
      for (int r0 = 0; r0 < l.width; r0 += k::kConv1dRowBlock)
        for (int j0 = 0; j0 < l.out_c; j0 += 64)
          hybrid(h, in.data(), fout.data(), r0, std::min(l.width, r0 + k::kConv1dRowBlock), j0,
                 std::min(l.out_c, j0 + 64), scratch.data());
    });
    k::HybridS8Args hg;
    hg.m = g.m, hg.n = l.out_c, hg.k = depth, hg.a = in.data(), hg.a_row = l.in_c, hg.b = w.data();
    hg.b_packed = packed.data(), hg.b_sums = sums.data(), hg.w_scales = w_scales.data(), hg.bias = fbias.data();
    hg.input_offset = 3, hg.input_scale = 0.02f, hg.lo = 0, hg.hi = 1e30f, hg.c = fout.data(), hg.ldc = l.out_c;
    const double hgemm_us = fastest_us(repeats, [&] { hybrid_gemm(hg, 0, l.out_c); });
    const double macs = double(l.width) * l.out_c * depth;
    total_gemm += gemm_us;
    total_conv += conv_us;
    total_hgemm += hgemm_us;
    total_hconv += hconv_us;
    fmt::print("| {} x {} -> {}, k {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {:.2f} | {:.2f} |\n", l.width, l.in_c,
               l.out_c, l.k_w, macs / 1e6, gemm_us, conv_us, gemm_us / conv_us, macs / conv_us / 1e3, hgemm_us, hconv_us);
  }
  fmt::print("| total | | {:.2f} | {:.2f} | {:.2f} | | {:.2f} | {:.2f} |\n", total_gemm, total_conv, total_gemm / total_conv,
             total_hgemm, total_hconv);
  return 0;
}
