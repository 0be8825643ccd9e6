#include "eval/metrics.h"

#include <cmath>
#include <map>

namespace nilm::eval {

void MetricSums::add(const float* true_w, const float* pred_w, const std::uint8_t* true_on,
                     const std::uint8_t* pred_on, const std::uint8_t* scored, std::size_t n,
                     double period_s, double start_unix) {
  const double wh_per_sample_w = period_s / 3600.0;
  std::map<std::int64_t, std::pair<double, double>> days;  // UTC day -> (true Wh, pred Wh)
  for (std::size_t i = 0; i < n; ++i) {
    if (scored && !scored[i]) continue;
    const double x = true_w[i], y = pred_w[i];
    ++samples_;
    abs_error_ += std::abs(y - x);
    sq_error_ += (x - y) * (x - y);
    sq_true_ += x * x;
    energy_true_wh_ += x * wh_per_sample_w;
    energy_pred_wh_ += y * wh_per_sample_w;
    const bool t = true_on[i] != 0, p = pred_on[i] != 0;
    tp_ += t && p;
    tn_ += !t && !p;
    fp_ += !t && p;
    fn_ += t && !p;
    const double unix_s = start_unix + static_cast<double>(i) * period_s;
    auto& day = days[static_cast<std::int64_t>(std::floor(unix_s / 86400.0))];
    day.first += x * wh_per_sample_w;
    day.second += y * wh_per_sample_w;
  }
  for (const auto& [key, energy] : days) days_.push_back(energy);
}

void MetricSums::merge(const MetricSums& o) {
  samples_ += o.samples_;
  abs_error_ += o.abs_error_;
  sq_error_ += o.sq_error_;
  sq_true_ += o.sq_true_;
  energy_true_wh_ += o.energy_true_wh_;
  energy_pred_wh_ += o.energy_pred_wh_;
  tp_ += o.tp_, tn_ += o.tn_, fp_ += o.fp_, fn_ += o.fn_;
  days_.insert(days_.end(), o.days_.begin(), o.days_.end());
}

Metrics MetricSums::finish() const {
  // Plain IEEE divisions on purpose: 0/0 is NaN and x/0 is inf, the documented undefined cases.
  Metrics m;
  const double n = static_cast<double>(samples_);
  m.samples = samples_;
  m.days = days_.size();
  m.mae_w = abs_error_ / n;
  m.sae = std::abs(energy_pred_wh_ - energy_true_wh_) / energy_true_wh_;
  m.nde = sq_error_ / sq_true_;
  double day_true = 0, day_pred = 0;
  for (const auto& [t, p] : days_) day_true += t, day_pred += p;
  const double days = static_cast<double>(days_.size());
  m.epd_true_wh = day_true / days;
  m.epd_pred_wh = day_pred / days;
  m.epd_error_pct = 100.0 * (m.epd_pred_wh - m.epd_true_wh) / m.epd_true_wh;
  const double tp = static_cast<double>(tp_), tn = static_cast<double>(tn_),
               fp = static_cast<double>(fp_), fn = static_cast<double>(fn_);
  m.tp = tp_, m.tn = tn_, m.fp = fp_, m.fn = fn_;
  m.accuracy = (tp + tn) / n;
  m.precision = tp / (tp + fp);
  m.recall = tp / (tp + fn);
  m.f1 = tp / (tp + (fp + fn) / 2);
  m.mcc = (tp * tn - fp * fn) / std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  m.true_energy_kwh = energy_true_wh_ / 1000;
  m.pred_energy_kwh = energy_pred_wh_ / 1000;
  return m;
}

}  // namespace nilm::eval
