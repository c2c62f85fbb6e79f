// An uninitialised, 64-byte aligned array: pages are first touched by whoever writes
// them first, so kernels can initialise in the same thread schedule that computes.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

namespace parlab {

template <class T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t count) : count_(count) {
    const std::size_t bytes = ((count * sizeof(T) + 63) / 64) * 64;
    data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes)));
    if (!data_)
      throw std::runtime_error("cannot allocate " + std::to_string(bytes) + " bytes");
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T& operator[](std::size_t i) { return data_.get()[i]; }
  const T& operator[](std::size_t i) const { return data_.get()[i]; }
  std::size_t size() const { return count_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t count_ = 0;
};

// Keeps the compiler from folding repeated work on memory it can see (EPCC's guard).
inline void ClobberMemory() { asm volatile("" ::: "memory"); }

}  // namespace parlab
