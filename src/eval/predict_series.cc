#include "eval/predict_series.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "core/error.h"
#include "core/progress.h"

namespace nilm::eval {

SeriesPrediction predict_series(std::span<Predictor* const> workers, const SeriesView& series,
                                const ModelScaling& scaling, const PredictOptions& options) {
  if (workers.empty()) fail("predict_series: no predictor");
  const int window_i = workers[0]->window();
  if (window_i < 1) fail(workers[0]->describe() + ": window " + std::to_string(window_i) + " is not positive");
  for (auto* w : workers)
    if (w->window() != window_i) fail("predict_series: the worker predictors disagree on the window");
  if (!(scaling.aggregate_std > 0)) fail("predict_series: aggregate std must be positive");
  const std::size_t window = static_cast<std::size_t>(window_i);
  const std::size_t half = window / 2;
  const std::size_t n = series.n;
  const std::size_t batch = options.batch < 1 ? 1 : options.batch;

  SeriesPrediction out;
  out.watts.assign(n, std::nanf(""));
  out.scored.assign(n, 0);
  if (n < window) {
    out.edge_samples = n;
    return out;
  }
  // Midpoints run over [half, n - window + half]; the rest are edges.
  const std::size_t first_mid = half, last_mid = n - window + half;
  out.edge_samples = n - (last_mid - first_mid + 1);

  // Normalised aggregate once (n floats), and a prefix count of missing samples so "does this
  // window touch a gap" is one subtraction.
  std::vector<float> normalised(n);
  const float inv_std = 1.0f / scaling.aggregate_std;
  for (std::size_t i = 0; i < n; ++i)
    normalised[i] = (series.aggregate[i] - scaling.aggregate_mean) * inv_std;
  std::vector<std::uint32_t> missing_before(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    missing_before[i + 1] = missing_before[i] + (series.missing && series.missing[i] ? 1 : 0);
  auto window_clean = [&](std::size_t mid) {
    std::size_t start = mid - half;
    return missing_before[start + window] == missing_before[start];
  };

  const std::size_t mids = last_mid - first_mid + 1;
  const std::size_t blocks = (mids + batch - 1) / batch;
  std::atomic<std::size_t> next_block{0}, done{0};
  std::atomic<std::size_t> clipped{0}, non_finite{0}, gaps{0}, predicted{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  const bool show = options.show_progress;
  std::optional<Progress> progress;
  if (show) progress.emplace(options.label, mids, "windows");
  const float p_m = scaling.max_power_w;
  auto start_time = std::chrono::steady_clock::now();

  auto work = [&](std::size_t worker) {
    try {
      Predictor& model = *workers[worker];
      std::vector<float> inputs(batch * window), scaled(batch);
      std::vector<std::size_t> batch_mids(batch);
      std::size_t my_clipped = 0, my_non_finite = 0, my_gaps = 0, my_predicted = 0;
      for (;;) {
        if (failed.load(std::memory_order_relaxed)) break;
        std::size_t b = next_block.fetch_add(1);
        if (b >= blocks) break;
        std::size_t lo = first_mid + b * batch, hi = std::min(lo + batch, last_mid + 1);
        std::size_t count = 0;
        for (std::size_t mid = lo; mid < hi; ++mid) {
          if (!window_clean(mid)) {
            ++my_gaps;
            continue;
          }
          std::copy_n(normalised.data() + (mid - half), window, inputs.data() + count * window);
          batch_mids[count++] = mid;
        }
        if (count > 0) {
          model.predict(inputs.data(), count, scaled.data());
          for (std::size_t k = 0; k < count; ++k) {
            float w = scaled[k] * p_m;
            if (!std::isfinite(w)) {
              ++my_non_finite;
            } else if (w < 0) {
              w = 0;
              ++my_clipped;
            }
            out.watts[batch_mids[k]] = w;  // each mid belongs to one block: no race
            out.scored[batch_mids[k]] = 1;
          }
          my_predicted += count;
        }
        std::size_t now = done.fetch_add(hi - lo) + (hi - lo);
        if (worker == 0 && progress) progress->update(now);
      }
      clipped += my_clipped, non_finite += my_non_finite, gaps += my_gaps, predicted += my_predicted;
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };

  const std::size_t threads = std::min(workers.size(), std::max<std::size_t>(blocks, 1));
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < threads; ++k) pool.emplace_back(work, k);
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  if (progress) progress->finish();

  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  out.predicted = predicted;
  out.gap_samples = gaps;
  out.clipped_negative = clipped;
  out.non_finite = non_finite;
  return out;
}

}  // namespace nilm::eval
