#include "../../../src/http/record_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "samsa/storage/batch_builder.h"

namespace samsa::http {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string text_of(const ByteView& b) {
  return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : "<null>";
}

struct Seen {
  int64_t offset;
  int64_t timestamp;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::vector<Seen> decode(const std::vector<uint8_t>& batch, int64_t min_offset = 0,
                         DecodeStatus* status = nullptr) {
  std::vector<Seen> out;
  std::vector<uint8_t> scratch;
  const DecodeStatus s =
      for_each_record(batch, min_offset, 1 << 20, scratch, [&](const DecodedRecord& r) {
        Seen seen{r.offset, r.timestamp, text_of(r.key), text_of(r.value), {}};
        for (const auto& h : r.headers)
          seen.headers.emplace_back(std::string(h.key), text_of(h.value));
        out.push_back(std::move(seen));
        return true;
      });
  if (status) *status = s;
  return out;
}

std::vector<uint8_t> three_records(
    storage::Compression codec, storage::TimestampType type = storage::TimestampType::kCreateTime) {
  storage::BatchSpec spec;
  spec.base_offset = 100;
  spec.compression = codec;
  spec.timestamp_type = type;
  std::vector<storage::RecordSpec> records(3);
  records[0] = {
      "k0", "{\"a\": 1}", 1000, {{"__TypeId__", "com.example.Order"}, {"trace", std::nullopt}}};
  records[1] = {std::nullopt, "plain", 1005, {}};
  records[2] = {"k2", std::nullopt, 1010, {}};
  return storage::build_batch(spec, records);
}

TEST(RecordView, DecodesRecordsWithHeadersInEveryCodec) {
  for (const auto codec :
       {storage::Compression::kNone, storage::Compression::kGzip, storage::Compression::kSnappy,
        storage::Compression::kLz4, storage::Compression::kZstd}) {
    SCOPED_TRACE(compression_name(codec));
    DecodeStatus status;
    const auto seen = decode(three_records(codec), 0, &status);
    EXPECT_EQ(status, DecodeStatus::kOk);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].offset, 100);
    EXPECT_EQ(seen[0].timestamp, 1000);
    EXPECT_EQ(seen[0].key, "k0");
    EXPECT_EQ(seen[0].value, "{\"a\": 1}");
    ASSERT_EQ(seen[0].headers.size(), 2u);
    EXPECT_EQ(seen[0].headers[0],
              (std::pair<std::string, std::string>{"__TypeId__", "com.example.Order"}));
    EXPECT_EQ(seen[0].headers[1], (std::pair<std::string, std::string>{"trace", "<null>"}));
    EXPECT_EQ(seen[1].key, "<null>");
    EXPECT_EQ(seen[1].timestamp, 1005);
    EXPECT_EQ(seen[2].value, "<null>");
    EXPECT_EQ(seen[2].offset, 102);
  }
}

TEST(RecordView, SkipsRecordsBelowTheFirstOffsetAndStopsWhenAsked) {
  const auto batch = three_records(storage::Compression::kNone);
  const auto seen = decode(batch, 101);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].offset, 101);
  EXPECT_TRUE(decode(batch, 103).empty());

  std::vector<uint8_t> scratch;
  int calls = 0;
  EXPECT_EQ(for_each_record(batch, 0, 1 << 20, scratch,
                            [&](const DecodedRecord&) { return ++calls < 2; }),
            DecodeStatus::kOk);
  EXPECT_EQ(calls, 2);
}

TEST(RecordView, LogAppendTimeRecordsCarryTheBatchTimestamp) {
  auto batch = three_records(storage::Compression::kNone, storage::TimestampType::kLogAppendTime);
  storage::store_be64(batch.data() + storage::batch_layout::kMaxTimestamp, 777);
  for (const auto& s : decode(batch)) EXPECT_EQ(s.timestamp, 777);
}

TEST(RecordView, CorruptBatchesAreReportedNotRead) {
  auto batch = three_records(storage::Compression::kNone);
  DecodeStatus status;
  // One byte short: the last record's length runs past the end.
  auto cut = batch;
  cut.pop_back();
  storage::store_be32(cut.data() + storage::batch_layout::kBatchLength,
                      static_cast<int32_t>(cut.size() - storage::batch_layout::kLogOverhead));
  decode(cut, 0, &status);
  EXPECT_EQ(status, DecodeStatus::kCorrupt);
  // A record count larger than the records.
  auto more = batch;
  storage::store_be32(more.data() + storage::batch_layout::kRecordCount, 4);
  decode(more, 0, &status);
  EXPECT_EQ(status, DecodeStatus::kCorrupt);
  // Compressed bytes that are not.
  auto gz = three_records(storage::Compression::kGzip);
  gz[storage::batch_layout::kHeaderSize + 2] ^= 0xff;
  decode(gz, 0, &status);
  EXPECT_EQ(status, DecodeStatus::kUndecodable);
  // Shorter than a header.
  std::vector<uint8_t> tiny(10);
  decode(tiny, 0, &status);
  EXPECT_EQ(status, DecodeStatus::kCorrupt);
}

TEST(RecordView, Utf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("gr\xc3\xbc\xc3\x9f"));              // grüß
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));                    // €
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));                // an emoji
  EXPECT_FALSE(valid_utf8("\xc3"));                           // cut short
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                       // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                   // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));               // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\x80"));                           // a lone continuation
  EXPECT_FALSE(valid_utf8(std::string_view("\xff\xfe", 2)));  // not UTF-8 at all
}

TEST(RecordView, Base64) {
  // RFC 4648's test vectors.
  EXPECT_EQ(base64_encode(bytes_of("")), "");
  EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes_of("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(bytes_of("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
  const uint8_t high[] = {0xff, 0xfe, 0x00};
  EXPECT_EQ(base64_encode(high), "//4A");
}

TEST(RecordView, DetectsFormats) {
  EXPECT_STREQ(detect_format(std::nullopt), "null");
  EXPECT_STREQ(detect_format(bytes_of("{\"id\": 1, \"items\": [1, 2]}")), "json");
  EXPECT_STREQ(detect_format(bytes_of("  [1, 2]\n")), "json");
  // JSON scalars are text: the contract only calls objects and arrays JSON.
  EXPECT_STREQ(detect_format(bytes_of("42")), "text");
  EXPECT_STREQ(detect_format(bytes_of("\"quoted\"")), "text");
  EXPECT_STREQ(detect_format(bytes_of("{not json")), "text");
  EXPECT_STREQ(detect_format(bytes_of("line one\nline two\ttab")), "text");
  EXPECT_STREQ(detect_format(bytes_of("")), "text");
  EXPECT_STREQ(detect_format(bytes_of(std::string_view("a\0b", 3))), "binary");
  const uint8_t avro[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0xc3};
  EXPECT_STREQ(detect_format(avro), "binary");
}

TEST(RecordView, BytesJson) {
  const auto null = bytes_json(std::nullopt, 100);
  EXPECT_EQ(null,
            nlohmann::json::parse(R"({"text":null,"base64":null,"size":-1,"format":"null"})"));

  const auto text = bytes_json(bytes_of("hello"), 100);
  EXPECT_EQ(text, nlohmann::json::parse(
                      R"({"text":"hello","base64":"aGVsbG8=","size":5,"format":"text"})"));

  const uint8_t bin[] = {0xff, 0x00};
  const auto binary = bytes_json(std::span<const uint8_t>(bin), 100);
  EXPECT_TRUE(binary["text"].is_null());
  EXPECT_EQ(binary["base64"], "/wA=");
  EXPECT_EQ(binary["format"], "binary");
  EXPECT_FALSE(binary.contains("truncated"));

  // A cut after 3 bytes would split "ü" (bytes 2-3): the text stops before it.
  const auto cut = bytes_json(bytes_of("gr\xc3\xbc\xc3\x9f!"), 3);
  EXPECT_EQ(cut["text"], "gr");
  EXPECT_EQ(cut["base64"], "Z3I=");  // base64 shows the same bytes as the text
  EXPECT_EQ(bytes_json(bytes_of("gr\xc3\xbc\xc3\x9f!"), 4)["text"], "gr\xc3\xbc");
  EXPECT_EQ(cut["size"], 7);
  EXPECT_EQ(cut["truncated"], true);
  EXPECT_EQ(cut["format"], "text");  // decided on the whole value
  const auto json = bytes_json(bytes_of("{\"long\": \"value\"}"), 5);
  EXPECT_EQ(json["format"], "json");
  EXPECT_EQ(json["text"], "{\"lon");
}

}  // namespace
}  // namespace samsa::http
