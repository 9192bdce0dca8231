// Compiled with -msse4.2 (see CMakeLists.txt); only called after a run-time CPU check.
#include <nmmintrin.h>

#include <cstring>

#include "samsa/storage/crc32c.h"

namespace samsa::storage {

uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, size_t n) noexcept {
  uint64_t c = ~crc;
  // Align to 8 bytes so the 8-byte loads below never straddle a cache line needlessly.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return ~static_cast<uint32_t>(c);
}

}  // namespace samsa::storage
