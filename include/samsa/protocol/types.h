// The protocol module owns Kafka's wire format: the primitive value types below, the
// bounds-checked Reader and the Writer (reader.h, writer.h), request/response headers
// (header.h) and the message codecs generated from spec/*.kspec into
// <build>/generated/samsa/protocol/messages/ (include "samsa/protocol/messages/all.h").
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/util/file_slice.h"

namespace samsa::protocol {

// Malformed input: short buffers, negative or oversized lengths, bad varints,
// unsupported versions. The broker answers with an error or drops the connection.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value that the requested version cannot express (a null in a non-nullable
// version, a string longer than int16 allows). Always a programming error upstream.
class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Kafka's 128-bit UUID (topic ids, directory ids), big-endian on the wire.
struct Uuid {
  uint64_t hi = 0;
  uint64_t lo = 0;

  bool operator==(const Uuid&) const = default;
  bool is_zero() const noexcept { return hi == 0 && lo == 0; }

  // Kafka's text form: URL-safe base64 without padding, always 22 characters.
  std::string to_base64() const;
  // Parses the 22-character form; nullopt if it is not one.
  static std::optional<Uuid> from_base64(std::string_view text);
  // A random version-4 UUID that, like Kafka's, is never zero, never the reserved
  // metadata topic id (1), and whose text form does not start with '-'.
  static Uuid random();
};

// A tagged field this code does not know: kept as raw bytes so that re-encoding the
// message reproduces it exactly.
struct TaggedField {
  uint32_t tag = 0;
  std::vector<uint8_t> data;

  bool operator==(const TaggedField&) const = default;
};

// A record-batch blob. Decoded, it is a mutable view into the request buffer (Produce
// patches base offsets in place, no copy); for a response it holds either a view or
// a list of file slices, which the Writer turns into splices (sent with sendfile).
// Default: empty, not null.
struct Records {
  bool null = false;
  std::span<uint8_t> view;
  std::vector<FileSlice> slices;  // used instead of `view` when non-empty

  static Records null_records() {
    Records r;
    r.null = true;
    return r;
  }
  static Records from_view(std::span<uint8_t> bytes) {
    Records r;
    r.view = bytes;
    return r;
  }
  static Records from_slices(std::vector<FileSlice> file_slices) {
    Records r;
    r.slices = std::move(file_slices);
    return r;
  }

  // Byte length on the wire (0 when null).
  size_t size() const noexcept {
    if (!slices.empty()) {
      size_t n = 0;
      for (const auto& s : slices) n += s.length;
      return n;
    }
    return view.size();
  }

  // Equal when both are null or carry the same bytes (views) / the same file ranges.
  bool operator==(const Records& other) const;
};

}  // namespace samsa::protocol
