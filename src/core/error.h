// One error type for the whole toolkit. Every message names where the problem is
// ("file:line: what is wrong", "model.tflite: tensor 12: shape ..."), so the command line can
// print it as it is and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace nilm {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& message) { throw Error(message); }

// "path:line: message", the form editors and terminals turn into links.
inline std::string at_line(const std::string& path, long long line, const std::string& message) {
  return path + ":" + std::to_string(line) + ": " + message;
}

}  // namespace nilm
