#include "runtime/kernels/quantized_rows.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <vector>

#include "runtime/kernels/binary_s16_x86.h"
#include "runtime/kernels/fixed_point_math.h"
#include "runtime/kernels/lut_x86.h"
#include "runtime/kernels/quantized_binary.h"

namespace nilm::runtime::kernels {

CollapsedBinary collapse_binary(const BinaryParams& g) {
  // Merge axis d into the previous one when both operands walk them as one range; drop size-1
  // axes (the same rule as the float kernels).
  std::vector<std::int64_t> shape, as, bs;
  for (int d = 0; d < kMaxRank; ++d) {
    const auto n = g.shape[std::size_t(d)];
    if (n == 1) continue;
    const auto sa = g.a_stride[std::size_t(d)], sb = g.b_stride[std::size_t(d)];
    if (!shape.empty() && as.back() == sa * n && bs.back() == sb * n) {
      shape.back() *= n;
      as.back() = sa;
      bs.back() = sb;
      continue;
    }
    shape.push_back(n);
    as.push_back(sa);
    bs.push_back(sb);
  }
  if (shape.empty()) {
    shape = {1};
    as = {0};
    bs = {0};
  }
  CollapsedBinary c;
  c.inner = shape.back();
  c.a_inner = as.back();
  c.b_inner = bs.back();
  c.rank = int(shape.size()) - 1;
  for (int d = 0; d < c.rank; ++d) {
    c.outer[std::size_t(d)] = shape[std::size_t(d)];
    c.a_outer[std::size_t(d)] = as[std::size_t(d)];
    c.b_outer[std::size_t(d)] = bs[std::size_t(d)];
    c.rows *= shape[std::size_t(d)];
  }
  return c;
}

namespace {

// TFLite's multiply_by_quantized_multiplier as branch-free integer steps the compiler can
// vectorize: SRDHM(a, m) = (a m + 2^30) >> 31 for m >= 0 (equal to gemmlowp's nudge-and-
// truncate form for every a: both round a m / 2^31 half up), RoundingDivideByPOT(x, e) =
// (x + 2^(e-1) - [x < 0]) >> e (halves away from zero). A positive shift wraps as TFLite's.
struct FastMultiplier {
  std::int64_t m = 0, half = 0, negative = 0;
  int left = 0, right = 0;
  explicit FastMultiplier(QuantizedMultiplier q)
      : m(q.multiplier), half(q.shift < 0 ? std::int64_t{1} << (-q.shift - 1) : 0), negative(q.shift < 0 ? 1 : 0),
        left(q.shift > 0 ? q.shift : 0), right(q.shift < 0 ? -q.shift : 0) {}
  std::int32_t operator()(std::int32_t x) const {
    const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left);
    const std::int64_t high = (std::int64_t{shifted} * m + (std::int64_t{1} << 30)) >> 31;
    return static_cast<std::int32_t>((high + half - (high < 0 ? negative : 0)) >> right);
  }
};

// int16 ADD / SUB / MUL off the power-of-two path: the per-element steps of
// quantized_binary_element with FastMultiplier (the same integers).
template <BinaryOp kOp>
struct FastS16Element {
  FastMultiplier in1, in2, out;
  std::int32_t offset1, offset2, out_offset, left_shift, act_min, act_max;
  explicit FastS16Element(const QuantizedBinaryParams& p)
      : in1(p.input1), in2(p.input2), out(p.output), offset1(p.input1_offset), offset2(p.input2_offset),
        out_offset(p.output_offset), left_shift(p.left_shift), act_min(p.act_min), act_max(p.act_max) {}
  std::int16_t operator()(std::int32_t x, std::int32_t y) const {
    const std::int32_t v1 = offset1 + x, v2 = offset2 + y;
    std::int32_t raw;
    if constexpr (kOp == BinaryOp::mul) {
      raw = v1 * v2;
    } else {
      const std::int32_t s1 = in1(v1 * (std::int32_t{1} << left_shift)), s2 = in2(v2 * (std::int32_t{1} << left_shift));
      raw = kOp == BinaryOp::add ? s1 + s2 : s1 - s2;
    }
    const std::int32_t v = out(raw) + out_offset;
    return static_cast<std::int16_t>(v < act_min ? act_min : (v > act_max ? act_max : v));
  }
};

// Where row r's operands start.
void row_offsets(const CollapsedBinary& c, std::int64_t r, std::int64_t* oa, std::int64_t* ob) {
  std::int64_t rest = r;
  *oa = *ob = 0;
  for (int d = c.rank - 1; d >= 0; --d) {
    const std::int64_t i = rest % c.outer[std::size_t(d)];
    rest /= c.outer[std::size_t(d)];
    *oa += i * c.a_outer[std::size_t(d)];
    *ob += i * c.b_outer[std::size_t(d)];
  }
}

// Rows [r0, r1) of merged broadcast geometry, `f(a, b)` per element.
template <class T, class F>
void rows_t(const F& f, const CollapsedBinary& c, const T* a, const T* b, T* out, std::int64_t r0, std::int64_t r1) {
  for (std::int64_t r = r0; r < r1; ++r) {
    std::int64_t oa = 0, ob = 0;
    row_offsets(c, r, &oa, &ob);
    const T* x = a + oa;
    const T* y = b + ob;
    T* o = out + r * c.inner;
    const std::int64_t n = c.inner;
    if (c.a_inner == 1 && c.b_inner == 1) {
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (c.a_inner == 1 && c.b_inner == 0) {
      const std::int32_t v = y[0];
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], v);
    } else if (c.a_inner == 0 && c.b_inner == 1) {
      const std::int32_t u = x[0];
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(u, y[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i * c.a_inner], y[i * c.b_inner]);
    }
  }
}

template <BinaryOp kOp>
struct PotS16Element {
  const QuantizedBinaryParams& p;
  std::int16_t operator()(std::int32_t x, std::int32_t y) const {
    return static_cast<std::int16_t>(quantized_binary_element<kOp, true>(p, x, y));
  }
};

void rows_s16(const QuantizedBinaryParams& p, const CollapsedBinary& c, const std::int16_t* a, const std::int16_t* b,
              std::int16_t* out, std::int64_t r0, std::int64_t r1) {
  switch (p.geometry.op) {
    case BinaryOp::add:
      if (p.pot_int16) rows_t(PotS16Element<BinaryOp::add>{p}, c, a, b, out, r0, r1);
      else rows_t(FastS16Element<BinaryOp::add>(p), c, a, b, out, r0, r1);
      break;
    case BinaryOp::sub:
      if (p.pot_int16) rows_t(PotS16Element<BinaryOp::sub>{p}, c, a, b, out, r0, r1);
      else rows_t(FastS16Element<BinaryOp::sub>(p), c, a, b, out, r0, r1);
      break;
    case BinaryOp::mul: rows_t(FastS16Element<BinaryOp::mul>(p), c, a, b, out, r0, r1); break;
    default: break;  // TFLite has no int16 SQUARED_DIFFERENCE
  }
}

}  // namespace

std::vector<std::int8_t> make_binary_s8_table(const QuantizedBinaryParams& p) {
  std::vector<std::int8_t> table(65536);
  for (int x = -128; x <= 127; ++x)
    for (int y = -128; y <= 127; ++y)
      table[std::size_t(std::uint8_t(x)) * 256 + std::uint8_t(y)] =
          static_cast<std::int8_t>(quantized_binary_element(p, x, y));
  return table;
}

void binary_s8_rows(const std::int8_t* table, const CollapsedBinary& c, const std::int8_t* a, const std::int8_t* b,
                    std::int8_t* out, std::int64_t row_begin, std::int64_t row_end) {
  auto at = [table](std::int8_t x, std::int8_t y) { return table[std::size_t(std::uint8_t(x)) * 256 + std::uint8_t(y)]; };
  // A long row against a broadcast scalar is one 256-entry table: on CPUs with AVX-512 VBMI it
  // runs as register lookups (kernels/lut_x86.h), the same bytes.
  static const LutS8Fn vbmi = lut_s8_avx512vbmi();
  const bool scalar_b = c.a_inner == 1 && c.b_inner == 0, scalar_a = c.a_inner == 0 && c.b_inner == 1;
  if (vbmi && c.inner >= 256 && (scalar_a || scalar_b)) {
    LutS8 row_table;
    for (std::int64_t r = row_begin; r < row_end; ++r) {
      std::int64_t oa = 0, ob = 0;
      row_offsets(c, r, &oa, &ob);
      const std::int8_t* v = scalar_b ? a + oa : b + ob;
      const auto s = std::size_t(std::uint8_t(scalar_b ? b[ob] : a[oa]));
      for (std::size_t u = 0; u < 256; ++u) row_table[u] = scalar_b ? table[u * 256 + s] : table[s * 256 + u];
      vbmi(row_table, std::size_t(c.inner), v, out + r * c.inner);
    }
    return;
  }
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    std::int64_t oa = 0, ob = 0, rest = r;
    for (int d = c.rank - 1; d >= 0; --d) {
      const std::int64_t i = rest % c.outer[std::size_t(d)];
      rest /= c.outer[std::size_t(d)];
      oa += i * c.a_outer[std::size_t(d)];
      ob += i * c.b_outer[std::size_t(d)];
    }
    const std::int8_t* x = a + oa;
    const std::int8_t* y = b + ob;
    std::int8_t* o = out + r * c.inner;
    if (c.a_inner == 1 && c.b_inner == 1) {
      for (std::int64_t i = 0; i < c.inner; ++i) o[i] = at(x[i], y[i]);
    } else if (c.b_inner == 0) {  // one row of the table
      const std::int8_t* t = table + std::uint8_t(y[0]);
      for (std::int64_t i = 0; i < c.inner; ++i) o[i] = t[std::size_t(std::uint8_t(x[i * c.a_inner])) * 256];
    } else if (c.a_inner == 0) {
      const std::int8_t* t = table + std::size_t(std::uint8_t(x[0])) * 256;
      for (std::int64_t i = 0; i < c.inner; ++i) o[i] = t[std::uint8_t(y[i * c.b_inner])];
    } else {
      for (std::int64_t i = 0; i < c.inner; ++i) o[i] = at(x[i * c.a_inner], y[i * c.b_inner]);
    }
  }
}

void binary_s16_rows_portable(const QuantizedBinaryParams& p, const CollapsedBinary& c, const std::int16_t* a,
                              const std::int16_t* b, std::int16_t* out, std::int64_t row_begin, std::int64_t row_end) {
  rows_s16(p, c, a, b, out, row_begin, row_end);
}

void binary_s16_rows(const QuantizedBinaryParams& p, const CollapsedBinary& c, const std::int16_t* a,
                     const std::int16_t* b, std::int16_t* out, std::int64_t row_begin, std::int64_t row_end) {
  static const BinaryS16RowFn avx2 = binary_s16_row_avx2();
  const bool vector_op = p.geometry.op == BinaryOp::add || p.geometry.op == BinaryOp::sub || p.geometry.op == BinaryOp::mul;
  if (!avx2 || p.pot_int16 || !vector_op || c.a_inner > 1 || c.b_inner > 1)
    return rows_s16(p, c, a, b, out, row_begin, row_end);
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    std::int64_t oa = 0, ob = 0;
    row_offsets(c, r, &oa, &ob);
    avx2(p, a + oa, int(c.a_inner), b + ob, int(c.b_inner), out + r * c.inner, c.inner);
  }
}

namespace {
template <class T>
void mean_rows(const QuantizedMeanParams& p, const ContiguousMean& c, const T* in, T* out, std::int64_t o0,
               std::int64_t o1) {
  const QuantizedMultiplier m = mean_multiplier(p.multiplier, c.reduced);
  for (std::int64_t o = o0; o < o1; ++o) {
    const T* x = in + (o / c.inner) * c.reduced * c.inner + o % c.inner;
    std::int32_t sum = 0;  // the same int32 sum as the reference, in the same order
    for (std::int64_t r = 0; r < c.reduced; ++r) sum += x[r * c.inner];
    out[o] = static_cast<T>(std::clamp(mean_output(p, m, sum, c.reduced), std::int32_t{std::numeric_limits<T>::min()},
                                       std::int32_t{std::numeric_limits<T>::max()}));
  }
}
}  // namespace

void mean_s8_rows(const QuantizedMeanParams& p, const ContiguousMean& c, const std::int8_t* in, std::int8_t* out,
                  std::int64_t out_begin, std::int64_t out_end) {
  mean_rows(p, c, in, out, out_begin, out_end);
}
void mean_s16_rows(const QuantizedMeanParams& p, const ContiguousMean& c, const std::int16_t* in, std::int16_t* out,
                   std::int64_t out_begin, std::int64_t out_end) {
  mean_rows(p, c, in, out, out_begin, out_end);
}

SoftmaxS8ExpTable make_softmax_s8_exp_table(const SoftmaxS8Params& p) {
  SoftmaxS8ExpTable t{};
  for (int d = 0; d < 256; ++d) t[std::size_t(d)] = softmax_s8_exp(p, -d);
  return t;
}

void softmax_s8_rows(const SoftmaxS8Params& p, const SoftmaxS8ExpTable& exps, const std::int8_t* in, std::int8_t* out,
                     int row_begin, int row_end) {
  constexpr int kAccumulationIntegerBits = 12, kOutputBits = 8;
  for (int r = row_begin; r < row_end; ++r) {
    const std::int8_t* x = in + std::size_t(r) * std::size_t(p.cols);
    std::int8_t* y = out + std::size_t(r) * std::size_t(p.cols);
    std::int8_t max_in_row = std::numeric_limits<std::int8_t>::min();
    for (int c = 0; c < p.cols; ++c) max_in_row = std::max(max_in_row, x[c]);
    std::int32_t sum_of_exps = 0;
    for (int c = 0; c < p.cols; ++c) {
      const std::int32_t diff = std::int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min) sum_of_exps = fx_add(sum_of_exps, rescale(exps[std::size_t(-diff)], 0, kAccumulationIntegerBits));
    }
    int num_bits_over_unit = 0;
    const std::int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    const int exponent = num_bits_over_unit + 31 - kOutputBits;
    for (int c = 0; c < p.cols; ++c) {
      const std::int32_t diff = std::int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min) {
        const std::int32_t unsat = rounding_divide_by_pot(fx_mul(shifted_scale, exps[std::size_t(-diff)]), exponent);
        y[c] = static_cast<std::int8_t>(std::clamp(unsat - 128, std::int32_t{-128}, std::int32_t{127}));
      } else {
        y[c] = -128;
      }
    }
  }
}

}  // namespace nilm::runtime::kernels
