// Memory for large buffers that every inference streams through once (a model's weights, the
// runtime's packed copies of them): anonymous pages with transparent huge pages requested
// (madvise), so a 40 MB read walks 20 pages of 2 MiB instead of 10,000 of 4 KiB. On this host
// the batch-1 float CNN ran ~7% faster and the int8 one ~3% (docs/runtime.md). Where THP is
// off or unsupported the request does nothing and these are ordinary pages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nilm {

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  explicit HugePageBuffer(std::size_t bytes);  // zero-filled, 2 MiB aligned; throws nilm::Error
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& other) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0, mapped_ = 0;
};

}  // namespace nilm
