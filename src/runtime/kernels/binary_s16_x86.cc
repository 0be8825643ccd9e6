#include "runtime/kernels/binary_s16_x86.h"

#include "runtime/cpu_features.h"
#include "runtime/kernels/quantized_binary.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "runtime/kernels/fixed_point_avx2.h"
#define NILM_X86_KERNELS 1
#endif

namespace nilm::runtime::kernels {

#if NILM_X86_KERNELS

namespace {

struct BinaryConsts {
  MultiplierAvx2 in1, in2, out;
  __m256i offset1, offset2, out_offset, act_min, act_max;
  __m128i left_shift;
};

template <int kStep>
__attribute__((target("avx2"))) inline __m256i operand8(const std::int16_t* p, std::int64_t i) {
  if constexpr (kStep == 0) return _mm256_set1_epi32(p[0]);
  else return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
}

template <BinaryOp kOp, int kX, int kY>
__attribute__((target("avx2"))) void row_impl(const QuantizedBinaryParams& p, const std::int16_t* x,
                                              const std::int16_t* y, std::int16_t* out, std::int64_t n) {
  BinaryConsts k;
  k.in1 = multiplier_avx2(p.input1);
  k.in2 = multiplier_avx2(p.input2);
  k.out = multiplier_avx2(p.output);
  k.offset1 = _mm256_set1_epi32(p.input1_offset);
  k.offset2 = _mm256_set1_epi32(p.input2_offset);
  k.out_offset = _mm256_set1_epi32(p.output_offset);
  k.act_min = _mm256_set1_epi32(p.act_min);
  k.act_max = _mm256_set1_epi32(p.act_max);
  k.left_shift = _mm_cvtsi32_si128(p.left_shift);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v1 = _mm256_add_epi32(k.offset1, operand8<kX>(x, i));
    const __m256i v2 = _mm256_add_epi32(k.offset2, operand8<kY>(y, i));
    __m256i raw;
    if constexpr (kOp == BinaryOp::mul) {
      raw = _mm256_mullo_epi32(v1, v2);
    } else {
      const __m256i s1 = multiply_by_quantized_multiplier_avx2(_mm256_sll_epi32(v1, k.left_shift), k.in1);
      const __m256i s2 = multiply_by_quantized_multiplier_avx2(_mm256_sll_epi32(v2, k.left_shift), k.in2);
      raw = kOp == BinaryOp::add ? _mm256_add_epi32(s1, s2) : _mm256_sub_epi32(s1, s2);
    }
    __m256i v = _mm256_add_epi32(multiply_by_quantized_multiplier_avx2(raw, k.out), k.out_offset);
    v = _mm256_min_epi32(_mm256_max_epi32(v, k.act_min), k.act_max);  // within int16: act range is
    const __m256i packed = _mm256_packs_epi32(v, v);                  // [lanes 0-3 x2 | lanes 4-7 x2]
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08)));
  }
  for (; i < n; ++i)
    out[i] = static_cast<std::int16_t>(quantized_binary_element<kOp, false>(p, x[kX ? i : 0], y[kY ? i : 0]));
}

template <BinaryOp kOp>
void row_op(const QuantizedBinaryParams& p, const std::int16_t* x, int x_step, const std::int16_t* y, int y_step,
            std::int16_t* out, std::int64_t n) {
  if (x_step && y_step) row_impl<kOp, 1, 1>(p, x, y, out, n);
  else if (x_step) row_impl<kOp, 1, 0>(p, x, y, out, n);
  else if (y_step) row_impl<kOp, 0, 1>(p, x, y, out, n);
  else row_impl<kOp, 0, 0>(p, x, y, out, n);
}

void row_avx2(const QuantizedBinaryParams& p, const std::int16_t* x, int x_step, const std::int16_t* y, int y_step,
              std::int16_t* out, std::int64_t n) {
  switch (p.geometry.op) {
    case BinaryOp::add: row_op<BinaryOp::add>(p, x, x_step, y, y_step, out, n); break;
    case BinaryOp::sub: row_op<BinaryOp::sub>(p, x, x_step, y, y_step, out, n); break;
    case BinaryOp::mul: row_op<BinaryOp::mul>(p, x, x_step, y, y_step, out, n); break;
    default: break;
  }
}

}  // namespace

BinaryS16RowFn binary_s16_row_avx2() { return (detect_cpu_features() & cpu_avx2) ? &row_avx2 : nullptr; }

#else

BinaryS16RowFn binary_s16_row_avx2() { return nullptr; }

#endif

}  // namespace nilm::runtime::kernels
