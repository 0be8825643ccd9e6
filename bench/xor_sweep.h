// A streaming read as wide as the kernels read: XOR of every 32-byte block of a buffer, in four
// independent 256-bit streams (bench_bandwidth's floor, bench_int_kernels' L3 reference).
#pragma once

#include <cstddef>

namespace nilm::bench {

using V4 = long long __attribute__((vector_size(32)));

__attribute__((always_inline)) inline void xor_sweep_body(const V4* p, std::size_t n, V4* result) {
  V4 a{}, b{}, c{}, d{};
  for (std::size_t i = 0; i + 4 <= n; i += 4) {
    a ^= p[i];
    b ^= p[i + 1];
    c ^= p[i + 2];
    d ^= p[i + 3];
  }
  *result = a ^ b ^ c ^ d;  // through memory: no AVX value crosses a baseline-ABI call
}

__attribute__((target("avx2"), noinline)) inline void xor_sweep_avx2(const V4* p, std::size_t n, V4* result) {
  xor_sweep_body(p, n, result);
}

// Without AVX2 the compiler splits the 32-byte vectors into the widest it has.
__attribute__((noinline)) inline void xor_sweep_portable(const V4* p, std::size_t n, V4* result) {
  xor_sweep_body(p, n, result);
}

}  // namespace nilm::bench
