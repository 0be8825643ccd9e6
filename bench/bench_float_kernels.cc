// Float micro-kernels on the transformer's shapes (d_model 256, 2 heads of 64, FFN 1024, 299
// tokens) and the CNN's convolutions and batch-1 dense rows: median time per call of every micro-kernel set this
// CPU runs (portable, AVX2, AVX-512), the sets alternating within each repeat, one thread.
// GEMMs are called as the FULLY_CONNECTED / BATCH_MATMUL adapters call them (48-row blocks
// over all panels) and reported with GFLOP/s.
//
//   bench_float_kernels            (BENCH_SECONDS per configuration, default 0.3;
//                                   BENCH_COPIES=1 keeps the GEMM weights hot in cache, default 12)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/micro.h"

using namespace nilm::runtime;
namespace k = nilm::runtime::kernels;

namespace {

double seconds_per_config() {
  const char* s = std::getenv("BENCH_SECONDS");
  return s ? std::atof(s) : 0.3;
}

std::vector<float> random_floats(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Median microseconds per call of each function, calls alternating between them.
std::vector<double> median_us(const std::vector<std::function<void()>>& fns) {
  using clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> times(fns.size());
  for (auto& f : fns) f();  // warm-up
  const auto start = clock::now();
  while (std::chrono::duration<double>(clock::now() - start).count() < seconds_per_config() * double(fns.size()) ||
         times[0].size() < 5) {
    for (std::size_t i = 0; i < fns.size(); ++i) {
      const auto t0 = clock::now();
      fns[i]();
      times[i].push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
    }
  }
  std::vector<double> med;
  for (auto& t : times) {
    std::nth_element(t.begin(), t.begin() + std::ptrdiff_t(t.size() / 2), t.end());
    med.push_back(t[t.size() / 2]);
  }
  return med;
}

struct Gemm {
  const char* name;
  int m, k, n;
  int row_block;  // rows per task, as the adapter splits them
};

}  // namespace

int main() {
  std::vector<std::pair<std::string, const k::MicroKernels*>> sets;
  for (MicroSet s : {MicroSet::portable, MicroSet::avx2, MicroSet::avx512, MicroSet::neon}) {
    const k::MicroKernels* mk = micro_kernels(s);
    if (!mk) continue;
    if (s == MicroSet::avx2 && (detect_cpu_features() & (cpu_avx2 | cpu_fma)) != (cpu_avx2 | cpu_fma)) continue;
    if (s == MicroSet::avx512 && !(detect_cpu_features() & cpu_avx512f)) continue;
    sets.emplace_back(mk->suffix, mk);
  }
  std::printf("CPU features: %s\n\n", cpu_features_string(detect_cpu_features()).c_str());
  std::printf("| kernel | shape |");
  for (auto& s : sets) std::printf(" %s us | %s GFLOP/s |", s.first.c_str(), s.first.c_str());
  std::printf("\n|---|---|");
  for (std::size_t i = 0; i < sets.size(); ++i) std::printf("---|---|");
  std::printf("\n");

  std::mt19937 rng(7);
  const Gemm gemms[] = {
      {"dense QKV", 299, 256, 128, 48},       {"dense attn out", 299, 128, 256, 48},
      {"dense FFN up", 299, 256, 1024, 48},   {"dense FFN down", 299, 1024, 256, 48},
      {"matmul Q K^T", 299, 64, 299, 48},     {"matmul P V", 299, 299, 64, 48},
      // The CNN's convolutions as GEMMs: output positions x (kernel * in channels) x out channels.
      {"conv1 k5 1->16", 599, 5, 16, 24},     {"conv2 k3 16->32", 300, 48, 32, 24},
      {"conv3 k3 32->64", 150, 96, 64, 24},   {"conv4 k3 64->128", 75, 192, 128, 24},
      {"conv5 k3 128->256", 38, 384, 256, 24},
  };
  for (const auto& gm : gemms) {
    const auto a = random_floats(std::size_t(gm.m) * gm.k, rng);
    const auto b = random_floats(std::size_t(gm.k) * gm.n, rng);
    const auto bias = random_floats(std::size_t(gm.n), rng);
    // Several copies of the packed weights, used in turn, so that each call finds its weights
    // out of L2 as in a whole model (5 MB of weights) rather than hot from the previous call.
    static const int kCopies = std::getenv("BENCH_COPIES") ? std::atoi(std::getenv("BENCH_COPIES")) : 12;
    std::vector<k::AlignedFloats> packed(kCopies);
    for (auto& pk : packed) {
      pk.resize(k::packed_panels_size(gm.k, gm.n));
      k::pack_panels(b.data(), gm.k, gm.n, gm.k, 1, pk.data());
    }
    int turn = 0;
    std::vector<float> c(std::size_t(gm.m) * gm.n);
    std::vector<std::function<void()>> fns;
    for (auto& s : sets)
      fns.push_back([&, mk = s.second] {
        const float* bp = packed[std::size_t(turn++ % kCopies)].data();
        const int kRows = gm.row_block;
        const int panels = (gm.n + k::kPanel - 1) / k::kPanel;
        for (int r0 = 0; r0 < gm.m; r0 += kRows) {
          k::GemmArgs g;
          g.m = std::min(kRows, gm.m - r0);
          g.n = gm.n;
          g.k = gm.k;
          g.a = a.data() + std::size_t(r0) * gm.k;
          g.a_row = gm.k;
          g.b_packed = bp;
          g.bias = bias.data();
          g.clamp = k::clamp_of(k::Activation::none);
          g.c = c.data() + std::size_t(r0) * gm.n;
          g.ldc = gm.n;
          mk->gemm(g, 0, panels);
        }
      });
    const auto us = median_us(fns);
    const double flops = 2.0 * gm.m * gm.k * gm.n;
    std::printf("| %s | %dx%dx%d |", gm.name, gm.m, gm.k, gm.n);
    for (double t : us) std::printf(" %.1f | %.1f |", t, flops / t * 1e-3);
    std::printf("\n");
  }

  // BATCH_MATMUL packs each head's right-hand side per run: K of Q K^T is stored [n x k]
  // (adj_y, a transposing copy), V of P V [k x n] (row copies). Portable pack_panels.
  for (bool adj_y : {true, false}) {
    const int kk = adj_y ? 64 : 299, n = adj_y ? 299 : 64;
    const auto b = random_floats(std::size_t(kk) * n, rng);
    k::AlignedFloats packed;
    packed.resize(k::packed_panels_size(kk, n));
    const auto us = median_us({[&] {
      k::pack_panels(b.data(), kk, n, adj_y ? kk : 1, adj_y ? 1 : n, packed.data());
    }});
    std::printf("| pack rhs (%s) | %dx%d | %.1f | |\n", adj_y ? "adj_y, Q K^T" : "P V", kk, n, us[0]);
  }

  // Elementwise: GELU after FFN up (299 x 1024), softmax over attention scores (2 x 299 rows).
  {
    const auto x = random_floats(299 * 1024, rng);
    std::vector<float> y(x.size());
    std::vector<std::function<void()>> fns;
    for (auto& s : sets)
      fns.push_back([&, mk = s.second] { mk->unary(k::UnaryOp::gelu_tanh, x.size(), x.data(), y.data()); });
    const auto us = median_us(fns);
    std::printf("| gelu | 299x1024 |");
    for (double t : us) std::printf(" %.1f | |", t);
    std::printf("\n");
  }
  {
    k::SoftmaxParams p;
    p.rows = 2 * 299;
    p.cols = 299;
    p.beta = 1.f;
    const auto x = random_floats(std::size_t(p.rows) * p.cols, rng);
    std::vector<float> y(x.size());
    std::vector<std::function<void()>> fns;
    for (auto& s : sets) fns.push_back([&, mk = s.second] { mk->softmax(p, x.data(), y.data(), 0, p.rows); });
    const auto us = median_us(fns);
    std::printf("| softmax | 598x299 |");
    for (double t : us) std::printf(" %.1f | |", t);
    std::printf("\n");
  }
  // The CNN's batch-1 dense layer (9728 -> 1024): weights streamed once.
  {
    k::FcParams p;
    p.rows = 1;
    p.depth = 9728;
    p.outputs = 1024;
    const auto x = random_floats(std::size_t(p.depth), rng);
    const auto w = random_floats(std::size_t(p.depth) * p.outputs, rng);
    std::vector<float> y(std::size_t(p.outputs));
    std::vector<std::function<void()>> fns;
    for (auto& s : sets)
      fns.push_back([&, mk = s.second] { mk->fc_dot(p, x.data(), w.data(), nullptr, y.data(), 0, p.outputs); });
    const auto us = median_us(fns);
    std::printf("| fc dot rows | 1x9728x1024 |");
    for (double t : us) std::printf(" %.1f | %.1f |", t, 2.0 * p.depth * p.outputs / t * 1e-3);
    std::printf("\n");
  }
  return 0;
}
