#include "samsa/storage/record_batch.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include "samsa/storage/compression.h"
#include "samsa/storage/crc32c.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace bl = batch_layout;
using testing::make_batch;

void fix_crc(std::vector<uint8_t>& b) {
  store_be32(b.data() + bl::kCrc, static_cast<int32_t>(compute_batch_crc(b)));
}

TEST(RecordBatch, ParsesHeaderFields) {
  BatchSpec spec = testing::idempotent(77, 3, 10);
  spec.base_offset = 5;
  spec.partition_leader_epoch = 9;
  spec.transactional = true;
  const auto b = make_batch(4, 1000, spec);
  const BatchHeader h = BatchHeader::parse(b.data());
  EXPECT_EQ(h.base_offset, 5);
  EXPECT_EQ(h.size_in_bytes(), b.size());
  EXPECT_EQ(h.partition_leader_epoch, 9);
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.crc, compute_batch_crc(b));
  EXPECT_TRUE(h.is_transactional());
  EXPECT_FALSE(h.is_control());
  EXPECT_EQ(h.compression(), Compression::kNone);
  EXPECT_EQ(h.timestamp_type(), TimestampType::kCreateTime);
  EXPECT_EQ(h.last_offset_delta, 3);
  EXPECT_EQ(h.last_offset(), 8);
  EXPECT_EQ(h.base_timestamp, 1000);
  EXPECT_EQ(h.max_timestamp, 1003);
  EXPECT_EQ(h.producer_id, 77);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, 10);
  EXPECT_EQ(h.last_sequence(), 13);
  EXPECT_EQ(h.record_count, 4);
}

TEST(RecordBatch, LastSequenceWrapsPastIntMax) {
  BatchHeader h;
  h.base_sequence = INT32_MAX - 1;
  h.last_offset_delta = 3;
  EXPECT_EQ(h.last_sequence(), 1);
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, ValidatesAndWalksRecords) {
  BatchSpec spec;
  spec.compression = GetParam();
  auto b = make_batch(50, 5000, spec, 200);
  // Make record 17 carry the largest timestamp by rebuilding with custom times.
  std::vector<RecordSpec> recs(20);
  for (int i = 0; i < 20; ++i) {
    recs[i].value = "value";
    recs[i].timestamp = (i == 17) ? 9000 : 100 + i;
  }
  auto b2 = build_batch(spec, recs);
  std::vector<uint8_t> payload = b;
  payload.insert(payload.end(), b2.begin(), b2.end());

  BatchValidator v;
  std::vector<ValidatedBatch> out;
  std::string msg;
  ASSERT_EQ(v.validate(payload, {}, out, msg), ErrorCode::NONE) << msg;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].position, 0u);
  EXPECT_EQ(out[0].max_timestamp, 5049);
  EXPECT_EQ(out[0].offset_delta_of_max_ts, 49);
  EXPECT_EQ(out[1].position, b.size());
  EXPECT_EQ(out[1].max_timestamp, 9000);
  EXPECT_EQ(out[1].offset_delta_of_max_ts, 17);

  std::vector<uint8_t> scratch;
  const auto found = find_first_record_at_or_after(b, 5010, scratch);
  EXPECT_EQ(found.offset_delta, 10);
  EXPECT_EQ(found.timestamp, 5010);
  EXPECT_EQ(find_first_record_at_or_after(b, 6000, scratch).offset_delta, -1);
}

TEST_P(CodecTest, CorruptPayloadWithValidCrcIsCorruptMessage) {
  if (GetParam() == Compression::kNone) GTEST_SKIP();
  BatchSpec spec;
  spec.compression = GetParam();
  auto b = make_batch(30, 1, spec, 100);
  // Damage the compressed bytes, then re-sign so only decompression can notice.
  for (size_t i = bl::kHeaderSize + 4; i < b.size(); i += 7) b[i] ^= 0x5A;
  fix_crc(b);
  BatchValidator v;
  std::vector<ValidatedBatch> out;
  std::string msg;
  EXPECT_EQ(v.validate(b, {}, out, msg), ErrorCode::CORRUPT_MESSAGE);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));

TEST(Compression, RawSnappyWithoutXerialFraming) {
  const std::string text(5000, 'a');
  std::string compressed;
  snappy::Compress(text.data(), text.size(), &compressed);
  std::vector<uint8_t> out;
  ASSERT_TRUE(decompress(Compression::kSnappy,
                         {reinterpret_cast<const uint8_t*>(compressed.data()), compressed.size()},
                         out, 1 << 20));
  EXPECT_EQ(std::string(out.begin(), out.end()), text);
}

TEST(Compression, OutputIsBounded) {
  std::vector<uint8_t> big(1 << 20, 0), packed, out;
  for (Compression c :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    ASSERT_TRUE(compress(c, big, packed));
    EXPECT_FALSE(decompress(c, packed, out, 1000)) << int(c);
    EXPECT_TRUE(decompress(c, packed, out, big.size())) << int(c);
    EXPECT_EQ(out, big);
  }
}

class ValidationErrors : public ::testing::Test {
 protected:
  ErrorCode check(const std::vector<uint8_t>& payload, ValidationLimits limits = {}) {
    return validator_.validate(payload, limits, out_, msg_);
  }
  BatchValidator validator_;
  std::vector<ValidatedBatch> out_;
  std::string msg_;
};

TEST_F(ValidationErrors, CrcMismatch) {
  auto b = make_batch(3);
  b.back() ^= 1;
  EXPECT_EQ(check(b), ErrorCode::CORRUPT_MESSAGE);
}

TEST_F(ValidationErrors, TruncatedAndTrailingBytes) {
  auto b = make_batch(3);
  EXPECT_EQ(check({b.begin(), b.end() - 1}), ErrorCode::CORRUPT_MESSAGE);
  auto two = b;
  two.insert(two.end(), b.begin(), b.begin() + 30);
  EXPECT_EQ(check(two), ErrorCode::CORRUPT_MESSAGE);
  EXPECT_EQ(check({}), ErrorCode::INVALID_RECORD);
}

TEST_F(ValidationErrors, OldAndUnknownMagic) {
  auto b = make_batch(1);
  b[bl::kMagic] = 1;
  EXPECT_EQ(check(b), ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT);
  b[bl::kMagic] = 3;
  EXPECT_EQ(check(b), ErrorCode::CORRUPT_MESSAGE);
}

TEST_F(ValidationErrors, TooLarge) {
  auto b = make_batch(10, 0, {}, 1000);
  ValidationLimits limits;
  limits.max_batch_bytes = static_cast<uint32_t>(b.size() - 1);
  EXPECT_EQ(check(b, limits), ErrorCode::MESSAGE_TOO_LARGE);
  limits.max_batch_bytes = static_cast<uint32_t>(b.size());
  EXPECT_EQ(check(b, limits), ErrorCode::NONE);
}

TEST_F(ValidationErrors, CountsMustAgree) {
  auto b = make_batch(3);
  store_be32(b.data() + bl::kRecordCount, 4);
  store_be32(b.data() + bl::kLastOffsetDelta, 3);
  fix_crc(b);
  EXPECT_EQ(check(b), ErrorCode::CORRUPT_MESSAGE);  // the 4th record is missing
  store_be32(b.data() + bl::kRecordCount, 3);
  fix_crc(b);
  EXPECT_EQ(check(b), ErrorCode::INVALID_RECORD);  // lastOffsetDelta 3 for 3 records
  store_be32(b.data() + bl::kRecordCount, 0);
  store_be32(b.data() + bl::kLastOffsetDelta, -1);
  fix_crc(b);
  EXPECT_EQ(check(b), ErrorCode::INVALID_RECORD);
}

TEST_F(ValidationErrors, MalformedRecordLength) {
  auto b = make_batch(2);
  b[bl::kHeaderSize] += 2;  // first record's varint length (small, one byte)
  fix_crc(b);
  EXPECT_EQ(check(b), ErrorCode::CORRUPT_MESSAGE);
}

TEST_F(ValidationErrors, UnknownCodecAndControlBatches) {
  auto b = make_batch(1);
  store_be16(b.data() + bl::kAttributes, 5);
  fix_crc(b);
  EXPECT_EQ(check(b), ErrorCode::CORRUPT_MESSAGE);
  BatchSpec spec;
  spec.control = true;
  auto c = make_batch(1, 0, spec);
  EXPECT_EQ(check(c), ErrorCode::INVALID_RECORD);
  ValidationLimits internal;
  internal.allow_control_batches = true;
  EXPECT_EQ(check(c, internal), ErrorCode::NONE);
}

TEST(RecordBatch, PatchesKeepCrcValid) {
  auto b = make_batch(3, 1000);
  const uint32_t crc = BatchHeader::parse(b.data()).crc;
  patch_offset_and_epoch(b.data(), 123456, 7);
  BatchHeader h = BatchHeader::parse(b.data());
  EXPECT_EQ(h.base_offset, 123456);
  EXPECT_EQ(h.partition_leader_epoch, 7);
  EXPECT_EQ(h.crc, crc);  // neither field is covered
  EXPECT_EQ(compute_batch_crc(b), crc);

  EXPECT_FALSE(patch_max_timestamp(b, TimestampType::kCreateTime, 1002));  // unchanged
  EXPECT_TRUE(patch_max_timestamp(b, TimestampType::kLogAppendTime, 99999));
  h = BatchHeader::parse(b.data());
  EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h.max_timestamp, 99999);
  EXPECT_EQ(h.crc, compute_batch_crc(b));
  EXPECT_NE(h.crc, crc);
  std::vector<uint8_t> scratch;
  EXPECT_EQ(find_first_record_at_or_after(b, 5000, scratch).timestamp, 99999);
}

}  // namespace
}  // namespace samsa::storage
