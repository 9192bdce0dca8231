// Bounds-checked decoding of Kafka primitives from a request buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "samsa/protocol/types.h"

namespace samsa::protocol {

// Reads big-endian Kafka primitives from a byte span it does not own. Every read is
// checked against the remaining bytes and throws DecodeError when short; lengths are
// validated before anything is allocated, so a hostile length costs nothing.
class Reader {
 public:
  explicit Reader(std::span<uint8_t> buffer) noexcept : buf_(buffer) {}

  size_t position() const noexcept { return pos_; }
  size_t remaining() const noexcept { return buf_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == buf_.size(); }

  bool read_bool() { return read_int8() != 0; }
  int8_t read_int8() { return static_cast<int8_t>(take(1)[0]); }
  int16_t read_int16() { return static_cast<int16_t>(read_be<uint16_t>()); }
  uint16_t read_uint16() { return read_be<uint16_t>(); }
  int32_t read_int32() { return static_cast<int32_t>(read_be<uint32_t>()); }
  int64_t read_int64() { return static_cast<int64_t>(read_be<uint64_t>()); }
  double read_float64();
  Uuid read_uuid();

  uint32_t read_uvarint();  // unsigned LEB128, at most 5 bytes
  int32_t read_varint();    // zigzag
  int64_t read_varlong();   // zigzag, at most 10 bytes
  uint64_t read_uvarlong();

  std::string read_string();
  std::string read_compact_string();
  std::optional<std::string> read_nullable_string();
  std::optional<std::string> read_compact_nullable_string();

  std::vector<uint8_t> read_bytes();
  std::vector<uint8_t> read_compact_bytes();
  std::optional<std::vector<uint8_t>> read_nullable_bytes();
  std::optional<std::vector<uint8_t>> read_compact_nullable_bytes();

  // Records are always nullable on the wire; a null blob yields Records::null.
  Records read_records(bool compact);

  // An array length (-1 for null). Throws unless length * min_element_size fits in
  // the remaining bytes, so callers may reserve() the result.
  int32_t read_array_length(bool compact, size_t min_element_size);

  // The next n bytes, in place.
  std::span<uint8_t> read_span(size_t n) { return take(n); }

 private:
  std::span<uint8_t> take(size_t n);
  template <class T>
  T read_be() {
    auto b = take(sizeof(T));
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | b[i]);
    return v;
  }
  // Length of a classic (int16/int32) or compact (uvarint N+1) blob; -1 for null.
  int64_t read_length(bool compact, bool wide);

  std::span<uint8_t> buf_;
  size_t pos_ = 0;
};

}  // namespace samsa::protocol
