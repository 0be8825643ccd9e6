// Vectorized QUANTIZE (f32 -> int8 / int16), DEQUANTIZE (int8 / int16 -> f32, per tensor) and
// integer requantization (int8 <-> int16) for x86 AVX2: the same integers and floats as the
// reference kernels in int_reference.h (checked bit for bit in tests/runtime), over a range of
// elements so the op adapter can split the work across threads. The getters return nullptr when
// the CPU (or the build: not x86-64) lacks AVX2.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/fixed_point.h"

namespace nilm::runtime::kernels {

template <class Out>
using QuantizeF32Fn = void (*)(std::size_t n, const float* in, float scale, std::int32_t zero_point, Out* out);
template <class In, class Out>
using RequantizeFn = void (*)(std::size_t n, const In* in, std::int32_t in_zero_point, QuantizedMultiplier m,
                              std::int32_t out_zero_point, Out* out);
template <class In>
using DequantizeFn = void (*)(std::size_t n, const In* in, float scale, std::int32_t zero_point, float* out);

// Out: std::int8_t or std::int16_t.
template <class Out>
QuantizeF32Fn<Out> quantize_f32_avx2();
// In, Out: std::int8_t or std::int16_t.
template <class In, class Out>
RequantizeFn<In, Out> requantize_avx2();
template <class In>
DequantizeFn<In> dequantize_avx2();

}  // namespace nilm::runtime::kernels
