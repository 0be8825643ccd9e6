// See lut_x86.h. Tails are masked loads and stores (no scalar remainder).
#include "runtime/kernels/lut_x86.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/lut_s16_avx512.h"
#define NILM_X86_KERNELS 1
// GCC 12's AVX-512 headers trip -Wuninitialized on their own "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_KERNELS

namespace {

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void lut_s8_impl(const LutS8& lut, std::size_t n,
                                                                      const std::int8_t* in, std::int8_t* out) {
  const __m512i t0 = _mm512_loadu_si512(lut.data()), t1 = _mm512_loadu_si512(lut.data() + 64);
  const __m512i t2 = _mm512_loadu_si512(lut.data() + 128), t3 = _mm512_loadu_si512(lut.data() + 192);
  for (std::size_t i = 0; i < n; i += 64) {
    const __mmask64 m = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    const __m512i idx = _mm512_maskz_loadu_epi8(m, in + i);  // uint8(q): the low 7 bits pick, bit 7 the half
    const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1), hi = _mm512_permutex2var_epi8(t2, idx, t3);
    _mm512_mask_storeu_epi8(out + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));
  }
}

__attribute__((target("avx512f,avx512bw"))) void lut_s16_impl(const LutS16& lut, std::size_t n, const std::int16_t* in,
                                                            std::int16_t* out) {
  LutS16Registers r;
  load_lut_s16(lut, &r);
  for (std::size_t i = 0; i < n; i += 32) {
    const __mmask32 m = n - i >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((std::uint64_t{1} << (n - i)) - 1);
    _mm512_mask_storeu_epi16(out + i, m, lut_lookup_s16x32(_mm512_maskz_loadu_epi16(m, in + i), r));
  }
}

}  // namespace

LutS8Fn lut_s8_avx512vbmi() {
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vbmi");
  return ok ? &lut_s8_impl : nullptr;
}
LutS16Fn lut_s16_avx512() {
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return ok ? &lut_s16_impl : nullptr;
}

#else

LutS8Fn lut_s8_avx512vbmi() { return nullptr; }
LutS16Fn lut_s16_avx512() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
