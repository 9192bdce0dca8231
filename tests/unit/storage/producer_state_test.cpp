#include "samsa/storage/producer_state.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "samsa/storage/crc32c.h"

#include "storage_test_util.h"

namespace samsa::storage {
namespace {

BatchHeader header(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t base) {
  BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.record_count = count;
  h.base_offset = base;
  h.max_timestamp = 77;
  return h;
}

TEST(ProducerState, StagedBatchesInOneAppendMustChain) {
  ProducerStateManager m;
  ASSERT_EQ(m.check_and_stage(header(1, 0, 0, 2, 0)).error, ErrorCode::NONE);
  m.set_staged_offsets(0, 0, 1, 77);
  m.commit();
  // Two batches of one producer in the same append: the second follows the first.
  ASSERT_EQ(m.check_and_stage(header(1, 0, 2, 3, 0)).error, ErrorCode::NONE);
  EXPECT_EQ(m.check_and_stage(header(1, 0, 2, 3, 0)).duplicate.has_value(), true);
  EXPECT_EQ(m.check_and_stage(header(1, 0, 9, 1, 0)).error,
            ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  m.abort();
  EXPECT_EQ(m.find(1)->last()->last_seq, 1);  // nothing staged survived abort()
}

TEST(ProducerState, SnapshotRoundTripAndCorruption) {
  testing::TempDir dir;
  ProducerStateManager m;
  for (int i = 0; i < 7; ++i) m.replay(header(5, 2, i * 10, 10, i * 10));
  m.replay(header(6, 0, 0, 1, 70));
  const std::string path = dir.sub("00000000000000000071.snapshot");
  ASSERT_TRUE(m.write_snapshot(path, 71));

  ProducerStateManager loaded;
  int64_t offset = -1;
  ASSERT_TRUE(loaded.load_snapshot(path, offset));
  EXPECT_EQ(offset, 71);
  ASSERT_NE(loaded.find(5), nullptr);
  EXPECT_EQ(loaded.find(5)->epoch, 2);
  EXPECT_EQ(loaded.find(5)->batch_count, ProducerEntry::kMaxBatches);
  EXPECT_EQ(loaded.find(5)->last()->first_seq, 60);
  EXPECT_EQ(loaded.find(5)->last()->last_offset, 69);
  EXPECT_NE(loaded.find(5)->find(20, 29), nullptr);
  EXPECT_EQ(loaded.find(5)->find(10, 19), nullptr);  // older than the last 5
  EXPECT_EQ(loaded.size(), 2u);

  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x7f');
  }
  EXPECT_FALSE(loaded.load_snapshot(path, offset));
  EXPECT_EQ(loaded.size(), 0u);
}

// --- Transactions -------------------------------------------------------------------

BatchHeader txn_header(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t base) {
  BatchHeader h = header(pid, epoch, seq, count, base);
  h.attributes = kTransactionalBit;
  return h;
}

BatchHeader marker_header(int64_t pid, int16_t epoch, int64_t base) {
  BatchHeader h = header(pid, epoch, -1, 1, base);
  h.attributes = kTransactionalBit | kControlBit;
  return h;
}

// One append of one batch: check, place at `base`, commit.
ProducerCheck append_one(ProducerStateManager& m, const BatchHeader& h,
                         std::vector<CompletedTxn>* completed = nullptr,
                         const TxnMarker* marker = nullptr) {
  ProducerCheck c = marker ? m.check_marker_and_stage(h, *marker) : m.check_and_stage(h);
  if (c.error != ErrorCode::NONE || c.duplicate) {
    m.abort();
    return c;
  }
  m.set_staged_offsets(0, h.base_offset, h.last_offset(), h.max_timestamp);
  m.commit(completed);
  return c;
}

TEST(ProducerState, TransactionalBatchBeginsAndMarkerEnds) {
  ProducerStateManager m;
  EXPECT_EQ(m.first_unstable_offset(), -1);
  ASSERT_EQ(append_one(m, txn_header(1, 0, 0, 2, 10)).error, ErrorCode::NONE);
  EXPECT_EQ(m.find(1)->current_txn_first_offset, 10);
  EXPECT_EQ(m.first_unstable_offset(), 10);
  // Later batches of the transaction do not move its start.
  ASSERT_EQ(append_one(m, txn_header(1, 0, 2, 1, 12)).error, ErrorCode::NONE);
  EXPECT_EQ(m.find(1)->current_txn_first_offset, 10);
  ASSERT_EQ(append_one(m, txn_header(2, 0, 0, 1, 13)).error, ErrorCode::NONE);
  EXPECT_EQ(m.ongoing_transactions(), 2u);

  std::vector<CompletedTxn> done;
  const TxnMarker abort{MarkerType::kAbort, 4};
  ASSERT_EQ(append_one(m, marker_header(1, 0, 14), &done, &abort).error, ErrorCode::NONE);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].producer_id, 1);
  EXPECT_EQ(done[0].first_offset, 10);
  EXPECT_EQ(done[0].last_offset, 14);
  EXPECT_TRUE(done[0].aborted);
  EXPECT_EQ(done[0].last_stable_offset, 13);  // producer 2's transaction is still open
  EXPECT_EQ(m.find(1)->current_txn_first_offset, -1);
  EXPECT_EQ(m.find(1)->coordinator_epoch, 4);
  EXPECT_EQ(m.first_unstable_offset(), 13);

  done.clear();
  const TxnMarker commit{MarkerType::kCommit, 4};
  ASSERT_EQ(append_one(m, marker_header(2, 0, 15), &done, &commit).error, ErrorCode::NONE);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done[0].aborted);
  EXPECT_EQ(done[0].last_stable_offset, 16);
  EXPECT_EQ(m.first_unstable_offset(), -1);

  // A marker with no transaction here is accepted and ends nothing (Kafka indexes only
  // transactions with data).
  done.clear();
  ASSERT_EQ(append_one(m, marker_header(2, 0, 16), &done, &abort).error, ErrorCode::NONE);
  EXPECT_TRUE(done.empty());
  // Sequences carry on after a marker of the same epoch.
  EXPECT_EQ(append_one(m, txn_header(1, 0, 3, 1, 17)).error, ErrorCode::NONE);
}

TEST(ProducerState, NonTransactionalWriteDuringATransactionIsInvalidTxnState) {
  ProducerStateManager m;
  ASSERT_EQ(append_one(m, txn_header(1, 0, 0, 1, 0)).error, ErrorCode::NONE);
  const ProducerCheck c = append_one(m, header(1, 0, 1, 1, 1));
  EXPECT_EQ(c.error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_NE(c.message.find("Expected transactional write from producer 1"), std::string::npos);
  // Also when the transaction begins earlier in the same append.
  ProducerStateManager fresh;
  ASSERT_EQ(fresh.check_and_stage(txn_header(5, 0, 0, 1, 0)).error, ErrorCode::NONE);
  EXPECT_EQ(fresh.check_and_stage(header(5, 0, 1, 1, 1)).error, ErrorCode::INVALID_TXN_STATE);
  fresh.abort();
  // An append that failed leaves no trace: no transaction, no producer.
  EXPECT_EQ(fresh.find(5), nullptr);
  EXPECT_EQ(fresh.first_unstable_offset(), -1);
  // Internal writers are held to the same rule.
  EXPECT_EQ(m.check_epoch_and_stage(header(1, 0, -1, 1, 2)).error, ErrorCode::INVALID_TXN_STATE);
  m.abort();
}

TEST(ProducerState, MarkerEpochAndCoordinatorEpochChecks) {
  ProducerStateManager m;
  ASSERT_EQ(append_one(m, txn_header(1, 3, 0, 2, 0)).error, ErrorCode::NONE);
  const TxnMarker commit5{MarkerType::kCommit, 5};
  EXPECT_EQ(append_one(m, marker_header(1, 2, 2), nullptr, &commit5).error,
            ErrorCode::INVALID_PRODUCER_EPOCH);
  ASSERT_EQ(append_one(m, marker_header(1, 3, 2), nullptr, &commit5).error, ErrorCode::NONE);
  // A zombie coordinator (older epoch) is fenced.
  ASSERT_EQ(append_one(m, txn_header(1, 3, 2, 1, 3)).error, ErrorCode::NONE);
  const TxnMarker zombie{MarkerType::kAbort, 4};
  EXPECT_EQ(append_one(m, marker_header(1, 3, 4), nullptr, &zombie).error,
            ErrorCode::TRANSACTION_COORDINATOR_FENCED);
  EXPECT_EQ(m.find(1)->current_txn_first_offset, 3);  // still open
  // A marker with a bumped epoch (the coordinator aborting for a fenced producer):
  // the new epoch's sequences start at 0.
  std::vector<CompletedTxn> done;
  const TxnMarker abort6{MarkerType::kAbort, 6};
  ASSERT_EQ(append_one(m, marker_header(1, 4, 4), &done, &abort6).error, ErrorCode::NONE);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first_offset, 3);
  EXPECT_EQ(m.find(1)->epoch, 4);
  EXPECT_EQ(m.find(1)->batch_count, 0);
  EXPECT_EQ(m.find(1)->coordinator_epoch, 6);
  EXPECT_EQ(append_one(m, txn_header(1, 4, 3, 1, 5)).error,
            ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_EQ(append_one(m, txn_header(1, 4, 0, 1, 5)).error, ErrorCode::NONE);
}

TEST(ProducerState, ReplayRebuildsTransactions) {
  ProducerStateManager m;
  m.replay(txn_header(1, 0, 0, 2, 0));
  m.replay(txn_header(2, 0, 0, 1, 2));
  const TxnMarker abort{MarkerType::kAbort, 1};
  const auto done = m.replay(marker_header(1, 0, 3), &abort);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->first_offset, 0);
  EXPECT_EQ(done->last_offset, 3);
  EXPECT_EQ(done->last_stable_offset, 2);
  EXPECT_EQ(m.first_unstable_offset(), 2);
  // A control batch that is no marker only carries the epoch.
  EXPECT_FALSE(m.replay(marker_header(2, 1, 4)).has_value());
  EXPECT_EQ(m.find(2)->epoch, 1);
  EXPECT_EQ(m.find(2)->current_txn_first_offset, 2);
}

TEST(ProducerState, SnapshotKeepsTransactions) {
  testing::TempDir dir;
  ProducerStateManager m;
  m.replay(txn_header(1, 0, 0, 2, 0));
  m.replay(txn_header(2, 7, 0, 1, 2));
  const TxnMarker commit{MarkerType::kCommit, 9};
  m.replay(marker_header(2, 7, 3), &commit);
  m.replay(txn_header(2, 7, 1, 1, 4));
  const std::string path = dir.sub("00000000000000000005.snapshot");
  ASSERT_TRUE(m.write_snapshot(path, 5));

  ProducerStateManager loaded;
  int64_t offset = -1;
  ASSERT_TRUE(loaded.load_snapshot(path, offset));
  EXPECT_EQ(offset, 5);
  EXPECT_EQ(loaded.find(1)->current_txn_first_offset, 0);
  EXPECT_EQ(loaded.find(1)->coordinator_epoch, -1);
  EXPECT_EQ(loaded.find(2)->current_txn_first_offset, 4);
  EXPECT_EQ(loaded.find(2)->coordinator_epoch, 9);
  EXPECT_EQ(loaded.find(2)->last()->last_seq, 1);
  EXPECT_EQ(loaded.first_unstable_offset(), 0);
  EXPECT_EQ(loaded.ongoing_transactions(), 2u);
}

// Version 1 files (before transactions) still load: no transaction, no coordinator epoch.
TEST(ProducerState, SnapshotVersion1StillLoads) {
  testing::TempDir dir;
  std::vector<uint8_t> body;
  auto put = [&body](const auto v) {
    const size_t at = body.size();
    body.resize(at + sizeof v);
    std::memcpy(body.data() + at, &v, sizeof v);
  };
  put(int64_t{30});    // offset
  put(uint32_t{1});    // producers
  put(int64_t{42});    // id
  put(int16_t{3});     // epoch
  put(uint8_t{1});     // batches
  put(int32_t{0});     // first seq
  put(int32_t{4});     // last seq
  put(int64_t{20});    // first offset
  put(int64_t{24});    // last offset
  put(int64_t{1234});  // timestamp
  std::vector<uint8_t> file;
  const uint32_t header[3] = {0x534d5053, 1, crc32c(body)};
  file.resize(sizeof header);
  std::memcpy(file.data(), header, sizeof header);
  file.insert(file.end(), body.begin(), body.end());
  const std::string path = dir.sub("00000000000000000030.snapshot");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.data()),
              static_cast<std::streamsize>(file.size()));
  }
  ProducerStateManager loaded;
  int64_t offset = -1;
  ASSERT_TRUE(loaded.load_snapshot(path, offset));
  EXPECT_EQ(offset, 30);
  ASSERT_NE(loaded.find(42), nullptr);
  EXPECT_EQ(loaded.find(42)->epoch, 3);
  EXPECT_EQ(loaded.find(42)->last()->last_offset, 24);
  EXPECT_EQ(loaded.find(42)->current_txn_first_offset, -1);
  EXPECT_EQ(loaded.find(42)->coordinator_epoch, -1);
  EXPECT_EQ(loaded.find(42)->last_timestamp, 1234);  // the last batch's, before version 3
  EXPECT_EQ(loaded.first_unstable_offset(), -1);
}

// The last timestamp follows the producer's last batch or marker (DescribeProducers, as
// Kafka reports it); an epoch bump by the marker clears the sequences but keeps it.
TEST(ProducerState, LastTimestampFollowsBatchesAndMarkers) {
  testing::TempDir dir;
  ProducerStateManager m;
  BatchHeader data = txn_header(5, 0, 0, 2, 0);
  data.max_timestamp = 1000;
  m.replay(data);
  EXPECT_EQ(m.find(5)->last_timestamp, 1000);
  BatchHeader marker = marker_header(5, 1, 2);  // a transactions-v2 marker bumps the epoch
  marker.max_timestamp = 2000;
  const TxnMarker commit{MarkerType::kCommit, 0};
  m.replay(marker, &commit);
  EXPECT_EQ(m.find(5)->last_timestamp, 2000);
  EXPECT_EQ(m.find(5)->epoch, 1);
  EXPECT_EQ(m.find(5)->last(), nullptr);
  const std::string path = dir.sub("00000000000000000003.snapshot");
  ASSERT_TRUE(m.write_snapshot(path, 3));
  ProducerStateManager loaded;
  int64_t offset = -1;
  ASSERT_TRUE(loaded.load_snapshot(path, offset));
  EXPECT_EQ(loaded.find(5)->last_timestamp, 2000);
}

}  // namespace
}  // namespace samsa::storage
