// NPY files (numpy's .npy, format version 1.0): the prepared store keeps each series in one, so
// that numpy.load(path, mmap_mode='r') opens it without our code, and we map it zero-copy.
// Only what the store needs: one-dimensional, little-endian float32 or uint8, C order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/mapped_file.h"

namespace nilm::data {

enum class NpyType { f32, u8 };

const char* npy_descr(NpyType);       // "<f4", "|u1"
std::size_t npy_item_size(NpyType);

// Writes a 1-D array; the header is padded so that the data starts at a multiple of 64 bytes
// (as numpy does). Throws naming the path on failure.
void write_npy(const std::string& path, NpyType type, const void* data, std::size_t count);

// A mapped 1-D array, checked against the expected type (and length, unless expected_count is
// npos): errors name the file and what is wrong (bad magic, unsupported version, dtype,
// Fortran order, shape, truncated or oversized data).
class NpyArray {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  NpyArray() = default;
  NpyArray(const std::string& path, NpyType expected, std::size_t expected_count = npos);

  std::size_t size() const { return count_; }
  const void* data() const { return data_; }
  const float* f32() const { return static_cast<const float*>(data_); }
  const std::uint8_t* u8() const { return static_cast<const std::uint8_t*>(data_); }
  const std::string& path() const { return file_.path(); }

 private:
  MappedFile file_;
  const void* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace nilm::data
