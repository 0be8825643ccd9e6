// The on/off status rule of NILM.md section 3, used for the training targets' status, for
// turning predicted power into predicted status, and for the status metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/appliance.h"

namespace nilm::data {

// A duration in samples: ceil(seconds / period_s), so that "n samples < duration" means
// exactly "n * period_s < seconds". 0 for seconds <= 0.
std::size_t duration_samples(double seconds, double period_s);

// 1 where the appliance is on, 0 where off:
//  1. threshold: on where watts >= on_threshold_w (NaN is off);
//  2. fill every off-gap between two on-runs that is shorter than min_off (in samples);
//  3. drop every on-run (after filling) that is shorter than min_on (in samples).
// Filling before dropping follows BERT4NILM, which the reference copied: a dishwasher's
// separate heating bursts first merge into one cycle, which then survives the min-on rule.
// Off-gaps before the first and after the last on-run are never filled.
std::vector<std::uint8_t> on_off_status(const float* watts, std::size_t n,
                                        const ApplianceParams& params, double period_s);

// The same rule applied separately to each stretch between missing samples (missing[i] != 0),
// so that neither filling nor dropping reaches across a gap; missing samples get status 0.
std::vector<std::uint8_t> on_off_status_segmented(const float* watts, const std::uint8_t* missing,
                                                  std::size_t n, const ApplianceParams& params,
                                                  double period_s);

// Number of on-runs (activations) in a status series.
std::size_t count_activations(const std::uint8_t* status, std::size_t n);

}  // namespace nilm::data
