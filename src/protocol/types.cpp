#include <algorithm>
#include <random>

#include "samsa/protocol/types.h"

namespace samsa::protocol {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int alphabet_index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

void to_bytes(const Uuid& u, uint8_t out[16]) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(u.hi >> (56 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(u.lo >> (56 - 8 * i));
  }
}
}  // namespace

std::string Uuid::to_base64() const {
  uint8_t b[16];
  to_bytes(*this, b);
  std::string out;
  out.reserve(22);
  // 16 bytes = five 3-byte groups plus one byte (two characters, no padding).
  for (int i = 0; i < 15; i += 3) {
    uint32_t n = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  out.push_back(kAlphabet[b[15] >> 2]);
  out.push_back(kAlphabet[(b[15] & 3) << 4]);
  return out;
}

std::optional<Uuid> Uuid::from_base64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  int idx[22];
  for (size_t i = 0; i < 22; ++i) {
    idx[i] = alphabet_index(text[i]);
    if (idx[i] < 0) return std::nullopt;
  }
  if (idx[21] & 15) return std::nullopt;  // bits past the 128th must be zero
  uint8_t b[16];
  for (int g = 0; g < 5; ++g) {
    uint32_t n = 0;
    for (int k = 0; k < 4; ++k) n = (n << 6) | static_cast<uint32_t>(idx[g * 4 + k]);
    b[g * 3] = static_cast<uint8_t>(n >> 16);
    b[g * 3 + 1] = static_cast<uint8_t>(n >> 8);
    b[g * 3 + 2] = static_cast<uint8_t>(n);
  }
  b[15] = static_cast<uint8_t>((idx[20] << 2) | (idx[21] >> 4));
  Uuid u;
  for (int i = 0; i < 8; ++i) {
    u.hi = (u.hi << 8) | b[i];
    u.lo = (u.lo << 8) | b[8 + i];
  }
  return u;
}

Uuid Uuid::random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (;;) {
    Uuid u{rng(), rng()};
    u.hi = (u.hi & ~uint64_t{0xf000}) | 0x4000;                    // version 4
    u.lo = (u.lo & ~(uint64_t{0xc} << 60)) | (uint64_t{8} << 60);  // IETF variant
    // The metadata topic id (0, 1) is reserved; a leading '-' breaks command lines.
    if ((u.hi == 0 && u.lo <= 1) || u.to_base64().front() == '-') continue;
    return u;
  }
}

bool Records::operator==(const Records& other) const {
  if (null || other.null) return null == other.null;
  if (slices.empty() != other.slices.empty()) return false;
  if (!slices.empty()) {
    return std::equal(slices.begin(), slices.end(), other.slices.begin(), other.slices.end(),
                      [](const FileSlice& a, const FileSlice& b) {
                        return a.file == b.file && a.offset == b.offset && a.length == b.length;
                      });
  }
  return std::equal(view.begin(), view.end(), other.view.begin(), other.view.end());
}

}  // namespace samsa::protocol
