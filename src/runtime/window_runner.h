// seq2point convenience over an Interpreter: many windows in, one prediction per window out.
// The model's input is [B, W] or [B, W, 1] (B windows per run, usually 1) and its output has
// B elements; windows are fed B at a time (the last run padded with zeros, its extra outputs
// dropped). Also reads the window files `nilm run` takes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/interpreter.h"

namespace nilm::runtime {

class WindowRunner {
 public:
  WindowRunner(const Model& model, int threads);  // throws if the model is not window -> value
  int window() const { return window_; }
  int batch() const { return batch_; }
  // windows: count x window floats (as the model expects them); out: count values.
  void predict(const float* windows, std::size_t count, float* out);
  Interpreter& interpreter() { return interp_; }

 private:
  Interpreter interp_;
  int window_ = 0, batch_ = 1;
};

// Windows from a file: `.bin` = raw little-endian float32, count x window values; anything else
// is text, one window per line, `window` numbers separated by commas and/or spaces, blank lines
// and lines starting with '#' skipped. Throws nilm::Error naming the file (and line / value).
std::vector<float> read_windows(const std::string& path, int window);

}  // namespace nilm::runtime
