// The optimized tier of the integer element-wise kernels: the same per-element arithmetic as
// kernels/quantized_reference.h (shared code or tables filled by it, so the same integers), over
// broadcast axes merged into rows x one inner axis, and row ranges so the op adapter can split
// work across threads.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "runtime/kernels/quantized_reference.h"

namespace nilm::runtime::kernels {

// Broadcast geometry merged into rows x inner: row r's operands start at the offsets its outer
// index gives; inside a row they advance by a_inner / b_inner (1, or 0 for a broadcast scalar).
struct CollapsedBinary {
  int rank = 0;  // outer axes used
  Dims outer{}, a_outer{}, b_outer{};
  std::int64_t inner = 1, a_inner = 1, b_inner = 1, rows = 1;
};
CollapsedBinary collapse_binary(const BinaryParams& g);

// int8: every (a, b) pair's result in one 65536-entry table (index uint8(a) * 256 + uint8(b)),
// filled by the reference's per-element function, so each element is one lookup.
std::vector<std::int8_t> make_binary_s8_table(const QuantizedBinaryParams& p);
void binary_s8_rows(const std::int8_t* table, const CollapsedBinary& c, const std::int8_t* a, const std::int8_t* b,
                    std::int8_t* out, std::int64_t row_begin, std::int64_t row_end);
// int16: on CPUs with AVX2, rows whose operands advance by 1 or 0 (a broadcast scalar) run
// kernels/binary_s16_x86.h (the same integers); the rest, and other CPUs, the portable rows.
void binary_s16_rows(const QuantizedBinaryParams& p, const CollapsedBinary& c, const std::int16_t* a,
                     const std::int16_t* b, std::int16_t* out, std::int64_t row_begin, std::int64_t row_end);
void binary_s16_rows_portable(const QuantizedBinaryParams& p, const CollapsedBinary& c, const std::int16_t* a,
                              const std::int16_t* b, std::int16_t* out, std::int64_t row_begin, std::int64_t row_end);

// MEAN whose reduced axes form one contiguous block: outer x reduced x inner, outputs
// [out_begin, out_end) of the outer x inner ones.
struct ContiguousMean {
  std::int64_t outer = 1, reduced = 1, inner = 1;
};
void mean_s8_rows(const QuantizedMeanParams& p, const ContiguousMean& c, const std::int8_t* in, std::int8_t* out,
                  std::int64_t out_begin, std::int64_t out_end);
void mean_s16_rows(const QuantizedMeanParams& p, const ContiguousMean& c, const std::int16_t* in, std::int16_t* out,
                   std::int64_t out_begin, std::int64_t out_end);

// int8 SOFTMAX: a difference to the row maximum is one of 256 values, so its fixed-point exp
// comes from a table filled by the reference's exp (index -difference).
using SoftmaxS8ExpTable = std::array<std::int32_t, 256>;
SoftmaxS8ExpTable make_softmax_s8_exp_table(const SoftmaxS8Params& p);
void softmax_s8_rows(const SoftmaxS8Params& p, const SoftmaxS8ExpTable& exps, const std::int8_t* in, std::int8_t* out,
                     int row_begin, int row_end);
// (The int16 reference already works row by row: this is its loop over a row range.)
void softmax_s16_rows(const SoftmaxS16Params& p, const std::int16_t* in, std::int16_t* out, int row_begin,
                      int row_end);

}  // namespace nilm::runtime::kernels
