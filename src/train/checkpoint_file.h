// The checkpoint file, readable without LibTorch (a converter or a device tool can read the
// weights with the standard library and a JSON parser):
//
//   bytes 0..7   "NILMCKPT"
//   bytes 8..11  format version (uint32 little-endian, currently 1)
//   bytes 12..15 reserved (0)
//   bytes 16..23 header length H in bytes (uint64 little-endian)
//   bytes 24..   H bytes of UTF-8 JSON: {"meta": {...}, "tensors": [{"name", "shape", "dtype":
//                "float32", "offset", "bytes"}, ...]}
//   then zero padding to a multiple of 64, then the tensor data: little-endian float32,
//   row-major, each tensor starting at a multiple of 64 bytes; offsets count from the data start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nilm::train {

struct TensorBlob {
  std::string name;  // e.g. "conv1.weight"
  std::vector<std::int64_t> shape;
  std::vector<float> data;
};

struct CheckpointFile {
  nlohmann::json meta = nlohmann::json::object();
  std::vector<TensorBlob> tensors;  // in the model's parameter order
  const TensorBlob* find(const std::string& name) const;
};

inline constexpr char kCheckpointMagic[8] = {'N', 'I', 'L', 'M', 'C', 'K', 'P', 'T'};
inline constexpr std::uint32_t kCheckpointVersion = 1;

// Writes to a temporary file next to `path`, then renames it: a crash never leaves half a file.
void write_checkpoint_file(const std::string& path, const CheckpointFile&);
// Validates the magic, version, JSON, tensor table and sizes; throws nilm::Error naming the path.
CheckpointFile read_checkpoint_file(const std::string& path);

}  // namespace nilm::train
