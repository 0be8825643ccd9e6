#include "perf/stream_read.h"

#include <chrono>
#include <new>

namespace nilm::perf {
namespace {

// kStreamParts streams of vectors of N bytes, one per part (GCC vector extensions: the compiler emits
// the widest loads of each function's target).
typedef std::uint64_t V16 __attribute__((vector_size(16)));
typedef std::uint64_t V32 __attribute__((vector_size(32)));
typedef std::uint64_t V64 __attribute__((vector_size(64)));

template <class V>
__attribute__((always_inline)) inline std::uint64_t xor_streams(const std::byte* p, std::size_t bytes) {
  constexpr std::size_t N = sizeof(V);
  constexpr int S = kStreamParts;
  const V* v = reinterpret_cast<const V*>(p);
  const std::size_t part = bytes / S / N;  // vectors per stream
  V acc[S] = {};
  for (std::size_t i = 0; i < part; ++i) {
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) acc[s] ^= v[std::size_t(s) * part + i];
  }
  V all = acc[0];
  for (int s = 1; s < S; ++s) all ^= acc[s];
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < N / 8; ++i) out ^= all[i];
  return out;
}

__attribute__((noinline)) std::uint64_t read_portable(const std::byte* p, std::size_t bytes) {
  return xor_streams<V16>(p, bytes);
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"), noinline)) std::uint64_t read_avx2(const std::byte* p, std::size_t bytes) {
  return xor_streams<V32>(p, bytes);
}
__attribute__((target("avx512f"), noinline)) std::uint64_t read_avx512(const std::byte* p, std::size_t bytes) {
  return xor_streams<V64>(p, bytes);
}
#endif

}  // namespace

StreamRead stream_read_for(runtime::CpuFeatures features) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (features & runtime::cpu_avx512f) return {"avx512", read_avx512};
  if (features & runtime::cpu_avx2) return {"avx2", read_avx2};
#endif
  (void)features;
  return {"portable", read_portable};
}

void StreamFloor::Free::operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(64)); }

StreamFloor::StreamFloor(std::size_t bytes, int threads)
    : threads_(threads < 1 ? 1 : threads), read_(stream_read_for()), sums_(std::size_t(threads_)) {
  const std::size_t blocks = (bytes + kStreamBlock - 1) / kStreamBlock;
  share_ = (blocks + std::size_t(threads_) - 1) / std::size_t(threads_) * kStreamBlock;
  if (share_ == 0) share_ = kStreamBlock;
  buffer_.reset(static_cast<std::byte*>(::operator new[](this->bytes(), std::align_val_t(64))));
  for (std::size_t i = 0; i < this->bytes(); ++i) buffer_[i] = std::byte(i * 131 + 7);  // touched: paged in
}

double StreamFloor::read_us(runtime::ThreadPool& pool) {
  const auto t0 = std::chrono::steady_clock::now();
  pool.run(threads_, [&](int task, int) { sums_[std::size_t(task)] = read_.fn(buffer_.get() + std::size_t(task) * share_, share_); });
  const auto t1 = std::chrono::steady_clock::now();
  for (const std::uint64_t s : sums_) sink_ ^= s;
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

}  // namespace nilm::perf
