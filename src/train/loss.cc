#include "train/loss.h"

namespace nilm::train {

LossSums loss_sums(const torch::Tensor& pred, const torch::Tensor& target,
                   const torch::Tensor& status, const LossConfig& cfg) {
  LossSums s;
  auto diff = pred - target;
  s.squared = diff.square().sum();
  auto logits = (pred - cfg.threshold) / cfg.temperature;
  s.bce = torch::binary_cross_entropy_with_logits(logits, status, {}, {},
                                                  torch::Reduction::Sum);
  auto on_or_wrong = (status > 0.5f).logical_or(pred.detach() >= cfg.threshold);
  s.l1_on = (diff.abs() * on_or_wrong.to(pred.scalar_type())).sum();
  s.on_or_wrong = on_or_wrong.sum().item<std::int64_t>();
  return s;
}

torch::Tensor combine_loss(const LossSums& s, double count, double on_or_wrong,
                           const LossConfig& cfg) {
  auto loss = (s.squared + s.bce) / count;
  if (on_or_wrong > 0) loss = loss + s.l1_on * (cfg.lambda / on_or_wrong);  // empty O: no term
  return loss;
}

torch::Tensor seq2point_loss(const torch::Tensor& pred, const torch::Tensor& target,
                             const torch::Tensor& status, const LossConfig& cfg) {
  auto s = loss_sums(pred, target, status, cfg);
  return combine_loss(s, static_cast<double>(pred.size(0)), static_cast<double>(s.on_or_wrong), cfg);
}

}  // namespace nilm::train
