#include "samsa/storage/cleaner/record_filter.h"

#include <gtest/gtest.h>

#include "cleaner_test_util.h"
#include "samsa/storage/txn_index.h"
#include "storage_test_util.h"

namespace samsa::storage::cleaner {
namespace {
namespace bl = batch_layout;
using testing::decode_records;
using testing::DecodedRecord;
using testing::keyed_batch;
using testing::KV;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class CleanerRecordFilterCodec : public ::testing::TestWithParam<Compression> {
 protected:
  BatchSpec spec(int64_t base_offset) const {
    BatchSpec s = storage::testing::idempotent(42, 3, 1000);
    s.base_offset = base_offset;
    s.partition_leader_epoch = 7;
    s.compression = GetParam();
    return s;
  }
  OffsetMap map_{24 * 1024};
  RecordFilter filter_;
};

TEST_P(CleanerRecordFilterCodec, AllRecordsKeptIsByteIdentical) {
  const auto batch = keyed_batch({{"a", "1", 10}, {"b", "2", 11}, {"c", "3", 12}}, spec(100));
  map_.put(bytes("a"), 100);
  map_.put(bytes("b"), 101);  // c: not in the map (beyond what the map covers): kept
  CleaningContext ctx{.now_ms = 1000, .map = &map_};
  std::vector<uint8_t> out{0xEE};  // appended after what is there
  const FilterResult r = filter_.filter(batch, ctx, out);
  EXPECT_EQ(r.fate, BatchFate::kCopied);
  EXPECT_EQ(r.records_kept, 3);
  ASSERT_EQ(out.size(), batch.size() + 1);
  EXPECT_TRUE(std::equal(batch.begin(), batch.end(), out.begin() + 1));
}

TEST_P(CleanerRecordFilterCodec, KeepsTheNewestRecordPerKeyWithItsOffsetAndTimestamp) {
  const auto batch = keyed_batch(
      {{"a", "a1", 500}, {"b", "b1", 490}, {"a", "a2", 520}, {"c", "c1", 530}, {"b", "b2", 510}},
      spec(100));
  map_.put(bytes("a"), 102);
  map_.put(bytes("b"), 104);
  map_.put(bytes("c"), 103);
  CleaningContext ctx{.now_ms = 1000, .map = &map_};
  std::vector<uint8_t> out;
  const FilterResult r = filter_.filter(batch, ctx, out);
  EXPECT_EQ(r.fate, BatchFate::kRewritten);
  EXPECT_EQ(r.records_read, 5);
  EXPECT_EQ(r.records_kept, 3);
  EXPECT_EQ(r.bytes_written, out.size());
  std::vector<BatchHeader> headers;
  const auto records = decode_records(out, &headers);  // checks the CRC
  const std::vector<DecodedRecord> expected{
      {102, 520, "a", "a2"}, {103, 530, "c", "c1"}, {104, 510, "b", "b2"}};
  EXPECT_EQ(records, expected);
  ASSERT_EQ(headers.size(), 1u);
  const BatchHeader& h = headers[0];
  const BatchHeader orig = BatchHeader::parse(batch.data());
  EXPECT_EQ(h.base_offset, 100);
  EXPECT_EQ(h.last_offset_delta, 4);  // the batch still ends where it did
  EXPECT_EQ(h.record_count, 3);
  EXPECT_EQ(h.compression(), GetParam());
  EXPECT_EQ(h.attributes, orig.attributes);
  EXPECT_EQ(h.producer_id, 42);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, 1000);
  EXPECT_EQ(h.last_sequence(), orig.last_sequence());
  EXPECT_EQ(h.partition_leader_epoch, 7);
  EXPECT_EQ(h.base_timestamp, orig.base_timestamp);
  EXPECT_EQ(h.max_timestamp, 530);
  EXPECT_EQ(r.max_timestamp, 530);
  EXPECT_EQ(r.offset_of_max_timestamp, 103);
}

TEST_P(CleanerRecordFilterCodec, OffsetsWithGapsSurviveASecondClean) {
  const auto batch = keyed_batch(
      {{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}, {"d", "4", 4}, {"e", "5", 5}, {"f", "6", 6}},
      spec(0));
  map_.put(bytes("a"), 0);
  map_.put(bytes("b"), 50);
  map_.put(bytes("c"), 50);
  map_.put(bytes("d"), 3);
  map_.put(bytes("e"), 50);
  map_.put(bytes("f"), 5);
  CleaningContext ctx{.now_ms = 1000, .map = &map_};
  std::vector<uint8_t> once;
  ASSERT_EQ(filter_.filter(batch, ctx, once).fate, BatchFate::kRewritten);
  EXPECT_EQ(decode_records(once),
            (std::vector<DecodedRecord>{{0, 1, "a", "1"}, {3, 4, "d", "4"}, {5, 6, "f", "6"}}));
  // Second clean: d has a newer record elsewhere now.
  map_.put(bytes("d"), 60);
  std::vector<uint8_t> twice;
  ASSERT_EQ(filter_.filter(once, ctx, twice).fate, BatchFate::kRewritten);
  EXPECT_EQ(decode_records(twice),
            (std::vector<DecodedRecord>{{0, 1, "a", "1"}, {5, 6, "f", "6"}}));
  EXPECT_EQ(BatchHeader::parse(twice.data()).last_offset(), 5);
  // Nothing more to remove: the gapped batch is copied as it is.
  std::vector<uint8_t> thrice;
  ASSERT_EQ(filter_.filter(twice, ctx, thrice).fate, BatchFate::kCopied);
  EXPECT_EQ(thrice, twice);
}

TEST_P(CleanerRecordFilterCodec, TombstonesGetADeleteHorizonThenGo) {
  auto s = spec(10);
  const auto batch = keyed_batch({{"a", std::nullopt, 100}, {"b", "live", 101}}, s);
  CleaningContext ctx{.now_ms = 5000, .delete_retention_ms = 1000, .map = &map_};
  map_.put(bytes("a"), 10);
  map_.put(bytes("b"), 11);
  // First clean: the tombstone stays, and the batch is stamped with now + retention.
  std::vector<uint8_t> first;
  FilterResult r = filter_.filter(batch, ctx, first);
  EXPECT_EQ(r.fate, BatchFate::kRewritten);
  EXPECT_EQ(r.records_kept, 2);
  std::vector<BatchHeader> headers;
  EXPECT_EQ(decode_records(first, &headers),
            (std::vector<DecodedRecord>{{10, 100, "a", std::nullopt}, {11, 101, "b", "live"}}));
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_TRUE(has_delete_horizon(headers[0]));
  EXPECT_EQ(headers[0].base_timestamp, 6000);
  EXPECT_EQ(headers[0].max_timestamp, 101);
  EXPECT_EQ(headers[0].compression(), GetParam());

  // Before the horizon: kept as it is (the horizon is not moved).
  ctx.now_ms = 5999;
  std::vector<uint8_t> second;
  r = filter_.filter(first, ctx, second);
  EXPECT_EQ(r.fate, BatchFate::kCopied);
  EXPECT_EQ(second, first);

  // At the horizon: the tombstone goes, the live record stays with its timestamp.
  ctx.now_ms = 6000;
  std::vector<uint8_t> third;
  r = filter_.filter(first, ctx, third);
  EXPECT_EQ(r.fate, BatchFate::kRewritten);
  EXPECT_EQ(r.tombstones_removed, 1);
  headers.clear();
  EXPECT_EQ(decode_records(third, &headers), (std::vector<DecodedRecord>{{11, 101, "b", "live"}}));
  EXPECT_TRUE(has_delete_horizon(headers[0]));
  EXPECT_EQ(headers[0].base_timestamp, 6000);
}

TEST_P(CleanerRecordFilterCodec, SupersededTombstoneGoesAtOnce) {
  const auto batch = keyed_batch({{"a", std::nullopt, 100}}, spec(10));
  map_.put(bytes("a"), 20);
  CleaningContext ctx{.now_ms = 5000, .map = &map_};
  std::vector<uint8_t> out;
  EXPECT_EQ(filter_.filter(batch, ctx, out).fate, BatchFate::kRemoved);
  EXPECT_TRUE(out.empty());
}

TEST_P(CleanerRecordFilterCodec, KeylessRecordsAreDropped) {
  const auto batch =
      keyed_batch({{std::nullopt, "x", 1}, {"k", "v", 2}, {std::nullopt, "y", 3}}, spec(0));
  CleaningContext ctx{.now_ms = 1000, .map = &map_};
  std::vector<uint8_t> out;
  const FilterResult r = filter_.filter(batch, ctx, out);
  EXPECT_EQ(r.fate, BatchFate::kRewritten);
  EXPECT_EQ(r.keyless_removed, 2);
  EXPECT_EQ(decode_records(out), (std::vector<DecodedRecord>{{1, 2, "k", "v"}}));
}

TEST_P(CleanerRecordFilterCodec, ProducersLastBatchIsKeptEmpty) {
  const auto batch = keyed_batch({{"a", "1", 100}, {"b", "2", 105}}, spec(30));
  map_.put(bytes("a"), 90);
  map_.put(bytes("b"), 91);
  CleaningContext ctx{.now_ms = 1000, .map = &map_};
  std::vector<uint8_t> out;
  EXPECT_EQ(filter_.filter(batch, ctx, out).fate, BatchFate::kRemoved);  // not the last one
  const std::unordered_map<int64_t, int64_t> last{{42, 30}};
  ctx.last_batch_of_producer = &last;
  const FilterResult r = filter_.filter(batch, ctx, out);
  EXPECT_EQ(r.fate, BatchFate::kRetainedEmpty);
  ASSERT_EQ(out.size(), bl::kHeaderSize);
  std::vector<BatchHeader> headers;
  EXPECT_TRUE(decode_records(out, &headers).empty());
  const BatchHeader& h = headers.at(0);
  EXPECT_EQ(h.base_offset, 30);
  EXPECT_EQ(h.last_offset(), 31);
  EXPECT_EQ(h.record_count, 0);
  EXPECT_EQ(h.producer_id, 42);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, 1000);
  EXPECT_EQ(h.last_sequence(), 1001);
  EXPECT_EQ(h.compression(), Compression::kNone);
  EXPECT_EQ(h.max_timestamp, 105);
  // A last batch with records left is rebuilt as usual.
  map_.put(bytes("c"), 0);
  const auto partly = keyed_batch({{"b", "1", 100}, {"c", "3", 105}}, spec(90));
  const std::unordered_map<int64_t, int64_t> last90{{42, 90}};
  ctx.last_batch_of_producer = &last90;
  std::vector<uint8_t> out2;
  EXPECT_EQ(filter_.filter(partly, ctx, out2).fate, BatchFate::kRewritten);
  EXPECT_EQ(decode_records(out2), (std::vector<DecodedRecord>{{91, 105, "c", "3"}}));
}

INSTANTIATE_TEST_SUITE_P(CleanerAllCodecs, CleanerRecordFilterCodec,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));

TEST(CleanerRecordFilter, AbortedTransactionalDataGoesControlBatchesStay) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  AbortedTxnSet aborted;
  aborted.add(7, 10, 20);
  CleaningContext ctx{.now_ms = 1000, .map = &map, .aborted = &aborted};
  BatchSpec s = storage::testing::idempotent(7, 0, 0);
  s.transactional = true;
  s.base_offset = 12;
  const auto in_abort = keyed_batch({{"a", "1", 1}}, s);
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(in_abort, ctx, out).fate, BatchFate::kRemoved);
  s.base_offset = 21;  // after the abort marker: another transaction
  const auto later = keyed_batch({{"a", "2", 1}}, s);
  EXPECT_EQ(filter.filter(later, ctx, out).fate, BatchFate::kCopied);
  s.producer_id = 8;
  s.base_offset = 12;  // another producer in the same offsets
  const auto other = keyed_batch({{"b", "2", 1}}, s);
  EXPECT_EQ(filter.filter(other, ctx, out).fate, BatchFate::kCopied);
  auto marker = build_txn_marker_batch(7, 0, {MarkerType::kAbort, 1}, 5);
  patch_offset_and_epoch(marker.data(), 20, 0);
  out.clear();
  EXPECT_EQ(filter.filter(marker, ctx, out).fate, BatchFate::kCopied);
  EXPECT_EQ(out, marker);
  // The aborted batch that is its producer's last is kept empty.
  const std::unordered_map<int64_t, int64_t> last{{7, 12}};
  ctx.last_batch_of_producer = &last;
  out.clear();
  EXPECT_EQ(filter.filter(in_abort, ctx, out).fate, BatchFate::kRetainedEmpty);
  EXPECT_EQ(BatchHeader::parse(out.data()).record_count, 0);
}

TEST(CleanerRecordFilter, LogAppendTimeBatchKeepsItsTimestamp) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  BatchSpec s;
  s.timestamp_type = TimestampType::kLogAppendTime;
  s.compression = Compression::kLz4;
  auto batch = keyed_batch({{"a", "1", 1}, {"a", "2", 2}}, s);
  patch_max_timestamp(batch, TimestampType::kLogAppendTime, 777);
  map.put(bytes("a"), 1);
  CleaningContext ctx{.now_ms = 1000, .map = &map};
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(batch, ctx, out).fate, BatchFate::kRewritten);
  EXPECT_EQ(decode_records(out), (std::vector<DecodedRecord>{{1, 777, "a", "2"}}));
  EXPECT_EQ(BatchHeader::parse(out.data()).max_timestamp, 777);
}

TEST(CleanerRecordFilter, MalformedBatchesAreReportedNotWritten) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  CleaningContext ctx{.now_ms = 1000, .map = &map};
  auto batch = keyed_batch({{"a", "1", 1}, {"b", "2", 2}});
  map.put(bytes("a"), 5);
  batch.resize(batch.size() - 3);  // the records section is cut short
  store_be32(batch.data() + bl::kBatchLength, static_cast<int32_t>(batch.size() - 12));
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(batch, ctx, out).fate, BatchFate::kMalformed);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace samsa::storage::cleaner
