// The memory-bandwidth floor of batch-1 inference: the time to stream-read a buffer the size of
// a model's weights, as the model reads them on every run (issue 6). A buffer that fits the L3
// cache (the CNN's 10.6 MB of int8 weights in a 32 MiB L3) stays there between passes; a larger
// one (its 42 MB of float32 weights) comes from DRAM each pass.
//
//   bench_bandwidth [--threads 1,2] [--seconds S] [--label NAME=BYTES ...] [BYTES ...]
//
// One JSON line per buffer and thread count:
//   {"label": ..., "bytes": N, "threads": T, "read": "avx512", "passes": P, "median_us": ..., "min_us": ...,
//    "gb_per_s": bytes / median}
// A pass = every thread reading its contiguous share of the buffer once (perf/stream_read.h: the
// widest loads the CPU has, eight concurrent XOR streams), threads released together by a
// barrier and the pass timed until the last one is done: the time a T-thread inference would
// need just to read the weights. Threads are started once, not per pass. The median pass is
// reported (the machine is shared; min_us shows the best case).
#include <algorithm>
#include <barrier>
#include <cctype>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "perf/stream_read.h"

namespace {

struct Result {
  std::size_t passes = 0;
  double median_us = 0, min_us = 0;
};

// Passes until `seconds` are spent (at least 5), each timed from the barrier that releases the
// threads to the barrier they all reach when done.
Result measure(std::size_t bytes, int threads, double seconds) {
  const nilm::perf::StreamRead read = nilm::perf::stream_read_for();
  const std::size_t block = nilm::perf::kStreamBlock;
  const std::size_t share = (bytes + std::size_t(threads) * block - 1) / (std::size_t(threads) * block) * block;
  std::vector<std::byte> storage(share * std::size_t(threads) + 64);
  std::byte* buf = storage.data() + (64 - reinterpret_cast<std::uintptr_t>(storage.data()) % 64) % 64;
  for (std::size_t i = 0; i < share * std::size_t(threads); ++i) buf[i] = std::byte(i * 131 + 7);
  std::barrier start(threads), done(threads);
  bool stop = false;
  std::vector<std::uint64_t> sinks(std::size_t(threads) * 8);  // a cache line apart
  auto sweep = [&](int t) { sinks[std::size_t(t) * 8] ^= read.fn(buf + share * std::size_t(t), share); };
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
  volatile std::uint64_t sink = 0;
  for (const std::uint64_t s : sinks) sink = sink ^ s;
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
      std::printf("{\"label\": \"%s\", \"bytes\": %zu, \"threads\": %d, \"read\": \"%s\", \"passes\": %zu, "
                  "\"median_us\": %.2f, \"min_us\": %.2f, \"gb_per_s\": %.2f}\n",
                  label.c_str(), bytes, threads, nilm::perf::stream_read_for().name, r.passes, r.median_us, r.min_us,
                  double(bytes) / r.median_us / 1e3);
      std::fflush(stdout);
    }
  }
  return 0;
}
