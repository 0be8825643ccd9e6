// Small helpers shared by the tests that run a peer runtime (LiteRT.js, ONNX Runtime) through
// node: they exchange models, inputs and outputs as files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nilm::test_peers {

// The environment variable's value, or `fallback` when it is unset or empty (NILM_NODE,
// NILM_PEERS_DIR, ... let ctest point the tests at the installed peers).
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The whole file ("" when it cannot be read: the caller's size checks then fail clearly).
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace nilm::test_peers
