// Wire primitives: integers, varints, strings, bytes, arrays, UUIDs, records, and the
// Reader's refusal of truncated or hostile input.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

namespace samsa::protocol {
namespace {

std::vector<uint8_t> encode(const std::function<void(Writer&)>& fn) {
  OutboundMessage out;
  Writer w(out);
  fn(w);
  return out.bytes;
}

TEST(Primitives, FixedWidthIntegersAreBigEndian) {
  auto b = encode([](Writer& w) {
    w.write_int8(-2);
    w.write_int16(0x0102);
    w.write_uint16(0xfffe);
    w.write_int32(-2);
    w.write_int64(0x0102030405060708);
    w.write_bool(true);
  });
  std::vector<uint8_t> want = {0xfe, 0x01, 0x02, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe,
                               1,    2,    3,    4,    5,    6,    7,    8,    1};
  EXPECT_EQ(b, want);
  Reader r(b);
  EXPECT_EQ(r.read_int8(), -2);
  EXPECT_EQ(r.read_int16(), 0x0102);
  EXPECT_EQ(r.read_uint16(), 0xfffe);
  EXPECT_EQ(r.read_int32(), -2);
  EXPECT_EQ(r.read_int64(), 0x0102030405060708);
  EXPECT_TRUE(r.read_bool());
  EXPECT_TRUE(r.at_end());
}

TEST(Primitives, Float64RoundTrips) {
  auto b = encode([](Writer& w) { w.write_float64(1.5); });
  EXPECT_EQ(b, (std::vector<uint8_t>{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));
  Reader r(b);
  EXPECT_EQ(r.read_float64(), 1.5);
}

TEST(Primitives, UnsignedVarintEdges) {
  struct Case {
    uint32_t value;
    std::vector<uint8_t> bytes;
  };
  const Case cases[] = {{0, {0x00}},
                        {1, {0x01}},
                        {127, {0x7f}},
                        {128, {0x80, 0x01}},
                        {300, {0xac, 0x02}},
                        {16383, {0xff, 0x7f}},
                        {16384, {0x80, 0x80, 0x01}},
                        {0xffffffff, {0xff, 0xff, 0xff, 0xff, 0x0f}}};
  for (const auto& c : cases) {
    auto b = encode([&](Writer& w) { w.write_uvarint(c.value); });
    EXPECT_EQ(b, c.bytes) << c.value;
    Reader r(b);
    EXPECT_EQ(r.read_uvarint(), c.value);
    EXPECT_TRUE(r.at_end());
  }
}

TEST(Primitives, ZigzagVarintAndVarlong) {
  struct Case {
    int32_t value;
    std::vector<uint8_t> bytes;
  };
  const Case cases[] = {{0, {0x00}},
                        {-1, {0x01}},
                        {1, {0x02}},
                        {-2, {0x03}},
                        {63, {0x7e}},
                        {-64, {0x7f}},
                        {64, {0x80, 0x01}},
                        {std::numeric_limits<int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
                        {std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}}};
  for (const auto& c : cases) {
    auto b = encode([&](Writer& w) { w.write_varint(c.value); });
    EXPECT_EQ(b, c.bytes) << c.value;
    Reader r(b);
    EXPECT_EQ(r.read_varint(), c.value);
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    auto b = encode([&](Writer& w) { w.write_varlong(v); });
    Reader r(b);
    EXPECT_EQ(r.read_varlong(), v);
    EXPECT_TRUE(r.at_end());
  }
  auto max = encode([](Writer& w) { w.write_varlong(std::numeric_limits<int64_t>::max()); });
  EXPECT_EQ(max.size(), 10u);
  EXPECT_EQ(max.front(), 0xfe);
  EXPECT_EQ(max.back(), 0x01);
}

TEST(Primitives, BadVarintsAreRejected) {
  std::vector<uint8_t> six = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  Reader r1(six);
  EXPECT_THROW(r1.read_uvarint(), DecodeError);
  std::vector<uint8_t> overflow = {0xff, 0xff, 0xff, 0xff, 0x1f};
  Reader r2(overflow);
  EXPECT_THROW(r2.read_uvarint(), DecodeError);
  std::vector<uint8_t> unterminated = {0x80, 0x80};
  Reader r3(unterminated);
  EXPECT_THROW(r3.read_uvarint(), DecodeError);
  std::vector<uint8_t> eleven(11, 0x80);
  Reader r4(eleven);
  EXPECT_THROW(r4.read_varlong(), DecodeError);
}

TEST(Primitives, StringsClassicAndCompact) {
  auto b = encode([](Writer& w) {
    w.write_string("ab");
    w.write_compact_string("ab");
    w.write_nullable_string(std::nullopt);
    w.write_compact_nullable_string(std::nullopt);
    w.write_compact_string("");
  });
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 2, 'a', 'b', 3, 'a', 'b', 0xff, 0xff, 0, 1}));
  Reader r(b);
  EXPECT_EQ(r.read_string(), "ab");
  EXPECT_EQ(r.read_compact_string(), "ab");
  EXPECT_EQ(r.read_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_compact_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_compact_string(), "");
}

TEST(Primitives, NullInNonNullableStringIsAnError) {
  std::vector<uint8_t> classic = {0xff, 0xff};
  Reader r1(classic);
  EXPECT_THROW(r1.read_string(), DecodeError);
  std::vector<uint8_t> compact = {0x00};
  Reader r2(compact);
  EXPECT_THROW(r2.read_compact_string(), DecodeError);
}

TEST(Primitives, BytesClassicAndCompact) {
  std::vector<uint8_t> payload = {9, 8};
  auto b = encode([&](Writer& w) {
    w.write_bytes(payload);
    w.write_compact_bytes(payload);
    w.write_nullable_bytes(std::nullopt);
    w.write_compact_nullable_bytes(std::nullopt);
  });
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 0, 0, 2, 9, 8, 3, 9, 8, 0xff, 0xff, 0xff, 0xff, 0}));
  Reader r(b);
  EXPECT_EQ(r.read_bytes(), payload);
  EXPECT_EQ(r.read_compact_bytes(), payload);
  EXPECT_EQ(r.read_nullable_bytes(), std::nullopt);
  EXPECT_EQ(r.read_compact_nullable_bytes(), std::nullopt);
}

TEST(Primitives, ArrayLengths) {
  auto b = encode([](Writer& w) {
    w.write_array_length(2, false);
    w.write_array_length(2, true);
    w.write_null_array(false);
    w.write_null_array(true);
  });
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 0, 0, 2, 3, 0xff, 0xff, 0xff, 0xff, 0}));
  Reader r(b);
  EXPECT_EQ(r.read_array_length(false, 1), 2);
  EXPECT_EQ(r.read_array_length(true, 1), 2);
  EXPECT_EQ(r.read_array_length(false, 1), -1);
  EXPECT_EQ(r.read_array_length(true, 1), -1);
}

TEST(Primitives, TruncatedInputThrows) {
  std::vector<uint8_t> three = {0, 0, 0};
  Reader r(three);
  EXPECT_THROW(r.read_int32(), DecodeError);
  std::vector<uint8_t> short_string = {0, 5, 'a', 'b'};
  Reader r2(short_string);
  EXPECT_THROW(r2.read_string(), DecodeError);
  std::vector<uint8_t> short_uuid(15, 0);
  Reader r3(short_uuid);
  EXPECT_THROW(r3.read_uuid(), DecodeError);
}

TEST(Primitives, HugeAndNegativeLengthsThrowBeforeAllocating) {
  // An int32 array length of 2^31-1 with 4 bytes behind it.
  std::vector<uint8_t> huge_array = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  Reader r1(huge_array);
  EXPECT_THROW(r1.read_array_length(false, 4), DecodeError);
  // 3 elements of at least 4 bytes cannot fit in 8 bytes.
  std::vector<uint8_t> three_ints = {0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  Reader r2(three_ints);
  EXPECT_THROW(r2.read_array_length(false, 4), DecodeError);
  std::vector<uint8_t> negative = {0xff, 0xff, 0xff, 0xfe};
  Reader r3(negative);
  EXPECT_THROW(r3.read_array_length(false, 1), DecodeError);
  Reader r4(negative);
  EXPECT_THROW(r4.read_bytes(), DecodeError);
  std::vector<uint8_t> huge_bytes = {0x7f, 0xff, 0xff, 0xff, 1};
  Reader r5(huge_bytes);
  EXPECT_THROW(r5.read_nullable_bytes(), DecodeError);
  std::vector<uint8_t> huge_compact = {0xff, 0xff, 0xff, 0xff, 0x0f};
  Reader r6(huge_compact);
  EXPECT_THROW(r6.read_compact_bytes(), DecodeError);
  Reader r7(huge_bytes);
  EXPECT_THROW(r7.read_records(false), DecodeError);
}

TEST(Uuid, Base64MatchesKafkaFormat) {
  Uuid zero;
  EXPECT_TRUE(zero.is_zero());
  EXPECT_EQ(zero.to_base64(), "AAAAAAAAAAAAAAAAAAAAAA");
  Uuid one{0, 1};
  EXPECT_EQ(one.to_base64(), "AAAAAAAAAAAAAAAAAAAAAQ");
  Uuid all{~uint64_t{0}, ~uint64_t{0}};
  EXPECT_EQ(all.to_base64(), "_____________________w");
  Uuid mixed{0x0123456789abcdef, 0xfedcba9876543210};
  const std::string text = mixed.to_base64();
  EXPECT_EQ(text, "ASNFZ4mrze_-3LqYdlQyEA");
  EXPECT_EQ(Uuid::from_base64(text), mixed);
  EXPECT_EQ(Uuid::from_base64("too short"), std::nullopt);
  EXPECT_EQ(Uuid::from_base64("ASNFZ4mrze_-3LqYdlQyE!"), std::nullopt);
  EXPECT_EQ(Uuid::from_base64("ASNFZ4mrze_-3LqYdlQyEB"), std::nullopt);  // stray low bits
}

TEST(Uuid, RandomIsVersion4AndNeverReserved) {
  for (int i = 0; i < 200; ++i) {
    Uuid u = Uuid::random();
    EXPECT_FALSE(u.is_zero());
    EXPECT_EQ((u.hi >> 12) & 0xf, 4u);
    EXPECT_EQ(u.lo >> 62, 2u);
    EXPECT_NE(u.to_base64().front(), '-');
    EXPECT_EQ(Uuid::from_base64(u.to_base64()), u);
  }
  EXPECT_NE(Uuid::random(), Uuid::random());
}

TEST(Uuid, WireFormatIsBigEndian) {
  Uuid u{0x0102030405060708, 0x090a0b0c0d0e0f10};
  auto b = encode([&](Writer& w) { w.write_uuid(u); });
  EXPECT_EQ(b, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  Reader r(b);
  EXPECT_EQ(r.read_uuid(), u);
}

TEST(Records, DecodedRecordsAreAMutableViewIntoTheBuffer) {
  std::vector<uint8_t> buf = {0, 0, 0, 3, 7, 8, 9, 0xff, 0xff, 0xff, 0xff};
  Reader r(buf);
  Records rec = r.read_records(false);
  ASSERT_FALSE(rec.null);
  EXPECT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec.view.data(), buf.data() + 4);
  rec.view[0] = 42;  // in-place patching, as Produce does with base offsets
  EXPECT_EQ(buf[4], 42);
  Records none = r.read_records(false);
  EXPECT_TRUE(none.null);
  EXPECT_EQ(none.size(), 0u);
}

TEST(Records, FileSlicesBecomeSplices) {
  OutboundMessage out;
  Writer w(out);
  w.write_int8(1);
  Records rec = Records::from_slices(
      {FileSlice{nullptr, 100, 10, nullptr}, FileSlice{nullptr, 200, 5, nullptr}});
  EXPECT_EQ(rec.size(), 15u);
  w.write_records(rec, true);
  w.write_int8(2);
  // 1, uvarint(16), then the splices at position 2, then 2.
  EXPECT_EQ(out.bytes, (std::vector<uint8_t>{1, 16, 2}));
  ASSERT_EQ(out.splices.size(), 2u);
  EXPECT_EQ(out.splices[0].at, 2u);
  EXPECT_EQ(out.splices[0].slice.offset, 100u);
  EXPECT_EQ(out.splices[1].at, 2u);
  EXPECT_EQ(out.total_size(), 18u);
  EXPECT_EQ(w.size(), 18u);
}

// A slice copied into memory (descriptors ran short) is written inline between splices.
TEST(Records, MemorySlicesAreWrittenInline) {
  OutboundMessage out;
  Writer w(out);
  auto memory = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{9, 8, 7, 6});
  Records rec = Records::from_slices(
      {FileSlice{nullptr, 100, 10, nullptr}, FileSlice{nullptr, 1, 2, memory}});
  EXPECT_EQ(rec.size(), 12u);
  w.write_records(rec, true);
  EXPECT_EQ(out.bytes, (std::vector<uint8_t>{13, 8, 7}));
  ASSERT_EQ(out.splices.size(), 1u);
  EXPECT_EQ(out.splices[0].at, 1u);
  EXPECT_EQ(out.total_size(), 13u);
}

TEST(Records, ClassicLengthPrefixAndViewCopy) {
  std::vector<uint8_t> data = {5, 6};
  OutboundMessage out;
  Writer w(out);
  w.write_records(Records::from_view(data), false);
  w.write_records(Records::null_records(), false);
  w.write_records(Records::null_records(), true);
  EXPECT_EQ(out.bytes, (std::vector<uint8_t>{0, 0, 0, 2, 5, 6, 0xff, 0xff, 0xff, 0xff, 0}));
  EXPECT_TRUE(out.splices.empty());
}

TEST(TaggedFields, ScratchEncodingCarriesSplicesAlong) {
  OutboundMessage out;
  Writer w(out);
  w.write_int8(7);
  w.write_tagged_field(3, [](Writer& inner) {
    inner.write_int8(1);
    inner.write_records(Records::from_slices({FileSlice{nullptr, 0, 4, nullptr}}), true);
  });
  // tag 3, size 1+1+4 = 6, int8 1, uvarint(5), then a 4-byte splice.
  EXPECT_EQ(out.bytes, (std::vector<uint8_t>{7, 3, 6, 1, 5}));
  ASSERT_EQ(out.splices.size(), 1u);
  EXPECT_EQ(out.splices[0].at, 5u);
}

}  // namespace
}  // namespace samsa::protocol
