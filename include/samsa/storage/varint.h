// The zigzag varints of Kafka's v2 records (lengths, deltas, header counts): one codec
// for the validator, the batch builder, the cleaner and the console's record view.
#pragma once

#include <cstdint>
#include <vector>

namespace samsa::storage {

// Reads one zigzag varint of at most MaxBytes (5 for 32 bits, 10 for 64) and advances
// `p`; false, with `p` unspecified, when it runs past `end` or is longer. Validation
// walks every record of every produce request, so this is a hot path: with room for the
// longest encoding the bytes are read without a bounds check each.
template <int MaxBytes = 10>
inline bool read_varlong(const uint8_t*& p, const uint8_t* end, int64_t& out) noexcept {
  uint64_t v = 0;
  if (end - p >= MaxBytes) [[likely]] {
    for (int i = 0; i < MaxBytes; ++i) {
      const uint8_t b = p[i];
      v |= uint64_t(b & 0x7F) << (7 * i);
      if (!(b & 0x80)) {
        p += i + 1;
        out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
        return true;
      }
    }
    return false;
  }
  for (int i = 0; i < MaxBytes; ++i) {
    if (p == end) return false;
    const uint8_t b = *p++;
    v |= uint64_t(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
      return true;
    }
  }
  return false;
}

// A varint that must fit 32 bits.
inline bool read_varint(const uint8_t*& p, const uint8_t* end, int32_t& out) noexcept {
  int64_t v;
  if (!read_varlong<5>(p, end, v) || v < INT32_MIN || v > INT32_MAX) return false;
  out = static_cast<int32_t>(v);
  return true;
}

inline void put_varlong(std::vector<uint8_t>& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<uint8_t>(z | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<uint8_t>(z));
}

}  // namespace samsa::storage
