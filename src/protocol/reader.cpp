#include "samsa/protocol/reader.h"

#include <cstring>
#include <string>

namespace samsa::protocol {

std::span<uint8_t> Reader::take(size_t n) {
  if (n > remaining()) {
    throw DecodeError("short read: need " + std::to_string(n) + " bytes at offset " +
                      std::to_string(pos_) + ", have " + std::to_string(remaining()));
  }
  auto out = buf_.subspan(pos_, n);
  pos_ += n;
  return out;
}

double Reader::read_float64() {
  uint64_t bits = read_be<uint64_t>();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

Uuid Reader::read_uuid() {
  Uuid u;
  u.hi = read_be<uint64_t>();
  u.lo = read_be<uint64_t>();
  return u;
}

uint64_t Reader::read_uvarlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = take(1)[0];
    if (shift == 63 && (b & 0x7e) != 0) throw DecodeError("varlong overflows 64 bits");
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw DecodeError("varlong longer than 10 bytes");
}

uint32_t Reader::read_uvarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t b = take(1)[0];
    if (shift == 28 && (b & 0x70) != 0) throw DecodeError("varint overflows 32 bits");
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw DecodeError("varint longer than 5 bytes");
}

int32_t Reader::read_varint() {
  uint32_t z = read_uvarint();
  return static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1));
}

int64_t Reader::read_varlong() {
  uint64_t z = read_uvarlong();
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

int64_t Reader::read_length(bool compact, bool wide) {
  int64_t n;
  if (compact) {
    n = static_cast<int64_t>(read_uvarint()) - 1;
  } else {
    n = wide ? read_int32() : read_int16();
  }
  if (n < -1) throw DecodeError("negative length " + std::to_string(n));
  if (n > static_cast<int64_t>(remaining())) {
    throw DecodeError("length " + std::to_string(n) + " exceeds the " +
                      std::to_string(remaining()) + " remaining bytes");
  }
  return n;
}

namespace {
std::string to_string(std::span<uint8_t> b) {
  return std::string(b.begin(), b.end());
}
std::vector<uint8_t> to_vector(std::span<uint8_t> b) {
  return {b.begin(), b.end()};
}
}  // namespace

std::string Reader::read_string() {
  auto s = read_nullable_string();
  if (!s) throw DecodeError("null string in a non-nullable field");
  return std::move(*s);
}

std::string Reader::read_compact_string() {
  auto s = read_compact_nullable_string();
  if (!s) throw DecodeError("null string in a non-nullable field");
  return std::move(*s);
}

std::optional<std::string> Reader::read_nullable_string() {
  int64_t n = read_length(false, false);
  if (n < 0) return std::nullopt;
  return to_string(take(static_cast<size_t>(n)));
}

std::optional<std::string> Reader::read_compact_nullable_string() {
  int64_t n = read_length(true, false);
  if (n < 0) return std::nullopt;
  if (n > 0x7fff) throw DecodeError("compact string longer than 32767 bytes");
  return to_string(take(static_cast<size_t>(n)));
}

std::vector<uint8_t> Reader::read_bytes() {
  auto b = read_nullable_bytes();
  if (!b) throw DecodeError("null bytes in a non-nullable field");
  return std::move(*b);
}

std::vector<uint8_t> Reader::read_compact_bytes() {
  auto b = read_compact_nullable_bytes();
  if (!b) throw DecodeError("null bytes in a non-nullable field");
  return std::move(*b);
}

std::optional<std::vector<uint8_t>> Reader::read_nullable_bytes() {
  int64_t n = read_length(false, true);
  if (n < 0) return std::nullopt;
  return to_vector(take(static_cast<size_t>(n)));
}

std::optional<std::vector<uint8_t>> Reader::read_compact_nullable_bytes() {
  int64_t n = read_length(true, true);
  if (n < 0) return std::nullopt;
  return to_vector(take(static_cast<size_t>(n)));
}

Records Reader::read_records(bool compact) {
  int64_t n = read_length(compact, true);
  if (n < 0) return Records::null_records();
  return Records::from_view(take(static_cast<size_t>(n)));
}

int32_t Reader::read_array_length(bool compact, size_t min_element_size) {
  int64_t n = compact ? static_cast<int64_t>(read_uvarint()) - 1 : read_int32();
  if (n < -1) throw DecodeError("negative array length " + std::to_string(n));
  if (n > 0 && static_cast<uint64_t>(n) * std::max<size_t>(min_element_size, 1) > remaining()) {
    throw DecodeError("array length " + std::to_string(n) + " cannot fit in the " +
                      std::to_string(remaining()) + " remaining bytes");
  }
  return static_cast<int32_t>(n);
}

}  // namespace samsa::protocol
