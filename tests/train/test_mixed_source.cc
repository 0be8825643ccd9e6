// Partially balanced sampling: mix_sources takes a fixed share of every batch from the second
// source and fills from the other one when either runs out.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "train/train.h"

namespace nilm::train {
namespace {

// `count` windows whose samples, target and status all equal `label`, plus the epoch number
// in the window's first sample (to see that start_epoch reaches both sources).
class LabelledSource final : public BatchSource {
 public:
  LabelledSource(std::size_t count, int window, float label) : count_(count), window_(window), label_(label) {}
  std::size_t size() const override { return count_; }
  void start_epoch(std::uint64_t epoch) override {
    epoch_ = static_cast<float>(epoch);
    next_ = 0;
  }
  std::size_t fill_batch(std::size_t batch, float* in, float* tg, float* st) override {
    std::size_t n = 0;
    for (; n < batch && next_ < count_; ++n, ++next_) {
      for (int k = 0; k < window_; ++k) in[n * window_ + k] = label_;
      in[n * window_] = epoch_;
      tg[n] = label_;
      st[n] = label_;
    }
    return n;
  }

 private:
  std::size_t count_, next_ = 0;
  int window_;
  float label_, epoch_ = 0;
};

struct Batch {
  std::size_t count = 0, from_b = 0;
  bool rows_intact = true;  // every row's samples carry the same label as its target
};

std::vector<Batch> epoch_batches(BatchSource& s, std::size_t batch, int window, std::uint64_t epoch) {
  s.start_epoch(epoch);
  std::vector<float> in(batch * window), tg(batch), st(batch);
  std::vector<Batch> out;
  for (;;) {
    Batch b;
    b.count = s.fill_batch(batch, in.data(), tg.data(), st.data());
    if (b.count == 0) break;
    for (std::size_t i = 0; i < b.count; ++i) {
      b.from_b += st[i] == 1.0f;
      if (in[i * window] != static_cast<float>(epoch)) b.rows_intact = false;
      for (int k = 1; k < window; ++k)
        if (in[i * window + k] != tg[i]) b.rows_intact = false;
    }
    out.push_back(b);
  }
  return out;
}

TEST(MixedSource, TakesTheShareOfEveryBatchFromTheSecondSource) {
  const int window = 5;
  auto mixed = mix_sources(std::make_unique<LabelledSource>(75, window, 0.0f),
                           std::make_unique<LabelledSource>(25, window, 1.0f), 0.25, window);
  EXPECT_EQ(mixed->size(), 100u);
  for (std::uint64_t epoch : {0u, 3u}) {
    auto batches = epoch_batches(*mixed, 8, window, epoch);
    // 12 full batches of 6 + 2 (8 x 0.25 = 2), then 3 + 1 windows are left: one batch of 4.
    ASSERT_EQ(batches.size(), 13u);
    for (std::size_t i = 0; i + 1 < batches.size(); ++i) {
      EXPECT_EQ(batches[i].count, 8u);
      EXPECT_EQ(batches[i].from_b, 2u);
      EXPECT_TRUE(batches[i].rows_intact);
    }
    EXPECT_EQ(batches.back().count, 4u);
    EXPECT_EQ(batches.back().from_b, 1u);
  }
}

TEST(MixedSource, TheOtherSourceFillsInWhenOneRunsOut) {
  const int window = 3;
  // b runs out after 2 batches of 5 x 0.4 = 2: then a alone fills the batches.
  auto mixed = mix_sources(std::make_unique<LabelledSource>(20, window, 0.0f),
                           std::make_unique<LabelledSource>(4, window, 1.0f), 0.4, window);
  auto batches = epoch_batches(*mixed, 5, window, 1);
  std::size_t total = 0, from_b = 0;
  for (const auto& b : batches) {
    total += b.count;
    from_b += b.from_b;
    EXPECT_TRUE(b.rows_intact);
  }
  EXPECT_EQ(total, 24u);
  EXPECT_EQ(from_b, 4u);
  EXPECT_EQ(batches[0].from_b, 2u);
  EXPECT_EQ(batches[2].from_b, 0u);
  // and the other way round: a runs out first, b fills the last batches.
  auto rev = mix_sources(std::make_unique<LabelledSource>(3, window, 0.0f),
                         std::make_unique<LabelledSource>(10, window, 1.0f), 0.4, window);
  auto rb = epoch_batches(*rev, 5, window, 0);
  ASSERT_EQ(rb.size(), 3u);
  EXPECT_EQ(rb[0].count, 5u);
  EXPECT_EQ(rb[0].from_b, 2u);  // 2 from b, 3 from a
  EXPECT_EQ(rb[1].from_b, 5u);  // a is empty: all from b
  EXPECT_EQ(rb[2].count, 3u);
}

TEST(MixedSource, RejectsAShareOutsideZeroToOne) {
  auto make = [](double share) {
    return mix_sources(std::make_unique<LabelledSource>(4, 3, 0.0f), std::make_unique<LabelledSource>(4, 3, 1.0f),
                       share, 3);
  };
  EXPECT_THROW(make(-0.1), Error);
  EXPECT_THROW(make(1.5), Error);
  EXPECT_NO_THROW(make(0.0));
  EXPECT_NO_THROW(make(1.0));
}

}  // namespace
}  // namespace nilm::train
