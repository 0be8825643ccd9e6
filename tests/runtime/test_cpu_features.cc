// CPU feature detection and the micro-kernel sets it unlocks. The cross build's script runs this
// under qemu-aarch64 with different emulated cores (QEMU_CPU) and says what it expects through
// NILM_EXPECT_CPU_FEATURES, so the AT_HWCAP reading is checked against a known answer.
#include <gtest/gtest.h>

#include <cstdlib>

#include "runtime/cpu_features.h"
#include "runtime/kernel_registry.h"

namespace nilm::runtime {
namespace {

TEST(CpuFeatures, NamesListEveryBitInOrder) {
  EXPECT_EQ(cpu_features_string(cpu_none), "baseline");
  EXPECT_EQ(cpu_features_string(cpu_avx2 | cpu_fma), "avx2 fma");
  EXPECT_EQ(cpu_features_string(cpu_neon | cpu_dotprod), "neon dotprod");
}

TEST(CpuFeatures, MatchTheBuildsArchitecture) {
  const CpuFeatures f = detect_cpu_features();
  EXPECT_EQ(detect_cpu_features(), f) << "cached value changed";
#if defined(__aarch64__)
  EXPECT_TRUE(f & cpu_neon) << "NEON is mandatory in AArch64";
  EXPECT_FALSE(f & (cpu_avx2 | cpu_fma | cpu_f16c | cpu_avx512f | cpu_avx512vnni));
  ASSERT_NE(micro_kernels(MicroSet::neon), nullptr);
  EXPECT_STREQ(micro_kernels(MicroSet::neon)->suffix, "neon");
  EXPECT_EQ(micro_kernels(MicroSet::avx2), nullptr);
#else
  EXPECT_FALSE(f & (cpu_neon | cpu_dotprod));
  EXPECT_EQ(micro_kernels(MicroSet::neon), nullptr);
#endif
#if defined(__x86_64__)
  if (f & cpu_avx2) {
    EXPECT_NE(micro_kernels(MicroSet::avx2), nullptr);
  }
#endif
}

TEST(CpuFeatures, MatchWhatTheEmulatedCoreHas) {
  const char* expected = std::getenv("NILM_EXPECT_CPU_FEATURES");
  if (!expected) GTEST_SKIP() << "NILM_EXPECT_CPU_FEATURES not set (scripts/cross_test.sh sets it)";
  EXPECT_EQ(cpu_features_string(detect_cpu_features()), expected);
}

// The optimized tier picks the ISA-specific rows when the CPU has them and the portable ones
// when the caller masks every feature.
TEST(CpuFeatures, KernelSelectionFollowsTheFeatureMask) {
  const CpuFeatures f = detect_cpu_features();
  const MicroSet native = (f & cpu_avx2) && (f & cpu_fma) ? MicroSet::avx2
                          : (f & cpu_neon)                ? MicroSet::neon
                                                          : MicroSet::none;
  if (native == MicroSet::none) GTEST_SKIP() << "no ISA-specific micro-kernels on this CPU";
  int rows = 0;
  for (const auto& e : kernel_table())
    if (e.micro == native) {
      ++rows;
      EXPECT_EQ(e.needs & f, e.needs) << e.name << " needs a feature the CPU lacks";
    }
  EXPECT_GE(rows, 5) << "conv, fully connected, batch matmul, unary ops and softmax";
}

}  // namespace
}  // namespace nilm::runtime
