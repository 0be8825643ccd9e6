// .tflite files <-> Graph. The writer produces standard TFLite flatbuffers (schema version 3,
// builtin ops only) that TFLite / LiteRT run as they are; the loader accepts such files and
// validates everything (flatbuffers verifier, every index, shape, buffer size, quantization
// array, op arity and attribute) so that a corrupt or hostile file is a nilm::Error naming the
// file and the fault, never a crash. Layout and metadata: docs/model_format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/graph.h"

namespace nilm::model {

// Serialises `graph` (validated first). Buffer 0 is the empty sentinel, every constant buffer
// is 16-byte aligned in the file, operator codes are deduplicated, metadata entries become
// Model.metadata with one buffer each.
std::vector<std::uint8_t> write_tflite(const Graph& graph);
void save_tflite(const Graph& graph, const std::string& path);  // throws naming the path

// Memory-maps `path`; constant tensors are views into the mapping (kept alive by the graph).
// A file of kHugePageModelBytes or more is copied into huge pages instead and the mapping
// dropped (core/huge_page_buffer.h): the same bytes, streamed faster on every run.
constexpr std::size_t kHugePageModelBytes = std::size_t(4) << 20;
Graph load_tflite(const std::string& path);

// Parses bytes already in memory. `name` prefixes every error message. With a `keeper` the
// constants are views into `data` (keeper must own it); without one they are copied.
Graph parse_tflite(const std::uint8_t* data, std::size_t size, const std::string& name,
                   std::shared_ptr<const void> keeper = {});

}  // namespace nilm::model
