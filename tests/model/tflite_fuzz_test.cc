// A short run of the loader mutation fuzzer in every build (the sanitizer build runs a longer
// one: tests/model/fuzz/). Both outcomes must occur: damage in the tables is refused, damage
// inside constant data (most of a real file) still loads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstdio>

#include "loader_fuzz.h"

namespace nilm::model::testing {
namespace {

// NILM_FUZZ_ITERATIONS (the sanitizer run sets thousands) or 600.
int iterations() {
  const char* v = std::getenv("NILM_FUZZ_ITERATIONS");
  return v && std::atoi(v) > 0 ? std::atoi(v) : 600;
}

void report(const char* what, const FuzzStats& s) {
  std::printf("%s: %d variants, %d refused, %d loaded (round trip identical), %d evaluated\n", what, s.variants,
              s.rejected, s.loaded, s.evaluated);
  for (std::size_t i = 0; i < std::min<std::size_t>(s.sample_errors.size(), 4); ++i)
    std::printf("  e.g. %s\n", s.sample_errors[i].c_str());
}

TEST(TfliteFuzz, CorruptedCnnFilesAreRefusedOrLoadConsistently) {
  const int n = iterations();
  const FuzzStats stats = fuzz_loader(fuzz_seed_model(0), n, 1);
  report("cnn", stats);
  EXPECT_EQ(stats.variants, n);
  EXPECT_GT(stats.rejected, n / 6);
  EXPECT_GT(stats.loaded, n / 30);
  EXPECT_GT(stats.evaluated, 0);
  for (const auto& e : stats.sample_errors) EXPECT_EQ(e.rfind("variant", 0), 0u) << e;
}

TEST(TfliteFuzz, CorruptedTransformerFilesAreRefusedOrLoadConsistently) {
  const int n = iterations();
  const FuzzStats stats = fuzz_loader(fuzz_seed_model(1), n, 2);
  report("transformer", stats);
  EXPECT_GT(stats.rejected, n / 6);
  EXPECT_GT(stats.loaded, n / 30);
}

}  // namespace
}  // namespace nilm::model::testing
