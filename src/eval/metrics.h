// The NILM metrics of NILM.md section 5, in watts. Computed from sums that can be merged, so
// one house or several houses pooled give their figures from the same code.
//
// Undefined cases are IEEE results, never exceptions: an empty series gives NaN everywhere; no
// true energy makes SAE, NDE and EpD_e inf (or NaN when the prediction is zero too); no true
// and no predicted activations make precision, recall, F1 and MCC NaN (0/0). docs/metrics.md
// lists every case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace nilm::eval {

struct Metrics {
  std::size_t samples = 0;          // samples scored
  std::size_t days = 0;             // calendar days (UTC) with at least one scored sample
  double mae_w = 0;                 // mean |pred - true|
  double sae = 0;                   // |E_pred - E_true| / E_true
  double nde = 0;                   // sum (true - pred)^2 / sum true^2
  double epd_true_wh = 0;           // mean over days of the true energy per day
  double epd_pred_wh = 0;           // same for the prediction
  double epd_error_pct = 0;         // 100 (EpD_pred - EpD_true) / EpD_true
  double accuracy = 0;              // (TP + TN) / N
  double precision = 0, recall = 0;
  double f1 = 0;                    // TP / (TP + (FP + FN) / 2)
  double mcc = 0;                   // Matthews correlation coefficient
  std::uint64_t tp = 0, tn = 0, fp = 0, fn = 0;
  double true_energy_kwh = 0, pred_energy_kwh = 0;
};

// Running sums over scored samples. add() one house (or chunk) at a time; merge() pools
// several; finish() gives the metrics.
class MetricSums {
 public:
  // Scores samples i with scored[i] != 0 (all when scored is nullptr). Sample i lies at
  // start_unix + i * period_s (for the per-day energies). Status arrays are 0/1. Each call is
  // one series (house): its days are counted apart from other calls' days.
  void add(const float* true_w, const float* pred_w, const std::uint8_t* true_on,
           const std::uint8_t* pred_on, const std::uint8_t* scored, std::size_t n,
           double period_s, double start_unix);
  void merge(const MetricSums& other);
  Metrics finish() const;

 private:
  std::size_t samples_ = 0;
  double abs_error_ = 0, sq_error_ = 0, sq_true_ = 0;
  double energy_true_wh_ = 0, energy_pred_wh_ = 0;
  std::uint64_t tp_ = 0, tn_ = 0, fp_ = 0, fn_ = 0;
  // (true Wh, predicted Wh) per calendar day of each add() call; days from separate calls
  // (houses) stay separate entries even when they share a date
  std::vector<std::pair<double, double>> days_;
};

}  // namespace nilm::eval
