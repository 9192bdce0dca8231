// Encoding of Kafka primitives into an OutboundMessage.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/protocol/outbound.h"
#include "samsa/protocol/types.h"

namespace samsa::protocol {

// Appends big-endian Kafka primitives to OutboundMessage::bytes. Records that carry
// file slices are not copied: their slices are recorded as splices at the current
// position, so the network layer sends them with sendfile.
class Writer {
 public:
  explicit Writer(OutboundMessage& out) noexcept : out_(out) {}

  // Bytes written so far, including spliced file data.
  size_t size() const noexcept { return out_.total_size(); }
  OutboundMessage& message() noexcept { return out_; }

  void write_bool(bool v) { write_int8(v ? 1 : 0); }
  void write_int8(int8_t v) { out_.bytes.push_back(static_cast<uint8_t>(v)); }
  void write_int16(int16_t v) { write_be(static_cast<uint16_t>(v)); }
  void write_uint16(uint16_t v) { write_be(v); }
  void write_int32(int32_t v) { write_be(static_cast<uint32_t>(v)); }
  void write_int64(int64_t v) { write_be(static_cast<uint64_t>(v)); }
  void write_float64(double v);
  void write_uuid(const Uuid& v) {
    write_be(v.hi);
    write_be(v.lo);
  }

  void write_uvarint(uint32_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_uvarlong(uint64_t v);

  void write_string(std::string_view v);
  void write_compact_string(std::string_view v);
  void write_nullable_string(const std::optional<std::string>& v);
  void write_compact_nullable_string(const std::optional<std::string>& v);

  void write_bytes(std::span<const uint8_t> v);
  void write_compact_bytes(std::span<const uint8_t> v);
  void write_nullable_bytes(const std::optional<std::vector<uint8_t>>& v);
  void write_compact_nullable_bytes(const std::optional<std::vector<uint8_t>>& v);

  void write_records(const Records& records, bool compact);

  void write_array_length(size_t n, bool compact);
  void write_null_array(bool compact) { compact ? write_uvarint(0) : write_int32(-1); }

  void write_raw(std::span<const uint8_t> v) {
    out_.bytes.insert(out_.bytes.end(), v.begin(), v.end());
  }

  // A tagged field whose value `encode(Writer&)` writes; the value is encoded into a
  // scratch buffer first because its size prefix comes before it.
  template <class Fn>
  void write_tagged_field(uint32_t tag, Fn&& encode) {
    OutboundMessage scratch;
    Writer inner(scratch);
    encode(inner);
    write_uvarint(tag);
    append_sized(std::move(scratch));
  }
  void write_tagged_field(const TaggedField& field);

  // Overwrites 4 bytes at `at` (a size prefix reserved earlier).
  void patch_int32(size_t at, int32_t v);

 private:
  template <class T>
  void write_be(T v) {
    for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
      out_.bytes.push_back(static_cast<uint8_t>(v >> shift));
    }
  }
  // Writes `part`'s total size as a uvarint, then its bytes and splices.
  void append_sized(OutboundMessage&& part);

  OutboundMessage& out_;
};

}  // namespace samsa::protocol
