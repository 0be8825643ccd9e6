// MixedSource: each batch takes a fixed share of its windows from a second source (the
// balanced sampler, half on-midpoints), the rest from the first (natural sampling). A rare
// appliance (a microwave is on 0.2-0.5% of the time: ~60 on-windows in 16,384) then shows the
// network enough activations per epoch while most windows keep the natural on/off mix, so the
// model is not pushed to over-call as fully balanced sampling does.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/train.h"

namespace nilm::train {

namespace {

class MixedSource final : public BatchSource {
 public:
  MixedSource(std::unique_ptr<BatchSource> a, std::unique_ptr<BatchSource> b, double share_b, int window)
      : a_(std::move(a)), b_(std::move(b)), share_b_(share_b), window_(window) {}

  std::size_t size() const override { return a_->size() + b_->size(); }
  void start_epoch(std::uint64_t epoch) override {
    a_->start_epoch(epoch);
    b_->start_epoch(epoch);
  }
  std::size_t fill_batch(std::size_t batch, float* in, float* tg, float* st) override {
    // b's share rounded to the nearest window; whichever source runs out first, the other fills.
    auto want_b = static_cast<std::size_t>(std::llround(share_b_ * static_cast<double>(batch)));
    std::size_t n = b_->fill_batch(want_b, in, tg, st);
    n += a_->fill_batch(batch - n, in + n * window_, tg + n, st + n);
    if (n < batch) n += b_->fill_batch(batch - n, in + n * window_, tg + n, st + n);
    return n;
  }

 private:
  std::unique_ptr<BatchSource> a_, b_;
  double share_b_;
  std::size_t window_;
};

}  // namespace

std::unique_ptr<BatchSource> mix_sources(std::unique_ptr<BatchSource> a, std::unique_ptr<BatchSource> b,
                                         double share_b, int window) {
  if (!a || !b) fail("mix_sources: both sources are needed");
  if (!(share_b >= 0 && share_b <= 1)) fail("mix_sources: the share must be in [0, 1]");
  if (window <= 0) fail("mix_sources: the window must be positive");
  return std::make_unique<MixedSource>(std::move(a), std::move(b), share_b, window);
}

}  // namespace nilm::train
