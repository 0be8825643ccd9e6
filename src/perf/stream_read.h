// The memory-bandwidth floor of batch-1 inference (issue 6): the time to read a buffer the size
// of a model's weights once, with the widest loads the CPU has, in kStreamParts concurrent
// streams (one per 1/8 of the buffer: more reads in flight than one sequential stream, ~5%
// faster from DRAM here, as the float dense kernel's 8 weight rows at a time). `nilm bench --floor`
// times such reads in blocks alternating with blocks of timed runs, on the same threads (same
// cores, same minutes: the ratio survives a shared machine's swings); bench_bandwidth and
// bench_int_kernels use it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/thread_pool.h"

namespace nilm::perf {

constexpr int kStreamParts = 8;              // concurrent streams, one per part of the buffer
constexpr std::size_t kStreamBlock = 8 * 64;  // a share is a multiple of this (whole lines per part)

// XOR of every 64-bit word of [p, p + bytes); p 64-byte aligned, bytes a multiple of kStreamBlock.
using StreamReadFn = std::uint64_t (*)(const std::byte* p, std::size_t bytes);
struct StreamRead {
  const char* name;  // "avx512" (64-byte loads), "avx2" (32), "portable" (16)
  StreamReadFn fn;
};
// The widest variant `features` allow (every one of them gives the same result).
StreamRead stream_read_for(runtime::CpuFeatures features = runtime::detect_cpu_features());

// A buffer of at least `bytes` (rounded up to whole blocks per thread), split into one
// contiguous share per thread; read_us() reads all of it once on `pool`'s threads (as an op
// splits its work) and returns the wall time in microseconds.
class StreamFloor {
 public:
  StreamFloor(std::size_t bytes, int threads);
  double read_us(runtime::ThreadPool& pool);
  std::size_t bytes() const { return share_ * std::size_t(threads_); }
  const char* variant() const { return read_.name; }

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte[], Free> buffer_;
  std::size_t share_ = 0;
  int threads_ = 1;
  StreamRead read_;
  std::vector<std::uint64_t> sums_;  // one per share
  std::uint64_t sink_ = 0;           // keeps the reads from being optimized away
};

}  // namespace nilm::perf
