// A byte-by-byte builder for expected wire images, deliberately independent of the
// Writer and the generated code: tests state the bytes Kafka's protocol prescribes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

namespace samsa::protocol::testing_bytes {

class Bytes {
 public:
  Bytes& i8(int v) { return push(static_cast<uint8_t>(v)); }
  Bytes& boolean(bool v) { return push(v ? 1 : 0); }
  Bytes& i16(int v) { return be(static_cast<uint16_t>(v), 2); }
  Bytes& i32(int64_t v) { return be(static_cast<uint32_t>(v), 4); }
  Bytes& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  // Unsigned LEB128 (also used for compact lengths, which are N + 1).
  Bytes& uv(uint64_t v) {
    while (v >= 0x80) {
      push(static_cast<uint8_t>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    return push(static_cast<uint8_t>(v));
  }
  Bytes& str(std::string_view s) { return i16(static_cast<int>(s.size())).chars(s); }
  Bytes& cstr(std::string_view s) { return uv(s.size() + 1).chars(s); }
  Bytes& null_str() { return i16(-1); }
  Bytes& null_cstr() { return uv(0); }
  Bytes& uuid(uint64_t hi, uint64_t lo) { return be(hi, 8).be(lo, 8); }
  Bytes& raw(std::initializer_list<uint8_t> b) {
    data.insert(data.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& raw(const std::vector<uint8_t>& b) {
    data.insert(data.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& no_tags() { return uv(0); }

  std::vector<uint8_t> data;

 private:
  Bytes& push(uint8_t b) {
    data.push_back(b);
    return *this;
  }
  Bytes& be(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) push(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& chars(std::string_view s) {
    data.insert(data.end(), s.begin(), s.end());
    return *this;
  }
};

// Decodes `wire` as Msg (the buffer stays alive in `wire` for Records views), checks
// that every byte was consumed and that encoding gives the same bytes back.
template <class Msg>
Msg decode_exact(std::vector<uint8_t>& wire, int16_t version) {
  Reader r(wire);
  Msg msg;
  msg.decode(r, version);
  EXPECT_TRUE(r.at_end()) << r.remaining() << " bytes left over";
  OutboundMessage out;
  Writer w(out);
  msg.encode(w, version);
  EXPECT_EQ(out.bytes, wire);
  return msg;
}

}  // namespace samsa::protocol::testing_bytes
