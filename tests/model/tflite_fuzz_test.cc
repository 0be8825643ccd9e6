// A short run of the loader mutation fuzzer in every build (the sanitizer build runs a longer
// one: tests/model/fuzz/). Both outcomes must occur: damage in the tables is refused, damage
// inside constant data (most of a real file) still loads.
#include <gtest/gtest.h>

#include "loader_fuzz.h"

namespace nilm::model::testing {
namespace {

TEST(TfliteFuzz, CorruptedCnnFilesAreRefusedOrLoadConsistently) {
  const FuzzStats stats = fuzz_loader(fuzz_seed_model(0), 600, 1);
  EXPECT_EQ(stats.variants, 600);
  EXPECT_GT(stats.rejected, 100);
  EXPECT_GT(stats.loaded, 20);
  EXPECT_GT(stats.evaluated, 0);
  for (const auto& e : stats.sample_errors) EXPECT_EQ(e.rfind("variant", 0), 0u) << e;
}

TEST(TfliteFuzz, CorruptedTransformerFilesAreRefusedOrLoadConsistently) {
  const FuzzStats stats = fuzz_loader(fuzz_seed_model(1), 600, 2);
  EXPECT_GT(stats.rejected, 100);
  EXPECT_GT(stats.loaded, 20);
}

}  // namespace
}  // namespace nilm::model::testing
