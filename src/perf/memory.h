// Memory figures of a benchmarked model: what the runtime planned and what the process used.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model/graph.h"

namespace nilm::perf {

// Bytes of every constant tensor of the graph (weights, biases, shape operands): what the model
// file holds and the runtime reads from the mapping without copying.
std::size_t constant_bytes(const model::Graph& graph);

// The process's peak resident set ("VmHWM" of /proc/self/status) in bytes; 0 where the system
// has no such file (then the figure is reported as unknown).
std::size_t peak_rss_bytes();
// The VmHWM line of a /proc/<pid>/status text, in bytes (the file says kB = 1024 bytes); 0 if
// absent or malformed.
std::size_t parse_vm_hwm(std::string_view status_text);
// Resets the peak to the current resident set (Linux: "5" to /proc/self/clear_refs), so the
// next peak_rss_bytes() covers only what came after. Returns false where that is not possible
// (then the peak is the whole process's so far).
bool reset_peak_rss();

}  // namespace nilm::perf
