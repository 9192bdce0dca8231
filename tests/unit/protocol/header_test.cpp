// Request header parsing (v1 classic, v2 flexible, unknown APIs) and response framing.
#include <gtest/gtest.h>

#include "samsa/protocol/header.h"
#include "samsa/protocol/messages/all.h"
#include "wire_bytes.h"

namespace samsa::protocol {
namespace {

using testing_bytes::Bytes;

TEST(RequestHeader, ClassicV1) {
  auto wire = Bytes().i16(0).i16(3).i32(42).str("cli").raw({0xab}).data;
  Reader r(wire);
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 0);
  EXPECT_EQ(h.api_version, 3);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(h.client_id, "cli");
  EXPECT_TRUE(h.supported());
  EXPECT_EQ(r.position(), wire.size() - 1);  // left at the body
}

TEST(RequestHeader, FlexibleV2KeepsClassicClientIdAndReadsTags) {
  auto wire = Bytes().i16(3).i16(12).i32(7).null_str().uv(1).uv(4).uv(1).raw({9}).data;
  Reader r(wire);
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.client_id, std::nullopt);
  ASSERT_EQ(h.tagged_fields.size(), 1u);
  EXPECT_EQ(h.tagged_fields[0].tag, 4u);
  EXPECT_TRUE(r.at_end());
  OutboundMessage out;
  Writer w(out);
  encode_request_header(w, h);
  EXPECT_EQ(out.bytes, wire);
}

TEST(RequestHeader, UnsupportedVersionStillYieldsKeyVersionAndCorrelation) {
  auto wire = Bytes().i16(18).i16(99).i32(5).str("x").uv(0).data;
  Reader r(wire);
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.api_version, 99);
  EXPECT_EQ(h.correlation_id, 5);
  EXPECT_FALSE(h.supported());
  auto unknown_key = Bytes().i16(999).i16(0).i32(6).str("x").data;
  Reader r2(unknown_key);
  EXPECT_EQ(decode_request_header(r2).correlation_id, 6);
  auto truncated = Bytes().i16(0).i16(3).data;
  Reader r3(truncated);
  EXPECT_THROW(decode_request_header(r3), DecodeError);
}

TEST(HeaderVersions, DerivedFromTheApiTable) {
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(0, 9), 2);
  EXPECT_EQ(response_header_version(0, 8), 0);
  EXPECT_EQ(response_header_version(0, 9), 1);
  // ApiVersions: flexible request header from v3, but the response header stays v0.
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(response_header_version(18, 3), 0);
  EXPECT_EQ(response_header_version(18, 4), 0);
}

TEST(ResponseFrame, ApiVersionsV3HasNoHeaderTagByte) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({18, 0, 4, {}});
  OutboundMessage out = encode_response(77, resp, 3);
  auto body = Bytes().i16(0).uv(2).i16(18).i16(0).i16(4).no_tags().i32(0).no_tags().data;
  auto want = Bytes().i32(4 + body.size()).i32(77).raw(body).data;
  EXPECT_EQ(out.bytes, want);
}

TEST(ResponseFrame, FlexibleResponseHeaderAndSplicedRecordsCountInTheSize) {
  FetchResponse resp;
  auto& topic = resp.responses.emplace_back();
  topic.topic = "t";
  auto& part = topic.partitions.emplace_back();
  part.records = Records::from_slices({FileSlice{nullptr, 4096, 1000, nullptr}});
  OutboundMessage out = encode_response(9, resp, 12);
  // size, correlation id, empty header tags, then the body.
  auto head = Bytes().i32(0).i32(9).no_tags().data;
  ASSERT_GT(out.bytes.size(), head.size());
  EXPECT_TRUE(std::equal(head.begin() + 4, head.end(), out.bytes.begin() + 4));
  ASSERT_EQ(out.splices.size(), 1u);
  EXPECT_EQ(out.total_size(), out.bytes.size() + 1000);
  Reader size_reader(out.bytes);
  EXPECT_EQ(static_cast<size_t>(size_reader.read_int32()), out.total_size() - 4);
  // The compact records length (1000 + 1 as uvarint: e9 07) sits right before the splice.
  EXPECT_EQ(out.bytes[out.splices[0].at - 2], 0xe9);
  EXPECT_EQ(out.bytes[out.splices[0].at - 1], 0x07);
}

TEST(ResponseFrame, ClassicResponseHeaderIsJustTheCorrelationId) {
  ProduceResponse resp;
  OutboundMessage out = encode_response(3, resp, 8);
  auto want = Bytes().i32(4 + 4 + 4).i32(3).i32(0).i32(0).data;  // no topics, throttle 0
  EXPECT_EQ(out.bytes, want);
}

}  // namespace
}  // namespace samsa::protocol
