// Model files are dispatched to the loader that accepts them; worker sets follow the loader's
// parallelism; unknown or absent files are one clear error naming the path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "eval/registry.h"

namespace nilm::eval {
namespace {

struct Fake : Predictor {
  explicit Fake(int t) : threads(t) {}
  int window() const override { return 5; }
  std::string describe() const override { return "fake"; }
  void predict(const float*, std::size_t n, float* out) override { std::fill(out, out + n, 0.f); }
  int threads;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string touch(const std::string& name) {
  auto p = (std::filesystem::temp_directory_path() / ("nilm_test_registry_" + name)).string();
  std::ofstream(p) << "x";
  return p;
}

void register_fakes() {
  static bool done = false;
  if (done) return;
  done = true;
  for (auto [ext, par] : {std::pair{".internal", Parallelism::internal},
                          std::pair{".perworker", Parallelism::per_worker},
                          std::pair{".shared", Parallelism::shared}}) {
    std::string e = ext;
    register_predictor_loader({"fake" + e, [e](const std::string& p) { return ends_with(p, e); },
                               [](const std::string&, int t) { return std::make_unique<Fake>(t); }, par});
  }
}

TEST(Registry, DispatchAndParallelism) {
  register_fakes();
  auto internal = make_predictors(touch("m.internal"), 4);
  ASSERT_EQ(internal.workers.size(), 1u);
  EXPECT_EQ(static_cast<Fake*>(internal.workers[0])->threads, 4);

  auto per = make_predictors(touch("m.perworker"), 3);
  ASSERT_EQ(per.workers.size(), 3u);
  std::set<Predictor*> distinct(per.workers.begin(), per.workers.end());
  EXPECT_EQ(distinct.size(), 3u);
  EXPECT_EQ(static_cast<Fake*>(per.workers[2])->threads, 1);

  auto shared = make_predictors(touch("m.shared"), 3);
  ASSERT_EQ(shared.workers.size(), 3u);
  EXPECT_EQ(shared.workers[0], shared.workers[2]);
  EXPECT_EQ(shared.owned.size(), 1u);

  EXPECT_EQ(static_cast<Fake*>(make_predictor(touch("m.internal"), 2).get())->threads, 2);
}

TEST(Registry, UnknownAndMissingFilesAreErrorsNamingThePath) {
  register_fakes();
  std::string unknown = touch("m.unknown");
  try {
    make_predictor(unknown, 1);
    FAIL() << "no error";
  } catch (const nilm::Error& e) {
    EXPECT_NE(std::string(e.what()).find(unknown), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fake.shared"), std::string::npos);  // lists loaders
  }
  EXPECT_THROW(make_predictor("/nonexistent/model.internal", 1), nilm::Error);
}

}  // namespace
}  // namespace nilm::eval
