// Compiled with -msse4.2 (see CMakeLists.txt); only called after a run-time CPU check.
//
// The crc32 instruction takes 3 cycles but a new one can start every cycle, so one
// dependent chain uses a third of it. Long inputs are cut into blocks of three equal
// stripes, each with its own chain; the three partial CRCs are then joined by moving
// the first ones past the stripes that follow them ("appending zeros"), which is a
// fixed linear map per stripe length, applied with four table lookups.
#include <nmmintrin.h>

#include <array>
#include <cstring>

#include "samsa/storage/crc32c.h"

namespace samsa::storage {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

// A linear map on the 32-bit CRC register, as the images of its 32 basis bits.
using Gf2Matrix = std::array<uint32_t, 32>;

constexpr uint32_t apply(const Gf2Matrix& m, uint32_t v) {
  uint32_t out = 0;
  for (int i = 0; v != 0; ++i, v >>= 1) {
    if (v & 1) out ^= m[i];
  }
  return out;
}

constexpr Gf2Matrix compose(const Gf2Matrix& a, const Gf2Matrix& b) {  // a after b
  Gf2Matrix out{};
  for (int i = 0; i < 32; ++i) out[i] = apply(a, b[i]);
  return out;
}

// The map "feed `bytes` zero bytes into the register".
constexpr Gf2Matrix zeros_operator(size_t bytes) {
  Gf2Matrix bit{};  // one zero bit: shift right, fold the polynomial in on a carry
  bit[0] = kPolyReflected;
  for (int i = 1; i < 32; ++i) bit[i] = 1u << (i - 1);
  Gf2Matrix power = compose(bit, bit);  // 2 bits
  power = compose(power, power);        // 4 bits
  power = compose(power, power);        // 1 byte
  Gf2Matrix result{};
  for (int i = 0; i < 32; ++i) result[i] = 1u << i;
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) result = compose(power, result);
    power = compose(power, power);
  }
  return result;
}

// The map as four byte-indexed tables: shift(c) = xor of table[k][byte k of c].
using ShiftTables = std::array<std::array<uint32_t, 256>, 4>;

constexpr ShiftTables shift_tables(size_t bytes) {
  const Gf2Matrix m = zeros_operator(bytes);
  ShiftTables t{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = apply(m, b << (8 * k));
  }
  return t;
}

constexpr size_t kLongStripe = 2048;  // blocks of 6 KiB
constexpr size_t kShortStripe = 256;  // blocks of 768 bytes
constexpr ShiftTables kShiftLong = shift_tables(kLongStripe);
constexpr ShiftTables kShiftShort = shift_tables(kShortStripe);

inline uint32_t shift(const ShiftTables& t, uint32_t c) noexcept {
  return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24];
}

inline uint64_t load64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Consumes as many blocks of three `stripe`-byte stripes as fit.
inline void three_way(uint64_t& c, const uint8_t*& p, size_t& n, size_t stripe,
                      const ShiftTables& shift_by_stripe) noexcept {
  while (n >= 3 * stripe) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    const uint8_t* p1 = p + stripe;
    const uint8_t* p2 = p + 2 * stripe;
    for (size_t i = 0; i < stripe; i += 8) {
      c0 = _mm_crc32_u64(c0, load64(p + i));
      c1 = _mm_crc32_u64(c1, load64(p1 + i));
      c2 = _mm_crc32_u64(c2, load64(p2 + i));
    }
    uint32_t joined = shift(shift_by_stripe, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    joined = shift(shift_by_stripe, joined) ^ static_cast<uint32_t>(c2);
    c = joined;
    p += 3 * stripe;
    n -= 3 * stripe;
  }
}

}  // namespace

uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, size_t n) noexcept {
  uint64_t c = ~crc;
  // Align to 8 bytes so the 8-byte loads below never straddle a cache line needlessly.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  three_way(c, p, n, kLongStripe, kShiftLong);
  three_way(c, p, n, kShortStripe, kShiftShort);
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    n -= 8;
  }
  while (n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return ~static_cast<uint32_t>(c);
}

}  // namespace samsa::storage
