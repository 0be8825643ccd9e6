// Running a model over a whole series: one prediction per sample whose window (centred on it)
// lies inside the series and touches no missing sample. Windows are built batch by batch in
// per-worker buffers (never all at once), from a normalised copy of the aggregate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "eval/predictor.h"

namespace nilm::eval {

// One house's series, in watts, on a regular grid.
struct SeriesView {
  const float* aggregate = nullptr;
  const std::uint8_t* missing = nullptr;  // nullptr: nothing missing
  std::size_t n = 0;
};

// The constants that turn watts into model inputs and model outputs back into watts.
struct ModelScaling {
  float aggregate_mean = 522, aggregate_std = 814;  // input z-score
  float max_power_w = 1;                            // P_m
};

struct PredictOptions {
  std::size_t batch = 256;     // windows per predict() call
  bool show_progress = true;   // core/progress.h line on stderr
  const char* label = "predicting";
};

struct SeriesPrediction {
  std::vector<float> watts;            // n values: de-scaled, clipped at 0; NaN where none
  std::vector<std::uint8_t> scored;    // 1 where a prediction exists
  std::size_t predicted = 0;           // windows run
  std::size_t edge_samples = 0;        // first/last window/2 samples: no whole window fits
  std::size_t gap_samples = 0;         // samples whose window touches a missing sample
  std::size_t clipped_negative = 0;    // predictions below 0 W, set to 0
  std::size_t non_finite = 0;          // NaN/inf model outputs (kept: they poison the metrics)
  double seconds = 0;                  // wall time of the predictions
};

// Window w (odd or even) is centred on sample mid with its first sample at mid - w/2 (for 599:
// 299 before, 299 after). Worker k calls workers[k]; the series is cut into blocks of `batch`
// consecutive midpoints handed out in order, so every window sees the same batch composition
// and results do not depend on the number of workers.
SeriesPrediction predict_series(std::span<Predictor* const> workers, const SeriesView& series,
                                const ModelScaling& scaling, const PredictOptions& options = {});

}  // namespace nilm::eval
