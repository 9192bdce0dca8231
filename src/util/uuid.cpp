#include "samsa/util/uuid.h"

#include <random>

namespace samsa::util {
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

}  // namespace

std::string to_base64url(const UuidBytes& b) {
  std::string out;
  out.reserve(22);
  // 16 bytes = five 3-byte groups plus one byte (two characters, no padding).
  for (size_t i = 0; i < 15; i += 3) {
    const uint32_t n = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  out.push_back(kAlphabet[b[15] >> 2]);
  out.push_back(kAlphabet[(b[15] & 3) << 4]);
  return out;
}

std::optional<UuidBytes> from_base64url(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  int idx[22];
  for (size_t i = 0; i < 22; ++i) {
    idx[i] = alphabet_index(text[i]);
    if (idx[i] < 0) return std::nullopt;
  }
  if (idx[21] & 15) return std::nullopt;  // bits past the 128th must be zero
  UuidBytes b{};
  for (size_t g = 0; g < 5; ++g) {
    uint32_t n = 0;
    for (size_t k = 0; k < 4; ++k) n = (n << 6) | static_cast<uint32_t>(idx[g * 4 + k]);
    b[g * 3] = static_cast<uint8_t>(n >> 16);
    b[g * 3 + 1] = static_cast<uint8_t>(n >> 8);
    b[g * 3 + 2] = static_cast<uint8_t>(n);
  }
  b[15] = static_cast<uint8_t>((idx[20] << 2) | (idx[21] >> 4));
  return b;
}

UuidBytes random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (;;) {
    UuidBytes b;
    for (size_t i = 0; i < b.size(); i += 8) {
      const uint64_t v = rng();
      for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
    b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // IETF variant
    // The version and variant bits already rule out 0 and the reserved id 1.
    if (kAlphabet[b[0] >> 2] == '-') continue;
    return b;
  }
}

}  // namespace samsa::util
