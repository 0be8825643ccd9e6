#include "perf/memory.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace nilm::perf {

std::size_t constant_bytes(const model::Graph& graph) {
  std::size_t bytes = 0;
  for (const auto& t : graph.tensors)
    if (t.is_constant()) bytes += t.data.size();
  return bytes;
}

std::size_t parse_vm_hwm(std::string_view text) {
  constexpr std::string_view key = "VmHWM:";
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    if (at == 0 || text[at - 1] == '\n') break;
    at += key.size();
  }
  if (at == std::string_view::npos) return 0;
  std::size_t i = at + key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  std::size_t kib = 0;
  const std::size_t digits_start = i;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) kib = kib * 10 + std::size_t(text[i] - '0');
  if (i == digits_start) return 0;
  while (i < text.size() && text[i] == ' ') ++i;
  if (text.substr(i, 2) != "kB") return 0;
  return kib * 1024;
}

std::size_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  if (!in) return 0;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_vm_hwm(text.str());
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return bool(out);
}

}  // namespace nilm::perf
