#include "samsa/protocol/writer.h"

#include <cstring>
#include <string>

namespace samsa::protocol {

void Writer::write_float64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  write_be(bits);
}

void Writer::write_uvarlong(uint64_t v) {
  while (v >= 0x80) {
    out_.bytes.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.bytes.push_back(static_cast<uint8_t>(v));
}

void Writer::write_uvarint(uint32_t v) {
  write_uvarlong(v);
}

void Writer::write_varint(int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  write_uvarint((u << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::write_varlong(int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  write_uvarlong((u << 1) ^ static_cast<uint64_t>(v >> 63));
}

namespace {
std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
void check_string(std::string_view v) {
  if (v.size() > 0x7fff) {
    throw EncodeError("string of " + std::to_string(v.size()) + " bytes exceeds 32767");
  }
}
}  // namespace

void Writer::write_string(std::string_view v) {
  check_string(v);
  write_int16(static_cast<int16_t>(v.size()));
  write_raw(as_bytes(v));
}

void Writer::write_compact_string(std::string_view v) {
  check_string(v);
  write_uvarint(static_cast<uint32_t>(v.size() + 1));
  write_raw(as_bytes(v));
}

void Writer::write_nullable_string(const std::optional<std::string>& v) {
  if (v) {
    write_string(*v);
  } else {
    write_int16(-1);
  }
}

void Writer::write_compact_nullable_string(const std::optional<std::string>& v) {
  if (v) {
    write_compact_string(*v);
  } else {
    write_uvarint(0);
  }
}

void Writer::write_bytes(std::span<const uint8_t> v) {
  write_int32(static_cast<int32_t>(v.size()));
  write_raw(v);
}

void Writer::write_compact_bytes(std::span<const uint8_t> v) {
  write_uvarint(static_cast<uint32_t>(v.size() + 1));
  write_raw(v);
}

void Writer::write_nullable_bytes(const std::optional<std::vector<uint8_t>>& v) {
  if (v) {
    write_bytes(*v);
  } else {
    write_int32(-1);
  }
}

void Writer::write_compact_nullable_bytes(const std::optional<std::vector<uint8_t>>& v) {
  if (v) {
    write_compact_bytes(*v);
  } else {
    write_uvarint(0);
  }
}

void Writer::write_records(const Records& records, bool compact) {
  if (records.null) {
    compact ? write_uvarint(0) : write_int32(-1);
    return;
  }
  const size_t n = records.size();
  if (n > 0x7fffffff - 1) throw EncodeError("records larger than 2 GiB");
  compact ? write_uvarint(static_cast<uint32_t>(n + 1)) : write_int32(static_cast<int32_t>(n));
  if (records.slices.empty()) {
    write_raw(records.view);
    return;
  }
  for (const FileSlice& slice : records.slices) {
    if (slice.memory) {
      write_raw(std::span<const uint8_t>(slice.memory->data() + slice.offset, slice.length));
    } else if (slice.length > 0) {
      out_.splices.push_back({out_.bytes.size(), slice});
    }
  }
}

void Writer::write_array_length(size_t n, bool compact) {
  if (n > 0x7fffffff - 1) throw EncodeError("array too long");
  compact ? write_uvarint(static_cast<uint32_t>(n + 1)) : write_int32(static_cast<int32_t>(n));
}

void Writer::write_tagged_field(const TaggedField& field) {
  write_uvarint(field.tag);
  write_uvarint(static_cast<uint32_t>(field.data.size()));
  write_raw(field.data);
}

void Writer::patch_int32(size_t at, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out_.bytes.at(at + i) = static_cast<uint8_t>(u >> (24 - 8 * i));
}

void Writer::append_sized(OutboundMessage&& part) {
  write_uvarint(static_cast<uint32_t>(part.total_size()));
  const size_t base = out_.bytes.size();
  out_.bytes.insert(out_.bytes.end(), part.bytes.begin(), part.bytes.end());
  for (auto& s : part.splices) out_.splices.push_back({base + s.at, std::move(s.slice)});
}

}  // namespace samsa::protocol
