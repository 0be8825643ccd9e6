// The seq2point training loss (NILM.md section 4), train-private (LibTorch):
//   L = mean((x_hat - x)^2) + BCE(s_hat, s) + lambda * mean_{i in O} |x_hat_i - x_i|
// x, x_hat: true and predicted power scaled by P_m; s: true on/off status; O: samples whose
// true status is on or whose predicted status (x_hat >= threshold / P_m) is wrong.
// s_hat = sigmoid((x_hat - threshold / P_m) / T) is a soft status, so the BCE term has a
// gradient; T (temperature, in units of P_m) sets how sharp it is. BCE is computed from the
// logit for numerical stability.
#pragma once

#include <torch/torch.h>

namespace nilm::train {

struct LossConfig {
  float threshold = 0.5f;     // on threshold / P_m
  float lambda = 1.0f;        // weight of the L1 term
  float temperature = 0.2f;   // soft status temperature (fraction of P_m); see docs/training.md
};

// The loss split into sums, so that data-parallel ranks can combine the parts of one global
// batch exactly: every term is a sum over samples; the denominators (batch size, |O|) are
// global counts.
struct LossSums {
  torch::Tensor squared;   // sum (x_hat - x)^2
  torch::Tensor bce;       // sum BCE(s_hat, s)
  torch::Tensor l1_on;     // sum over O of |x_hat - x|
  std::int64_t on_or_wrong = 0;  // |O|
};

LossSums loss_sums(const torch::Tensor& pred, const torch::Tensor& target,
                   const torch::Tensor& status, const LossConfig&);
// Combines sums into the loss of a batch of `count` samples with |O| = on_or_wrong (global).
torch::Tensor combine_loss(const LossSums&, double count, double on_or_wrong, const LossConfig&);
// The loss of one whole batch.
torch::Tensor seq2point_loss(const torch::Tensor& pred, const torch::Tensor& target,
                             const torch::Tensor& status, const LossConfig&);

}  // namespace nilm::train
