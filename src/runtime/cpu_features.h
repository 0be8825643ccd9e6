// What the CPU offers, detected once at run time. Kernel variants declare what they need and
// the registry only picks those the machine (and the caller's mask) allows.
#pragma once

#include <cstdint>
#include <string>

namespace nilm::runtime {

enum CpuFeature : std::uint32_t {
  cpu_none = 0,
  cpu_avx2 = 1u << 0,  // with FMA: the AVX2 kernels use both
  cpu_fma = 1u << 1,
  cpu_f16c = 1u << 2,
  cpu_avx512f = 1u << 3,
  cpu_avx512vnni = 1u << 4,
  cpu_neon = 1u << 5,
  cpu_dotprod = 1u << 6,
};
using CpuFeatures = std::uint32_t;

CpuFeatures detect_cpu_features();   // cached after the first call
std::string cpu_features_string(CpuFeatures f);  // "avx2 fma f16c"

}  // namespace nilm::runtime
