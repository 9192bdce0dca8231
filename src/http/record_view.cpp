#include "record_view.h"

#include <algorithm>

#include "samsa/storage/compression.h"
#include "samsa/storage/varint.h"

namespace samsa::http {

namespace {

namespace bl = storage::batch_layout;

// Reads the zigzag varints and length-prefixed fields of a record, never past `end`.
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;

  bool varlong(int64_t& out) { return storage::read_varlong(p, end, out); }
  bool varint(int32_t& out) { return storage::read_varint(p, end, out); }
  // A varint length and that many bytes; -1 is null when `nullable`.
  bool field(ByteView& out, bool nullable) {
    int32_t length = 0;
    if (!varint(length)) return false;
    if (length < 0) {
      if (!nullable || length != -1) return false;
      out.reset();
      return true;
    }
    if (end - p < length) return false;
    out = std::span<const uint8_t>(p, static_cast<size_t>(length));
    p += length;
    return true;
  }
};

}  // namespace

DecodeStatus for_each_record(std::span<const uint8_t> batch, int64_t min_offset,
                             size_t max_uncompressed, std::vector<uint8_t>& scratch,
                             const std::function<bool(const DecodedRecord&)>& fn) {
  if (batch.size() < bl::kHeaderSize) return DecodeStatus::kCorrupt;
  const storage::BatchHeader h = storage::BatchHeader::parse(batch.data());
  if (h.size_in_bytes() > batch.size() || h.record_count < 0) return DecodeStatus::kCorrupt;
  if (h.last_offset() < min_offset) return DecodeStatus::kOk;
  std::span<const uint8_t> records =
      batch.subspan(bl::kHeaderSize, h.size_in_bytes() - bl::kHeaderSize);
  if (h.compression() != storage::Compression::kNone) {
    if (!storage::decompress(h.compression(), records, scratch, max_uncompressed))
      return DecodeStatus::kUndecodable;
    records = scratch;
  }

  DecodedRecord r;
  r.timestamp_type = h.timestamp_type();
  Cursor c{records.data(), records.data() + records.size()};
  for (int32_t i = 0; i < h.record_count; ++i) {
    int32_t length = 0;
    if (!c.varint(length) || length <= 0 || c.end - c.p < length) return DecodeStatus::kCorrupt;
    Cursor rc{c.p, c.p + length};
    c.p += length;
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    int32_t header_count = 0;
    ++rc.p;  // attributes (unused in v2)
    if (!rc.varlong(timestamp_delta) || !rc.varint(offset_delta) || !rc.field(r.key, true) ||
        !rc.field(r.value, true) || !rc.varint(header_count) || header_count < 0 ||
        header_count > length)
      return DecodeStatus::kCorrupt;
    r.headers.clear();
    for (int32_t k = 0; k < header_count; ++k) {
      ByteView key;
      RecordHeader header;
      if (!rc.field(key, false) || !rc.field(header.value, true)) return DecodeStatus::kCorrupt;
      header.key = std::string_view(reinterpret_cast<const char*>(key->data()), key->size());
      r.headers.push_back(header);
    }
    if (rc.p != rc.end) return DecodeStatus::kCorrupt;
    r.offset = h.base_offset + offset_delta;
    if (r.offset < min_offset) continue;
    r.timestamp = h.timestamp_type() == storage::TimestampType::kLogAppendTime
                      ? h.max_timestamp
                      : h.base_timestamp + timestamp_delta;
    if (!fn(r)) return DecodeStatus::kOk;
  }
  return c.p == c.end ? DecodeStatus::kOk : DecodeStatus::kCorrupt;
}

bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* end = p + text.size();
  while (p < end) {
    const uint8_t b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((b & 0xe0) == 0xc0) {
      n = 1, cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2, cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3, cp = b & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t(bytes[i]) << 16 | uint32_t(bytes[i + 1]) << 8 | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    const uint32_t v = uint32_t(bytes[i]) << 16 | (left == 2 ? uint32_t(bytes[i + 1]) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

const char* detect_format(ByteView bytes) {
  if (!bytes) return "null";
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (!valid_utf8(text)) return "binary";
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[') &&
      nlohmann::json::accept(text))
    return "json";
  const bool control = std::any_of(text.begin(), text.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || u == 0x7f;
  });
  return control ? "binary" : "text";
}

nlohmann::json bytes_json(ByteView bytes, size_t max_shown) {
  nlohmann::json out;
  if (!bytes) {
    out["text"] = nullptr;
    out["base64"] = nullptr;
    out["size"] = -1;
    out["format"] = "null";
    return out;
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const bool utf8 = valid_utf8(text);
  size_t shown = std::min(bytes->size(), max_shown);
  if (utf8) {
    // Cut before a continuation byte: the text stays valid UTF-8.
    while (shown > 0 && shown < text.size() && (static_cast<uint8_t>(text[shown]) & 0xc0) == 0x80)
      --shown;
    out["text"] = std::string(text.substr(0, shown));
  } else {
    out["text"] = nullptr;
  }
  out["base64"] = base64_encode(bytes->subspan(0, shown));
  out["size"] = bytes->size();
  out["format"] = detect_format(bytes);
  if (shown < bytes->size()) out["truncated"] = true;
  return out;
}

const char* compression_name(storage::Compression codec) noexcept {
  switch (codec) {
    case storage::Compression::kNone:
      return "none";
    case storage::Compression::kGzip:
      return "gzip";
    case storage::Compression::kSnappy:
      return "snappy";
    case storage::Compression::kLz4:
      return "lz4";
    case storage::Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

}  // namespace samsa::http
