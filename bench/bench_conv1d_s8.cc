// The direct 1-D convolutions (kernels/int8_conv.h: int8, hybrid, int16x8) against the
// packed-panel GEMMs they replaced (rows read in place, 16 outputs x 4 rows per step), on the seq2point CNN's five
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

// One whole convolution as the op runs it: blocks of kConv1dRowBlock rows x 64 outputs;
// block(r0, r1, j0, j1).
template <class F>
void each_block(int width, int out_c, F&& block) {
  for (int r0 = 0; r0 < width; r0 += k::kConv1dRowBlock)
    for (int j0 = 0; j0 < out_c; j0 += 64)
      block(r0, std::min(width, r0 + k::kConv1dRowBlock), j0, std::min(out_c, j0 + 64));
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 2000;
  const auto conv1d = k::conv1d_s8_avx512vnni();
  const auto gemm = k::qgemm_s8_packed_avx512vnni();
  const auto hybrid = k::conv1d_hybrid_avx512vnni();
  const auto hybrid_gemm = k::hybrid_s8_packed_avx512vnni();
  const auto conv16 = k::conv1d_s16_avx512vnni();
  const auto gemm16 = k::qgemm_s16_packed_avx512();
  if (!conv1d || !gemm || !hybrid || !hybrid_gemm || !conv16 || !gemm16) {
    fmt::print("no AVX-512 VNNI on this CPU\n");
    return 0;
  }
  const Layer layers[] = {{599, 1, 16, 5}, {300, 16, 32, 3}, {150, 32, 64, 3}, {75, 64, 128, 3}, {38, 128, 256, 3}};
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-127, 127);
  fmt::print("| layer (width x in_c -> out_c, k) | MMACs | gemm_us | conv1d_us | speedup | conv1d GMAC/s | hybrid gemm_us | hybrid conv1d_us | int16x8 gemm_us | int16x8 conv1d_us |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  double total_gemm = 0, total_conv = 0, total_hgemm = 0, total_hconv = 0, total_gemm16 = 0, total_conv16 = 0;
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
      each_block(l.width, l.out_c, [&](int r0, int r1, int j0, int j1) { conv1d(c, in.data(), out.data(), r0, r1, j0, j1, scratch.data()); });
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
      each_block(l.width, l.out_c, [&](int r0, int r1, int j0, int j1) { hybrid(h, in.data(), fout.data(), r0, r1, j0, j1, scratch.data()); });
    });
    k::HybridS8Args hg;
    hg.m = g.m, hg.n = l.out_c, hg.k = depth, hg.a = in.data(), hg.a_row = l.in_c, hg.b = w.data();
    hg.b_packed = packed.data(), hg.b_sums = sums.data(), hg.w_scales = w_scales.data(), hg.bias = fbias.data();
    hg.input_offset = 3, hg.input_scale = 0.02f, hg.lo = 0, hg.hi = 1e30f, hg.c = fout.data(), hg.ldc = l.out_c;
    const double hgemm_us = fastest_us(repeats, [&] { hybrid_gemm(hg, 0, l.out_c); });
    // int16x8 (w8_a16): vpdpwssd pairs against the packed-panel int16 GEMM (vpmaddwd, int64 flushes)
    std::vector<std::int16_t> in16(in.size()), out16(out.size());
    for (std::size_t i = 0; i < in.size(); ++i) in16[i] = std::int16_t(in[i] * 200);
    const std::vector<std::int16_t> packed16 = k::pack_panels_s16(w.data(), l.out_c, depth);
    std::vector<std::int64_t> bias64(std::size_t(padded), 7);
    const std::vector<std::int32_t> bias32(bias64.begin(), bias64.end());
    std::vector<k::QuantizedMultiplier> mult{k::quantize_multiplier(0.0007)};
    const k::ExpandedMultipliers expanded(mult, l.out_c);
    k::Conv1dS16 c16;
    c16.in_w = l.width, c16.in_c = l.in_c, c16.out_w = l.width, c16.out_c = l.out_c, c16.k_w = l.k_w, c16.pad_left = pad;
    c16.packed = packed16.data(), c16.bias = bias64.data(), c16.q_mult = expanded.mult.data();
    c16.q_left = expanded.left.data(), c16.q_right = expanded.right.data();
    if (k::conv1d_s16_fits_int32(w.data(), l.out_c, depth, bias64.data())) c16.bias32 = bias32.data();  // as the op
    std::vector<std::uint8_t> scratch16(k::conv1d_s16_scratch_bytes(c16, k::kConv1dRowBlock));
    const double conv16_us = fastest_us(repeats, [&] {
      each_block(l.width, l.out_c,
                 [&](int r0, int r1, int j0, int j1) { conv16(c16, in16.data(), out16.data(), r0, r1, j0, j1, scratch16.data()); });
    });
    k::QGemmS16Args g16;
    g16.m = g.m, g16.n = l.out_c, g16.k = depth, g16.a = in16.data(), g16.a_row = l.in_c, g16.b = w.data();
    g16.b_packed16 = packed16.data(), g16.bias = bias64.data(), g16.mult = mult.data(), g16.mult_count = 1;
    expanded.attach(g16);
    g16.act_min = -32768, g16.act_max = 32767, g16.c = out16.data(), g16.ldc = l.out_c;
    const double gemm16_us = fastest_us(repeats, [&] { gemm16(g16, 0, l.out_c); });
    const double macs = double(l.width) * l.out_c * depth;
    total_gemm16 += gemm16_us;
    total_conv16 += conv16_us;
    total_gemm += gemm_us;
    total_conv += conv_us;
    total_hgemm += hgemm_us;
    total_hconv += hconv_us;
    fmt::print("| {} x {} -> {}, k {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n", l.width, l.in_c,
               l.out_c, l.k_w, macs / 1e6, gemm_us, conv_us, gemm_us / conv_us, macs / conv_us / 1e3, hgemm_us, hconv_us,
               gemm16_us, conv16_us);
  }
  fmt::print("| total | | {:.2f} | {:.2f} | {:.2f} | | {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n", total_gemm, total_conv,
             total_gemm / total_conv, total_hgemm, total_hconv, total_gemm16, total_conv16);
  return 0;
}
