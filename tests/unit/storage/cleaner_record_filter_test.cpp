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

// A transactional data batch of producer `pid` at `offset`.
std::vector<uint8_t> txn_batch(int64_t pid, int64_t offset, const std::string& key) {
  BatchSpec s = storage::testing::idempotent(pid, 0, 0);
  s.transactional = true;
  s.base_offset = offset;
  return keyed_batch({{key, "v", 1}}, s);
}

// A marker of producer `pid` (epoch 0) at `offset`, written at time 5.
std::vector<uint8_t> marker_batch(int64_t pid, int64_t offset, MarkerType type) {
  auto marker = build_txn_marker_batch(pid, 0, {type, 1}, 5);
  patch_offset_and_epoch(marker.data(), offset, 0);
  return marker;
}

TEST(CleanerRecordFilter, AbortedDataGoesAndMarkersOfTransactionsWithDataStay) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  const AbortedTxnEntry aborted{7, 10, 20, 21};
  TxnTracker txns({aborted});
  CleaningContext ctx{.now_ms = 1000, .map = &map, .txns = &txns};
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(txn_batch(7, 12, "a"), ctx, out).fate, BatchFate::kRemoved);
  // Another producer in the same offsets, committed.
  EXPECT_EQ(filter.filter(txn_batch(8, 13, "b"), ctx, out).fate, BatchFate::kCopied);
  const auto abort = marker_batch(7, 20, MarkerType::kAbort);
  out.clear();
  EXPECT_EQ(filter.filter(abort, ctx, out).fate, BatchFate::kCopied);
  EXPECT_EQ(out, abort);
  EXPECT_EQ(txns.take_kept_entries(), std::vector<AbortedTxnEntry>{aborted});
  // After the abort marker: another transaction of producer 7, not aborted.
  EXPECT_EQ(filter.filter(txn_batch(7, 21, "a"), ctx, out).fate, BatchFate::kCopied);
  const auto commit8 = marker_batch(8, 22, MarkerType::kCommit);
  const auto commit7 = marker_batch(7, 23, MarkerType::kCommit);
  out.clear();
  EXPECT_EQ(filter.filter(commit8, ctx, out).fate, BatchFate::kCopied);
  EXPECT_EQ(filter.filter(commit7, ctx, out).fate, BatchFate::kCopied);
  EXPECT_TRUE(txns.take_kept_entries().empty());

  // The aborted batch that is its producer's last is kept empty.
  TxnTracker again({aborted});
  const std::unordered_map<int64_t, int64_t> last{{7, 12}};
  ctx.txns = &again;
  ctx.last_batch_of_producer = &last;
  out.clear();
  EXPECT_EQ(filter.filter(txn_batch(7, 12, "a"), ctx, out).fate, BatchFate::kRetainedEmpty);
  EXPECT_EQ(BatchHeader::parse(out.data()).record_count, 0);
  // Without a tracker nothing is aborted and markers stay.
  ctx.txns = nullptr;
  out.clear();
  EXPECT_EQ(filter.filter(txn_batch(7, 14, "a"), ctx, out).fate, BatchFate::kCopied);
  EXPECT_EQ(filter.filter(abort, ctx, out).fate, BatchFate::kCopied);
}

TEST(CleanerRecordFilter, MarkersWithNoDataLeftAreStampedThenRemovedAfterTheHorizon) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  const AbortedTxnEntry aborted{7, 10, 20, 21};
  TxnTracker txns({aborted});  // its data is gone: an earlier clean removed it
  CleaningContext ctx{.now_ms = 1000, .delete_retention_ms = 500, .map = &map, .txns = &txns};
  std::vector<uint8_t> stamped_abort, stamped_commit;
  const FilterResult a = filter.filter(marker_batch(7, 20, MarkerType::kAbort), ctx, stamped_abort);
  EXPECT_EQ(a.fate, BatchFate::kRewritten);
  EXPECT_EQ(a.records_kept, 1);
  EXPECT_TRUE(txns.take_kept_entries().empty());  // nothing left for its entry to hide
  EXPECT_EQ(filter.filter(marker_batch(9, 30, MarkerType::kCommit), ctx, stamped_commit).fate,
            BatchFate::kRewritten);
  for (const auto* stamped : {&stamped_abort, &stamped_commit}) {
    std::vector<BatchHeader> headers;
    const auto records = decode_records(*stamped, &headers);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_TRUE(headers[0].is_control());
    EXPECT_TRUE(has_delete_horizon(headers[0]));
    EXPECT_EQ(headers[0].base_timestamp, 1500);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].timestamp, 5);  // re-encoded against the horizon, unchanged
    TxnMarker m;
    EXPECT_TRUE(parse_txn_marker(*stamped, m));
    EXPECT_EQ(m.coordinator_epoch, 1);
  }
  TxnMarker m;
  ASSERT_TRUE(parse_txn_marker(stamped_abort, m));
  EXPECT_EQ(m.type, MarkerType::kAbort);

  // Before the horizon the stamped markers stay as they are; at it they go.
  for (const int64_t now : {1499, 1500}) {
    TxnTracker later({aborted});
    ctx.txns = &later;
    ctx.now_ms = now;
    std::vector<uint8_t> out;
    const FilterResult ra = filter.filter(stamped_abort, ctx, out);
    const FilterResult rc = filter.filter(stamped_commit, ctx, out);
    if (now < 1500) {
      EXPECT_EQ(ra.fate, BatchFate::kCopied);
      EXPECT_EQ(rc.fate, BatchFate::kCopied);
      EXPECT_EQ(out.size(), stamped_abort.size() + stamped_commit.size());
    } else {
      EXPECT_EQ(ra.fate, BatchFate::kRemoved);
      EXPECT_EQ(rc.fate, BatchFate::kRemoved);
      EXPECT_EQ(ra.markers_removed + rc.markers_removed, 2);
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(CleanerRecordFilter, CommitMarkerStaysWhileItsTransactionHasData) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  TxnTracker txns;
  CleaningContext ctx{.now_ms = 1000, .map = &map, .txns = &txns};
  map.put(bytes("a"), 50);  // the transaction's record is superseded: its batch goes
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(txn_batch(7, 12, "a"), ctx, out).fate, BatchFate::kRemoved);
  EXPECT_EQ(filter.filter(marker_batch(7, 13, MarkerType::kCommit), ctx, out).fate,
            BatchFate::kCopied);
  // The next clean finds no data before it.
  TxnTracker next;
  ctx.txns = &next;
  out.clear();
  EXPECT_EQ(filter.filter(marker_batch(7, 13, MarkerType::kCommit), ctx, out).fate,
            BatchFate::kRewritten);
  EXPECT_TRUE(has_delete_horizon(BatchHeader::parse(out.data())));
}

TEST(CleanerRecordFilter, ProducersLastMarkerIsKeptEmptyForItsEpoch) {
  OffsetMap map(24 * 64);
  RecordFilter filter;
  TxnTracker txns;
  CleaningContext ctx{.now_ms = 1000, .delete_retention_ms = 0, .map = &map, .txns = &txns};
  std::vector<uint8_t> stamped;
  ASSERT_EQ(filter.filter(marker_batch(7, 40, MarkerType::kCommit), ctx, stamped).fate,
            BatchFate::kRewritten);
  const std::unordered_map<int64_t, int16_t> epochs{{7, 0}};
  ctx.marker_epoch_of_producer = &epochs;
  std::vector<uint8_t> empty;
  const FilterResult r = filter.filter(stamped, ctx, empty);
  EXPECT_EQ(r.fate, BatchFate::kRetainedEmpty);
  EXPECT_EQ(r.markers_removed, 1);
  ASSERT_EQ(empty.size(), bl::kHeaderSize);
  const BatchHeader h = BatchHeader::parse(empty.data());
  EXPECT_TRUE(h.is_control());
  EXPECT_TRUE(h.is_transactional());
  EXPECT_EQ(h.record_count, 0);
  EXPECT_EQ(h.base_offset, 40);
  EXPECT_EQ(h.producer_id, 7);
  EXPECT_EQ(h.producer_epoch, 0);
  EXPECT_FALSE(has_delete_horizon(h));
  EXPECT_EQ(h.crc, compute_batch_crc(empty));
  // The emptied marker stays while it is the producer's last, then goes.
  std::vector<uint8_t> out;
  EXPECT_EQ(filter.filter(empty, ctx, out).fate, BatchFate::kCopied);
  const std::unordered_map<int64_t, int16_t> newer{{7, 1}};
  ctx.marker_epoch_of_producer = &newer;
  out.clear();
  EXPECT_EQ(filter.filter(empty, ctx, out).fate, BatchFate::kRemoved);
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
