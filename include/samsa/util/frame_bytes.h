// FrameBytes: the bytes of one request as read from the socket. A vector whose
// resize() leaves new bytes uninitialised, because they are overwritten by the read
// straight away: zero-filling a 1 MiB produce request first costs a pass over memory.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace samsa::util {

template <class T>
struct NoInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <class U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}

  // Value-initialisation (what resize() asks for) becomes default-initialisation.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using FrameBytes = std::vector<uint8_t, NoInitAllocator<uint8_t>>;

}  // namespace samsa::util
