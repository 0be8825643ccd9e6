// The memory-bandwidth floor of batch-1 inference: the time to stream-read a buffer the size of
// a model's weights, as the model reads them on every run (issue 6). A buffer that fits the L3
// cache (the CNN's 10.6 MB of int8 weights in a 32 MiB L3) stays there between passes; a larger
// one (its 42 MB of float32 weights) comes from DRAM each pass.
//
//   bench_bandwidth [--threads 1,2] [--seconds S] [--label NAME=BYTES ...] [BYTES ...]
//
// One JSON line per buffer and thread count:
//   {"label": ..., "bytes": N, "threads": T, "passes": P, "median_us": ..., "min_us": ...,
//    "gb_per_s": bytes / median}
// A pass = every thread reading its contiguous share of the buffer once (256-bit loads, four
// independent XOR streams: as wide as the kernels read), threads released together by a
// barrier and the pass timed until the last one is done: the time a T-thread inference would
// need just to read the weights. Threads are started once, not per pass. The median pass is
// reported (the machine is shared; min_us shows the best case).
#include <algorithm>
#include <barrier>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "xor_sweep.h"

namespace {

using nilm::bench::V4;
using nilm::bench::xor_sweep_avx2;
using nilm::bench::xor_sweep_portable;

bool has_avx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

struct Result {
  std::size_t passes = 0;
  double median_us = 0, min_us = 0;
};

// Passes until `seconds` are spent (at least 5), each timed from the barrier that releases the
// threads to the barrier they all reach when done.
Result measure(std::size_t bytes, int threads, double seconds) {
  const std::size_t blocks = (bytes + 31) / 32;
  std::vector<V4> buf(blocks + 4);
  const std::size_t share = (blocks + std::size_t(threads) - 1) / std::size_t(threads) / 4 * 4 + 4;
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = V4{static_cast<long long>(i), 1, 2, 3};
  const bool avx2 = has_avx2();
  std::barrier start(threads), done(threads);
  bool stop = false;
  std::vector<V4> sinks(std::size_t(threads) * 2);
  auto sweep = [&](int t) {
    const std::size_t begin = std::min(blocks, share * std::size_t(t));
    const std::size_t end = std::min(blocks, begin + share);
    alignas(32) V4 v{};
    if (avx2) xor_sweep_avx2(buf.data() + begin, end - begin, &v);
    else xor_sweep_portable(buf.data() + begin, end - begin, &v);
    sinks[std::size_t(t) * 2] ^= v;
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (;;) {
        start.arrive_and_wait();
        if (stop) return;
        sweep(t);
        done.arrive_and_wait();
      }
    });
  }
  std::vector<double> us;
  for (int warm = 0; warm < 2; ++warm) {  // first touches and cache fill
    start.arrive_and_wait();
    sweep(0);
    done.arrive_and_wait();
  }
  const auto begin = std::chrono::steady_clock::now();
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    start.arrive_and_wait();
    sweep(0);
    done.arrive_and_wait();
    const auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (us.size() >= 5 && std::chrono::duration<double>(t1 - begin).count() >= seconds) break;
  }
  stop = true;
  start.arrive_and_wait();
  for (auto& w : workers) w.join();
  volatile long long sink = 0;
  for (const V4& s : sinks) sink = sink ^ s[0];
  std::sort(us.begin(), us.end());
  const std::size_t n = us.size();
  return {n, n % 2 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2, us.front()};
}

std::size_t parse_bytes(const std::string& text) {
  std::size_t used = 0;
  const double v = std::stod(text, &used);
  if (used != text.size() || !(v >= 1024)) throw std::invalid_argument("buffer size '" + text + "' must be a number of bytes >= 1024");
  return std::size_t(v);
}

int usage(const char* message) {
  std::fprintf(stderr, "bench_bandwidth: %s\nusage: bench_bandwidth [--threads 1,2] [--seconds S] [--label NAME=BYTES ...] [BYTES ...]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 2};
  double seconds = 1;
  std::vector<std::pair<std::string, std::size_t>> buffers;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--threads") {
        thread_counts.clear();
        std::string list = value();
        for (std::size_t p = 0; p <= list.size();) {
          const std::size_t comma = std::min(list.find(',', p), list.size());
          const int t = std::stoi(list.substr(p, comma - p));
          if (t < 1 || t > 256) throw std::invalid_argument("--threads: counts must be in [1, 256]");
          thread_counts.push_back(t);
          p = comma + 1;
        }
      } else if (a == "--seconds") {
        seconds = std::stod(value());
        if (!(seconds >= 0)) throw std::invalid_argument("--seconds must be >= 0");
      } else if (a == "--label") {
        const std::string v = value();
        const std::size_t eq = v.find('=');
        if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--label needs NAME=BYTES, got '" + v + "'");
        for (char c : v.substr(0, eq))
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            throw std::invalid_argument("--label: NAME may hold letters, digits, '_', '-', '.' only, got '" + v + "'");
        buffers.emplace_back(v.substr(0, eq), parse_bytes(v.substr(eq + 1)));
      } else if (a.rfind("--", 0) == 0) {
        throw std::invalid_argument("unknown option " + a);
      } else {
        buffers.emplace_back(a, parse_bytes(a));
      }
    }
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  if (buffers.empty()) {  // issue 6's two cases: the CNN's int8 and float32 weights
    buffers = {{"10.6MB", 10'600'000}, {"42.5MB", 42'500'000}};
  }
  for (const auto& [label, bytes] : buffers) {
    for (int threads : thread_counts) {
      const Result r = measure(bytes, threads, seconds);
      std::printf("{\"label\": \"%s\", \"bytes\": %zu, \"threads\": %d, \"passes\": %zu, \"median_us\": %.2f, "
                  "\"min_us\": %.2f, \"gb_per_s\": %.2f}\n",
                  label.c_str(), bytes, threads, r.passes, r.median_us, r.min_us, double(bytes) / r.median_us / 1e3);
      std::fflush(stdout);
    }
  }
  return 0;
}
