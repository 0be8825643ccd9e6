// Portable integer GEMM (plain loops the compiler vectorizes for the baseline ISA: SSE2 on
// x86-64, NEON on aarch64). Four outputs per step so each activation load feeds four weight rows.
#include "runtime/kernels/int8_gemm.h"

#include <cstring>

namespace nilm::runtime::kernels {

namespace {

template <class In, class Acc, class Out>
void qgemm_portable(const QGemmArgs<In, Acc, Out>& g, int n_begin, int n_end) {
  // int16 x int8 products summed in int32 blocks then widened: exact (|x w| <= 2^22, so 256
  // products never overflow int32), and cheaper than 64-bit multiplies.
  constexpr int kBlock = sizeof(In) == 1 ? 1 << 30 : 256;
  for (int j = n_begin; j < n_end; ++j) {
    const std::int8_t* w = g.b + std::size_t(j) * g.k;
    const QuantizedMultiplier& m = g.mult[g.mult_count == 1 ? 0 : j];
    for (int i = 0; i < g.m; ++i) {
      const In* x = g.a + i * g.a_row;
      Acc acc = g.bias[j] + (g.row_bias ? Acc(g.row_bias[i]) : Acc(0));
      for (int t0 = 0; t0 < g.k; t0 += kBlock) {
        const int t1 = g.k - t0 < kBlock ? g.k : t0 + kBlock;
        std::int32_t s = 0;
        for (int t = t0; t < t1; ++t) s += std::int32_t{x[t]} * std::int32_t{w[t]};
        acc += s;
      }
      g.c[i * g.ldc + j] = static_cast<Out>(g.f_scale || g.d_scale ? requantize_output(g, j, acc)
                                                                  : requantize_one(acc, m, g.out_offset, g.act_min, g.act_max));
    }
  }
}

}  // namespace

std::vector<std::int8_t> pack_panels_s8(const std::int8_t* w, int n, int k) {
  const int groups = (k + 3) / 4, panels = (n + kPanelS8 - 1) / kPanelS8;
  std::vector<std::int8_t> packed(std::size_t(panels) * groups * kPanelS8 * 4, 0);
  for (int p = 0; p < panels; ++p)
    for (int g = 0; g < groups; ++g)
      for (int o = 0; o < kPanelS8; ++o)
        for (int b = 0; b < 4; ++b) {
          const int j = p * kPanelS8 + o, t = g * 4 + b;
          if (j < n && t < k)
            packed[((std::size_t(p) * groups + g) * kPanelS8 + o) * 4 + b] = w[std::size_t(j) * k + t];
        }
  return packed;
}

std::size_t packed_panels_s8_bytes(int n, int k) {
  return std::size_t((n + kPanelS8 - 1) / kPanelS8) * std::size_t((k + 3) / 4) * kPanelS8 * 4;
}

void pack_panels_s8_into(const std::int8_t* src, int n, int k, std::ptrdiff_t stride_n, std::ptrdiff_t stride_k,
                         std::int8_t* dst) {
  const int groups = (k + 3) / 4, panels = (n + kPanelS8 - 1) / kPanelS8;
  for (int p = 0; p < panels; ++p)
    for (int g = 0; g < groups; ++g)
      for (int o = 0; o < kPanelS8; ++o)
        for (int b = 0; b < 4; ++b) {
          const int j = p * kPanelS8 + o, t = g * 4 + b;
          *dst++ = j < n && t < k ? src[j * stride_n + t * stride_k] : std::int8_t{0};
        }
}

std::vector<std::int8_t> pack_panels_s8_flipped(const std::int8_t* w, int n, int k) {
  std::vector<std::int8_t> packed(packed_panels_s8_bytes(n, k));
  pack_panels_s8_flipped_into(w, n, k, k, 1, packed.data());
  return packed;
}

void pack_panels_s8_flipped_into(const std::int8_t* src, int n, int k, std::ptrdiff_t stride_n,
                                 std::ptrdiff_t stride_k, std::int8_t* dst) {
  const int groups = (k + 3) / 4, panels = (n + kPanelS8 - 1) / kPanelS8;
  for (int p = 0; p < panels; ++p)
    for (int g = 0; g < groups; ++g, dst += 4 * kPanelS8) {
      const std::int8_t* s = src + std::ptrdiff_t(p) * kPanelS8 * stride_n + std::ptrdiff_t(g) * 4 * stride_k;
      if ((p + 1) * kPanelS8 <= n && (g + 1) * 4 <= k) {  // whole panel and group: no bound checks
        if (stride_k == 1) {  // each output's 4 bytes are contiguous ([n, k] sources)
          for (int o = 0; o < kPanelS8; ++o) {
            std::uint32_t v;
            std::memcpy(&v, s + o * stride_n, 4);
            v ^= 0x80808080u;
            std::memcpy(dst + o * 4, &v, 4);
          }
        } else if (stride_n == 1) {  // 4 contiguous rows of 16 outputs ([k, n] sources), interleaved
          const auto* r = reinterpret_cast<const std::uint8_t*>(s);
          for (int o = 0; o < kPanelS8; ++o) {
            const std::uint32_t v = std::uint32_t(r[o]) | std::uint32_t(r[o + stride_k]) << 8 |
                                    std::uint32_t(r[o + 2 * stride_k]) << 16 | std::uint32_t(r[o + 3 * stride_k]) << 24;
            const std::uint32_t f = v ^ 0x80808080u;
            std::memcpy(dst + o * 4, &f, 4);
          }
        } else {
          for (int o = 0; o < kPanelS8; ++o)
            for (int b = 0; b < 4; ++b) dst[o * 4 + b] = static_cast<std::int8_t>(s[o * stride_n + b * stride_k] ^ 0x80);
        }
        continue;
      }
      for (int o = 0; o < kPanelS8; ++o)
        for (int b = 0; b < 4; ++b)  // w + 128 as an unsigned byte; padding 0 adds nothing
          dst[o * 4 + b] = p * kPanelS8 + o < n && g * 4 + b < k
                               ? static_cast<std::int8_t>(s[o * stride_n + b * stride_k] ^ 0x80)
                               : std::int8_t{0};
    }
}

std::vector<std::int16_t> pack_panels_s16(const std::int8_t* w, int n, int k) {
  const int groups = (k + 1) / 2, panels = (n + kPanelS8 - 1) / kPanelS8;
  std::vector<std::int16_t> packed(std::size_t(panels) * groups * kPanelS8 * 2, 0);
  for (int p = 0; p < panels; ++p)
    for (int g = 0; g < groups; ++g)
      for (int o = 0; o < kPanelS8; ++o)
        for (int b = 0; b < 2; ++b) {
          const int j = p * kPanelS8 + o, t = g * 2 + b;
          if (j < n && t < k)
            packed[((std::size_t(p) * groups + g) * kPanelS8 + o) * 2 + b] = w[std::size_t(j) * k + t];
        }
  return packed;
}

void hybrid_s8_portable(const HybridS8Args& g, int n_begin, int n_end) {
  for (int j = n_begin; j < n_end; ++j) {
    const std::int8_t* w = g.b + std::size_t(j) * g.k;
    for (int i = 0; i < g.m; ++i) {
      const std::int8_t* x = g.a + i * g.a_row;
      std::int32_t dot = 0;
      for (int t = 0; t < g.k; ++t) dot += std::int32_t{x[t]} * std::int32_t{w[t]};
      g.c[i * g.ldc + j] = hybrid_one(g, j, dot);
    }
  }
}

void qgemm_s8_portable(const QGemmS8Args& g, int n_begin, int n_end) { qgemm_portable(g, n_begin, n_end); }
void qgemm_s16_portable(const QGemmS16Args& g, int n_begin, int n_end) { qgemm_portable(g, n_begin, n_end); }

}  // namespace nilm::runtime::kernels
