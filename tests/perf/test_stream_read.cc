// The bandwidth floor's streaming read (perf/stream_read.h): every variant this CPU has reads
// every byte (XOR of the buffer's 64-bit words, computed here word by word), so a floor never
// comes out fast by skipping data; and `floor` in benchmark_model times one read per timed run.
#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <random>
#include <vector>

#include "perf/benchmark.h"
#include "perf/stream_read.h"
#include "runtime/sample_graphs.h"

namespace nilm::perf {
namespace {

std::uint64_t xor_words(const std::byte* p, std::size_t bytes) {
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < bytes; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    x ^= w;
  }
  return x;
}

TEST(StreamRead, EveryVariantReadsEveryWord) {
  const runtime::CpuFeatures have = runtime::detect_cpu_features();
  const std::vector<runtime::CpuFeatures> masks = {runtime::cpu_none, runtime::cpu_avx2, runtime::cpu_avx2 | runtime::cpu_avx512f};
  std::mt19937_64 rng(5);
  for (const std::size_t bytes : {kStreamBlock, 3 * kStreamBlock, 4096 * kStreamBlock + kStreamBlock}) {
    auto* p = static_cast<std::byte*>(::operator new[](bytes, std::align_val_t(64)));
    for (std::size_t i = 0; i < bytes; i += 8) {
      const std::uint64_t w = rng();
      std::memcpy(p + i, &w, 8);
    }
    const std::uint64_t want = xor_words(p, bytes);
    for (const runtime::CpuFeatures mask : masks) {
      const StreamRead read = stream_read_for(have & mask);
      SCOPED_TRACE(std::string(read.name) + ", " + std::to_string(bytes) + " bytes");
      EXPECT_EQ(read.fn(p, bytes), want);
      // one word changed anywhere changes the result (the last block included)
      p[bytes - 8] ^= std::byte{1};
      EXPECT_NE(read.fn(p, bytes), want);
      p[bytes - 8] ^= std::byte{1};
    }
    ::operator delete[](p, std::align_val_t(64));
  }
}

TEST(StreamRead, WidestVariantOfTheCpu) {
  const runtime::CpuFeatures f = runtime::detect_cpu_features();
  const std::string name = stream_read_for(f).name;
  if (f & runtime::cpu_avx512f) EXPECT_EQ(name, "avx512");
  else if (f & runtime::cpu_avx2) EXPECT_EQ(name, "avx2");
  else EXPECT_EQ(name, "portable");
  EXPECT_STREQ(stream_read_for(runtime::cpu_none).name, "portable");
}

TEST(StreamFloor, CoversTheBytesOnEveryThreadCount) {
  runtime::ThreadPool pool(2);
  for (const int threads : {1, 2}) {
    StreamFloor floor(1000000, threads);
    EXPECT_GE(floor.bytes(), 1000000u);
    EXPECT_LT(floor.bytes(), 1000000u + std::size_t(threads) * kStreamBlock);
    EXPECT_EQ(floor.bytes() % (std::size_t(threads) * kStreamBlock), 0u);
    EXPECT_GT(floor.read_us(pool), 0.0);
  }
}

TEST(BenchFloor, OneReadPerTimedRunAndTheRatio) {
  BenchOptions o;
  o.warmup = 1;
  o.runs = 60;  // more than one block of runs and reads
  o.profile_runs = 0;
  o.floor = true;
  const BenchResult r = benchmark_graph(runtime::cnn_graph(3, 99), "sample:cnn", o);
  EXPECT_EQ(r.floor.runs, r.latency.runs);
  EXPECT_GT(r.floor.min_us, 0.0);
  EXPECT_EQ(r.floor_read, stream_read_for().name);
  const Table t = summary_table({r});
  std::size_t floor_col = 0, ratio_col = 0;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (t.columns[c].name == "floor_us") floor_col = c;
    if (t.columns[c].name == "x_floor") ratio_col = c;
  }
  ASSERT_GT(floor_col, 0u);
  ASSERT_GT(ratio_col, 0u);
  EXPECT_DOUBLE_EQ(std::get<double>(t.rows[0][floor_col]), r.floor.median_us);
  EXPECT_DOUBLE_EQ(std::get<double>(t.rows[0][ratio_col]), r.latency.median_us / r.floor.median_us);

  o.floor = false;  // not asked: not measured, empty cells
  const BenchResult plain = benchmark_graph(runtime::cnn_graph(3, 99), "sample:cnn", o);
  EXPECT_EQ(plain.floor.runs, 0u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(summary_table({plain}).rows[0][ratio_col]));
}

}  // namespace
}  // namespace nilm::perf
