#include "runtime/cpu_features.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>  // getauxval(AT_HWCAP): what the kernel says this core implements
#endif

namespace nilm::runtime {

static CpuFeatures detect_once() {
  CpuFeatures f = cpu_none;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) f |= cpu_avx2;
  if (__builtin_cpu_supports("fma")) f |= cpu_fma;
  if (__builtin_cpu_supports("f16c")) f |= cpu_f16c;
  if (__builtin_cpu_supports("avx512f")) f |= cpu_avx512f;
  if (__builtin_cpu_supports("avx512vnni")) f |= cpu_avx512vnni;
#elif defined(__aarch64__)
  f |= cpu_neon;  // mandatory in AArch64
#if defined(__linux__)
  // SDOT/UDOT (Armv8.2 dot product, optional before Armv8.4): asked of the kernel, not of the
  // compiler, so one binary uses it where present (Cortex-A55/A76 and later) and not on A53/A72.
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) f |= cpu_dotprod;
#elif defined(__ARM_FEATURE_DOTPROD)
  f |= cpu_dotprod;
#endif
#endif
  return f;
}

CpuFeatures detect_cpu_features() {
  static const CpuFeatures features = detect_once();
  return features;
}

std::string cpu_features_string(CpuFeatures f) {
  static constexpr struct { CpuFeature bit; const char* name; } names[] = {
      {cpu_avx2, "avx2"},       {cpu_fma, "fma"},   {cpu_f16c, "f16c"},       {cpu_avx512f, "avx512f"},
      {cpu_avx512vnni, "avx512vnni"}, {cpu_neon, "neon"}, {cpu_dotprod, "dotprod"}};
  std::string s;
  for (const auto& n : names)
    if (f & n.bit) s += (s.empty() ? "" : " ") + std::string(n.name);
  return s.empty() ? "baseline" : s;
}

}  // namespace nilm::runtime
