// The transformer's integer non-dense kernels on its shapes (299 tokens, 2 heads): each
// vectorized variant against its reference kernel, alternated in one run, median microseconds
// per call and the speed-up. QUANTIZE / DEQUANTIZE / requantize (kernels/quantize_x86.h),
// int16 SOFTMAX (softmax_s16_x86.h), int16 BATCH_MATMUL (int16_matmul_x86.h, rhs packing
// included), int8 / int16 table lookups (lut_x86.h). Variants the CPU lacks are skipped.
// Times are this thread's CPU time (see thread_cpu_us).
//
//   bench_transformer_int_kernels            (BENCH_REPEATS alternations, default 15)
#include <fmt/core.h>

#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/int16_matmul_x86.h"
#include "runtime/kernels/int_reference.h"
#include "runtime/kernels/lut_x86.h"
#include "runtime/kernels/quantize_x86.h"
#include "runtime/kernels/quantized_reference.h"
#include "runtime/kernels/quantized_rows.h"
#include "runtime/kernels/softmax_s16_x86.h"

using namespace nilm::runtime::kernels;

namespace {

double median_us(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// This thread's CPU time in microseconds: on the shared 2-core machine wall time mostly
// measures preemption by other processes; CPU time does not (cache sharing still does).
double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e6 + double(t.tv_nsec) / 1e3;
}

// Alternates ref and opt `repeats` times (each timed over enough calls for ~2 ms of CPU time),
// prints both medians and the ratio.
void compare(const std::string& name, const std::function<void()>& ref, const std::function<void()>& opt, int repeats) {
  if (!opt) {
    fmt::print("{:<40} {:>10} {:>10}  (no variant on this CPU)\n", name, "", "");
    return;
  }
  auto time_once = [](const std::function<void()>& f) {
    int calls = 0;
    const double t0 = thread_cpu_us();
    double t1 = t0;
    do {
      f();
      ++calls;
      t1 = thread_cpu_us();
    } while (t1 - t0 < 2000);
    return (t1 - t0) / calls;
  };
  std::vector<double> r, o;
  for (int i = 0; i < repeats; ++i) {
    r.push_back(time_once(ref));
    o.push_back(time_once(opt));
  }
  const double mr = median_us(r), mo = median_us(o);
  fmt::print("{:<40} {:>10.1f} {:>10.1f} {:>8.1f}x\n", name, mr, mo, mr / mo);
}

template <class T>
std::vector<T> random_ints(std::mt19937& rng, std::size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> u(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

}  // namespace

int main() {
  const char* env = std::getenv("BENCH_REPEATS");
  const int repeats = env ? std::max(1, std::atoi(env)) : 15;
  std::mt19937 rng(1);
  constexpr int tokens = 299, d_model = 256, heads = 2, d_head = 64, ff = 1024;
  const std::size_t act = std::size_t(tokens) * d_model, scores = std::size_t(heads) * tokens * tokens;
  fmt::print("{:<40} {:>10} {:>10} {:>9}\n", "kernel (shape)", "ref us", "opt us", "speed-up");

  std::vector<float> xf(act);
  for (auto& v : xf) v = std::uniform_real_distribution<float>(-3.f, 3.f)(rng);
  std::vector<std::int8_t> q8(act), s8(scores);
  std::vector<std::int16_t> q16(act), s16(scores);
  std::vector<float> yf(act);
  {
    const auto f8 = quantize_f32_avx2<std::int8_t>();
    const auto f16 = quantize_f32_avx2<std::int16_t>();
    compare("QUANTIZE f32->s8 (299x256)", [&] { quantize_f32_s8_ref(act, xf.data(), 0.03f, 5, q8.data()); },
            f8 ? std::function<void()>([&] { f8(act, xf.data(), 0.03f, 5, q8.data()); }) : nullptr, repeats);
    compare("QUANTIZE f32->s16 (299x256)", [&] { quantize_f32_s16_ref(act, xf.data(), 1e-4f, 0, q16.data()); },
            f16 ? std::function<void()>([&] { f16(act, xf.data(), 1e-4f, 0, q16.data()); }) : nullptr, repeats);
    const auto d8 = dequantize_avx2<std::int8_t>();
    const float scale = 0.03f;
    const std::int64_t zp = 5;
    compare("DEQUANTIZE s8->f32 (299x256)", [&] { dequantize_ref(act, q8.data(), &scale, &zp, 1, 1, yf.data()); },
            d8 ? std::function<void()>([&] { d8(act, q8.data(), scale, 5, yf.data()); }) : nullptr, repeats);
    const auto in8 = random_ints<std::int8_t>(rng, scores, -128, 127);
    const auto in16 = random_ints<std::int16_t>(rng, scores, -32768, 32767);
    const auto m_up = quantize_multiplier(37.5), m_down = quantize_multiplier(1.0 / 41.3);
    const auto r816 = requantize_avx2<std::int8_t, std::int16_t>();
    const auto r168 = requantize_avx2<std::int16_t, std::int8_t>();
    compare("requantize s8->s16 (2x299x299)", [&] { requantize_ref(scores, in8.data(), 3, m_up, 0, s16.data()); },
            r816 ? std::function<void()>([&] { r816(scores, in8.data(), 3, m_up, 0, s16.data()); }) : nullptr, repeats);
    compare("requantize s16->s8 (2x299x299)", [&] { requantize_ref(scores, in16.data(), 0, m_down, -128, s8.data()); },
            r168 ? std::function<void()>([&] { r168(scores, in16.data(), 0, m_down, -128, s8.data()); }) : nullptr,
            repeats);
  }
  {
    const int rows = heads * tokens, cols = tokens;
    const auto p = make_softmax_s16_params(rows, cols, 1.f, 4e-4f);
    const auto x = random_ints<std::int16_t>(rng, scores, -12000, 12000);
    std::vector<std::int16_t> y(scores);
    const auto fn = softmax_s16_rows_avx512();
    compare("SOFTMAX s16 (598 rows x 299)", [&] { softmax_s16_rows(p, x.data(), y.data(), 0, rows); },
            fn ? std::function<void()>([&] { fn(p, x.data(), y.data(), 0, rows); }) : nullptr, repeats);
  }
  {
    const auto fn = matmul_s16_avx512vnni();
    auto matmul = [&](const char* name, int m, int k, int n, bool adj_y) {
      BatchMatMulParams p;
      p.m = m;
      p.k = k;
      p.n = n;
      p.adj_y = adj_y;
      const auto a = random_ints<std::int16_t>(rng, std::size_t(m) * k, -32768, 32767);
      const auto b = random_ints<std::int16_t>(rng, std::size_t(k) * n, -32768, 32767);
      Requantization rq;
      rq.multipliers = {quantize_multiplier(1.0 / (double(1 << 20) * k))};
      rq.act_min = -32768;
      rq.act_max = 32767;
      std::vector<std::int16_t> y(std::size_t(m) * n), packed(packed_s16_rhs_bytes(n, k) / 2);
      compare(name, [&] { batch_matmul_s16_ref(p, rq, a.data(), b.data(), y.data()); },
              fn ? std::function<void()>([&] {
                pack_s16_rhs(b.data(), n, k, adj_y ? k : 1, adj_y ? 1 : n, packed.data());
                MatMulS16Args g;
                g.m = m;
                g.n = n;
                g.k = k;
                g.a = a.data();
                g.a_row = k;
                g.b_packed = packed.data();
                g.mult = rq.multipliers[0];
                g.act_min = rq.act_min;
                g.act_max = rq.act_max;
                g.c = y.data();
                g.ldc = n;
                fn(g);
              })
                 : nullptr,
              repeats);
    };
    matmul("BATCH_MATMUL s16 Q K^T (299x64 . 64x299)", tokens, d_head, tokens, true);
    matmul("BATCH_MATMUL s16 P V (299x299 . 299x64)", tokens, tokens, d_head, false);
  }
  {
    const std::size_t n = std::size_t(tokens) * ff;
    const auto lut8 = make_lut_s8(0.05f, 3, 0.02f, -100, gelu_transform);
    const auto lut16 = make_gelu_s16_lut(2e-4f, 1e-4f, false);
    const auto x8 = random_ints<std::int8_t>(rng, n, -128, 127);
    const auto x16 = random_ints<std::int16_t>(rng, n, -32768, 32767);
    std::vector<std::int8_t> y8(n);
    std::vector<std::int16_t> y16(n);
    const auto f8 = lut_s8_avx512vbmi();
    const auto f16 = lut_s16_avx512();
    compare("GELU s8 table (299x1024)", [&] { lut_s8_ref(lut8, n, x8.data(), y8.data()); },
            f8 ? std::function<void()>([&] { f8(lut8, n, x8.data(), y8.data()); }) : nullptr, repeats);
    compare("GELU s16 table (299x1024)", [&] { lut_s16_ref(lut16, n, x16.data(), y16.data()); },
            f16 ? std::function<void()>([&] { f16(lut16, n, x16.data(), y16.data()); }) : nullptr, repeats);
  }
  return 0;
}
