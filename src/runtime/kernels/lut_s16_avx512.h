// TFLite's LUTLookup for int16 tables (lut.h) on 32 int16 lanes with the 513 anchors in
// registers, no gathers: anchors 0-511 and their successors (1-512) in 16 registers each;
// vpermt2w picks within 64 anchors by the index's low 6 bits, a masked move the 64-anchor block
// (index >> 6). The interpolation stays in 16-bit lanes: slope = next - base wraps as the
// reference's int16 cast; (slope * offset + 64) >> 7 == vpmulhrsw(slope, offset << 8) (both
// floor((x + 2^14) / 2^15) of x = 256 slope offset; offset << 8 <= 32512 fits); the sum wraps as
// the reference's cast. Include only from x86 translation units.
#pragma once

#include <immintrin.h>

#include "runtime/kernels/lut.h"

namespace nilm::runtime::kernels {

struct LutS16Registers {
  __m512i base[16], next[16];
};

__attribute__((target("avx512f,avx512bw"))) inline void load_lut_s16(const LutS16& lut, LutS16Registers* r) {
  for (int j = 0; j < 16; ++j) {
    r->base[j] = _mm512_loadu_si512(lut.data() + 32 * j);
    r->next[j] = _mm512_loadu_si512(lut.data() + 32 * j + 1);
  }
}

__attribute__((target("avx512f,avx512bw"))) inline __m512i lut_lookup_s16x32(__m512i v, const LutS16Registers& r) {
  const __m512i index = _mm512_add_epi16(_mm512_set1_epi16(256), _mm512_srai_epi16(v, 7));  // [0, 511]
  const __m512i block = _mm512_srli_epi16(index, 6);
  __m512i base = _mm512_permutex2var_epi16(r.base[0], index, r.base[1]);
  __m512i next = _mm512_permutex2var_epi16(r.next[0], index, r.next[1]);
  for (int k = 1; k < 8; ++k) {
    const __mmask32 in_block = _mm512_cmpeq_epi16_mask(block, _mm512_set1_epi16(static_cast<short>(k)));
    base = _mm512_mask_mov_epi16(base, in_block, _mm512_permutex2var_epi16(r.base[2 * k], index, r.base[2 * k + 1]));
    next = _mm512_mask_mov_epi16(next, in_block, _mm512_permutex2var_epi16(r.next[2 * k], index, r.next[2 * k + 1]));
  }
  const __m512i offset = _mm512_slli_epi16(_mm512_and_si512(v, _mm512_set1_epi16(0x7f)), 8);
  return _mm512_add_epi16(base, _mm512_mulhrs_epi16(_mm512_sub_epi16(next, base), offset));
}

}  // namespace nilm::runtime::kernels
