#include "runtime/window_runner.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"

namespace nilm::runtime {

WindowRunner::WindowRunner(const Model& model, int threads) : interp_(model, threads) {
  const model::Graph& g = model.graph();
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    fail(model.name() + ": expected one input and one output, found " + std::to_string(g.inputs.size()) +
         " and " + std::to_string(g.outputs.size()));
  const auto& in = g.tensor(g.inputs[0]).shape;
  const bool shape_ok = (in.size() == 2 || (in.size() == 3 && in[2] == 1)) && in[0] >= 1 && in[1] >= 1;
  if (!shape_ok)
    fail(model.name() + ": input shape " + model::shape_string(in) + " is not [batch, window] or [batch, window, 1]");
  batch_ = in[0];
  window_ = in[1];
  const auto out = g.tensor(g.outputs[0]).elements();
  if (out != batch_)
    fail(model.name() + ": output has " + std::to_string(out) + " values for " + std::to_string(batch_) +
         " window(s) per run; expected one per window");
}

void WindowRunner::predict(const float* windows, std::size_t count, float* out) {
  const std::size_t w = std::size_t(window_), b = std::size_t(batch_);
  float* in = interp_.input(0);
  for (std::size_t i = 0; i < count; i += b) {
    const std::size_t n = std::min(b, count - i);
    std::copy(windows + i * w, windows + (i + n) * w, in);
    std::fill(in + n * w, in + b * w, 0.0f);
    interp_.invoke();
    std::copy(interp_.output(0), interp_.output(0) + n, out + i);
  }
}

std::vector<float> read_windows(const std::string& path, int window) {
  const MappedFile file(path);
  std::vector<float> values;
  const std::size_t w = std::size_t(window);
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".bin") == 0) {
    if (file.size() % (w * sizeof(float)) != 0)
      fail(path + ": " + std::to_string(file.size()) + " bytes is not a whole number of windows of " +
           std::to_string(window) + " float32 values (" + std::to_string(w * sizeof(float)) + " bytes each)");
    values.resize(file.size() / sizeof(float));
    if (!values.empty()) std::memcpy(values.data(), file.data(), file.size());
    return values;
  }
  const std::string_view text = file.text();
  std::size_t pos = 0;
  long long line = 0;
  std::string buf;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    const std::size_t first = l.find_first_not_of(" \t");
    if (first == std::string_view::npos || l[first] == '#') continue;
    buf.assign(l);
    const char* p = buf.c_str();
    std::size_t n = 0;
    for (;;) {
      while (*p == ' ' || *p == '\t' || *p == ',') ++p;
      if (!*p) break;
      char* next = nullptr;
      errno = 0;
      const float v = std::strtof(p, &next);
      if (next == p || errno == ERANGE || !std::isfinite(v)) {
        const char* stop = p;
        while (*stop && *stop != ',' && *stop != ' ' && *stop != '\t') ++stop;
        fail(at_line(path, line, "value " + std::to_string(n + 1) + " '" + std::string(p, stop) + "' is not a finite number"));
      }
      values.push_back(v);
      ++n;
      p = next;
    }
    if (n != w)
      fail(at_line(path, line, "expected " + std::to_string(window) + " values (one window), found " + std::to_string(n)));
  }
  return values;
}

}  // namespace nilm::runtime
