// The meters: reads a rendered household the way REFIT's loggers did. Every ~8 s (7-9 s,
// irregular) the mains meter reports apparent power with noise and each plug reports its
// appliance's active power; dropouts leave no rows, and a rare plug reading is REFIT's
// 32767 W sensor glitch. Rows whose plugs sum above the mains get Issues = 1, as in REFIT.
#pragma once

#include <cstdint>
#include <functional>

#include "data/refit_format.h"
#include "sim/household.h"

namespace nilm::sim {

constexpr float kGlitchW = 32767;

struct MeterCounts {
  std::uint64_t rows = 0;
  std::uint64_t skipped_in_gaps = 0;  // readings the dropouts swallowed
  std::uint64_t glitches = 0;         // 32767 W plug readings written
  std::uint64_t issues_rows = 0;      // rows flagged Issues = 1
};

// All of a house's readings, as the REFIT CSV holds them (Unix = start_unix + seconds).
// on_day(d) is called after each simulated day (progress).
data::RefitTable read_meters(const Household&, MeterCounts* counts = nullptr,
                             const std::function<void(int)>& on_day = {});

}  // namespace nilm::sim
