#include "client_formats.h"

namespace samsa::http {

int32_t murmur2(std::span<const uint8_t> data) noexcept {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const size_t length = data.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const size_t whole = length / 4 * 4;
  for (size_t i = 0; i < whole; i += 4) {
    uint32_t k = uint32_t(data[i]) | uint32_t(data[i + 1]) << 8 | uint32_t(data[i + 2]) << 16 |
                 uint32_t(data[i + 3]) << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= uint32_t(data[whole + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(data[whole + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(data[whole]);
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept {
  const auto hash =
      static_cast<uint32_t>(murmur2({reinterpret_cast<const uint8_t*>(key.data()), key.size()}));
  return static_cast<int32_t>((hash & 0x7fffffffu) % static_cast<uint32_t>(partitions));
}

namespace {

// Big-endian reads that fail instead of running past the end.
struct Input {
  std::span<const uint8_t> bytes;
  size_t at = 0;

  bool take(size_t n, const uint8_t*& out) {
    if (bytes.size() - at < n) return false;
    out = bytes.data() + at;
    at += n;
    return true;
  }
  bool int16(int16_t& out) {
    const uint8_t* p;
    if (!take(2, p)) return false;
    out = static_cast<int16_t>(uint16_t(p[0]) << 8 | p[1]);
    return true;
  }
  bool int32(int32_t& out) {
    const uint8_t* p;
    if (!take(4, p)) return false;
    out = static_cast<int32_t>(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
                               p[3]);
    return true;
  }
};

}  // namespace

std::optional<std::map<std::string, std::vector<int32_t>>> decode_consumer_assignment(
    std::span<const uint8_t> bytes) {
  std::map<std::string, std::vector<int32_t>> out;
  if (bytes.empty()) return out;
  Input in{bytes};
  int16_t version = 0;
  int32_t topics = 0;
  if (!in.int16(version) || version < 0 || !in.int32(topics) || topics < 0) return std::nullopt;
  for (int32_t t = 0; t < topics; ++t) {
    int16_t name_length = 0;
    const uint8_t* name = nullptr;
    int32_t count = 0;
    if (!in.int16(name_length) || name_length < 0 || !in.take(size_t(name_length), name) ||
        !in.int32(count) || count < 0 || size_t(count) > (bytes.size() - in.at) / 4)
      return std::nullopt;
    auto& partitions = out[std::string(reinterpret_cast<const char*>(name), size_t(name_length))];
    for (int32_t i = 0; i < count; ++i) {
      int32_t p = 0;
      in.int32(p);
      partitions.push_back(p);
    }
  }
  // The user data (nullable bytes) follows; nothing of it is shown.
  return out;
}

}  // namespace samsa::http
