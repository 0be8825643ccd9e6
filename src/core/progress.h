// Progress for long work. On a terminal: one line redrawn in place with a bar, rate and ETA.
// Elsewhere (logs, CI): a plain line at most every few seconds, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace nilm {

class Progress {
 public:
  // total == 0 means unknown (no bar, no ETA). unit names what is counted ("rows", "windows").
  Progress(std::string label, std::uint64_t total, std::string unit, std::FILE* out = stderr);
  ~Progress();  // finishes the line if finish() was not called

  void update(std::uint64_t done, const std::string& extra = "");  // cheap when called often
  void finish(const std::string& extra = "");

  static bool is_terminal(std::FILE* out);
  // NILM_PROGRESS=0 silences progress everywhere (tests), =1 forces plain lines.
  static bool enabled();

 private:
  void draw(bool final_line, const std::string& extra);

  std::string label_;
  std::uint64_t total_;
  std::string unit_;
  std::FILE* out_;
  bool tty_;
  bool enabled_;
  bool finished_ = false;
  std::uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace nilm
