// Load-time copies of weights in a kernel's own layout (packed panels, sparse blocks): 64-byte
// aligned, and from 2 MiB on in huge pages (a batch-1 dense layer streams them once per run; the
// CNN's 10 MB layer read ~3% faster that way here).
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "core/huge_page_buffer.h"

namespace nilm::runtime {

template <class T>
class PackedBuffer {
 public:
  // `count` elements filled in place by fill(T* dst) (no second copy at load); returns dst.
  template <class Fill>
  T* pack(std::size_t count, Fill&& fill) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes >= kHugePageMinBytes) {
      small_.reset();
      large_ = HugePageBuffer(bytes);
    } else {
      large_ = HugePageBuffer();
      small_.reset(static_cast<T*>(::operator new(bytes ? bytes : 1, std::align_val_t(64))));
    }
    bytes_ = bytes;
    fill(data());
    return data();
  }
  T* data() { return large_.size() ? reinterpret_cast<T*>(large_.data()) : small_.get(); }
  const T* data() const { return large_.size() ? reinterpret_cast<const T*>(large_.data()) : small_.get(); }
  std::size_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t kHugePageMinBytes = std::size_t(2) << 20;
  struct AlignedDelete {
    void operator()(T* p) const { ::operator delete(p, std::align_val_t(64)); }
  };
  std::unique_ptr<T, AlignedDelete> small_;
  HugePageBuffer large_;
  std::size_t bytes_ = 0;
};

}  // namespace nilm::runtime
