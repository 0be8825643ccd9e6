// A read-only memory map of a whole file. Large inputs (CSV files, the prepared store,
// model files) are read through the page cache without copying them into the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nilm {

class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::string& path);  // throws nilm::Error naming the path
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::string_view text() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }

  // Tells the kernel the whole file will be read front to back (more read-ahead).
  void advise_sequential() const;

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace nilm
