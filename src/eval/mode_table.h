// The reference's table (NILM.md section 8) for one checkpoint: per quantization mode, the
// accuracy on the test house next to batch-1 latency at 1 and N threads, disk size and runtime
// memory. Plain rows in, terminal table / Markdown / JSON out (`nilm evaluate --modes`).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/metrics.h"

namespace nilm::eval {

struct ModeRow {
  std::string mode;       // "w8_a8", or "w8_a8+float:<layers>" for a selective model
  std::string path;       // the converted .tflite
  std::string house;      // the evaluated house ("all" when pooled)
  Metrics metrics;
  double latency_us_1 = 0, latency_us_n = 0;  // median batch-1 latency at 1 and N threads
  int threads_n = 1;
  std::size_t disk_bytes = 0;
  std::size_t arena_bytes = 0, weights_bytes = 0, prepared_bytes = 0;
  std::size_t kept_float = 0;  // layers kept float32 by selective quantization
  std::string note;            // e.g. the kept layers
  std::size_t runtime_bytes() const { return arena_bytes + weights_bytes + prepared_bytes; }
};

std::string format_mode_table(const std::vector<ModeRow>& rows);    // aligned, for the terminal
std::string mode_table_markdown(const std::vector<ModeRow>& rows);  // GitHub Markdown table
nlohmann::json mode_rows_to_json(const std::vector<ModeRow>& rows);
void write_mode_markdown(const std::vector<ModeRow>& rows, const std::string& path);  // nilm::Error
void write_mode_json(const std::vector<ModeRow>& rows, const std::string& path);

}  // namespace nilm::eval
