// Transactions in the log (KIP-98): markers, the last stable offset, read_committed
// reads with their aborted transactions, the .txnindex files and their recovery.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "samsa/storage/partition_log.h"

#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using testing::make_batch;

constexpr auto kCommitted = IsolationLevel::kReadCommitted;
constexpr auto kUncommitted = IsolationLevel::kReadUncommitted;

BatchSpec txn(int64_t pid, int16_t epoch, int32_t seq) {
  BatchSpec s = testing::idempotent(pid, epoch, seq);
  s.transactional = true;
  return s;
}

std::vector<uint8_t> read_slice(const FileSlice& s) {
  std::vector<uint8_t> out(s.length);
  EXPECT_EQ(::pread(s.file->fd(), out.data(), out.size(), static_cast<off_t>(s.offset)),
            static_cast<ssize_t>(out.size()));
  return out;
}

std::vector<BatchHeader> batches_of(const ReadResult& r) {
  std::vector<BatchHeader> out;
  for (const auto& s : r.slices) {
    const auto data = read_slice(s);
    for (size_t pos = 0; pos < data.size(); pos += out.back().size_in_bytes())
      out.push_back(BatchHeader::parse(data.data() + pos));
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> aborted_of(const ReadResult& r) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& a : r.aborted) out.emplace_back(a.producer_id, a.first_offset);
  return out;
}

std::vector<AbortedTxnEntry> read_txn_index(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  EXPECT_EQ(data.size() % kTxnIndexEntrySize, 0u) << path;
  std::vector<AbortedTxnEntry> out;
  for (size_t at = 0; at + kTxnIndexEntrySize <= data.size(); at += kTxnIndexEntrySize) {
    AbortedTxnEntry e;
    EXPECT_TRUE(decode_txn_index_entry(&data[at], e));
    out.push_back(e);
  }
  return out;
}

class TransactionsTest : public ::testing::Test {
 protected:
  // Markers carry the wall clock, the data here old timestamps: no time-based rolls.
  TransactionsTest() { config_.segment_ms = int64_t{1} << 60; }
  std::unique_ptr<PartitionLog> open(bool clean = true) {
    return PartitionLog::open(dir_.sub("t-0"), "t", 0, config_, flusher_, clean, now_);
  }
  AppendResult append(PartitionLog& log, std::vector<uint8_t> batch, bool from_client = true) {
    AppendOptions o;
    o.now_ms = now_;
    o.from_client = from_client;
    return log.append(batch, o);
  }
  // Appends and expects success; returns the base offset.
  int64_t put(PartitionLog& log, std::vector<uint8_t> batch) {
    const AppendResult r = append(log, std::move(batch));
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    return r.base_offset;
  }
  int64_t mark(PartitionLog& log, int64_t pid, MarkerType type, int16_t epoch = 0,
               int32_t coordinator_epoch = 1) {
    const AppendResult r = log.append_marker(pid, epoch, type, coordinator_epoch, now_);
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    EXPECT_EQ(r.base_offset, r.last_offset);
    return r.base_offset;
  }
  void flush(PartitionLog& log) {
    bool done = false;
    log.when_flushed(log.log_end_offset() - 1, [&done](ErrorCode ec) {
      EXPECT_EQ(ec, ErrorCode::NONE);
      done = true;
    });
    ASSERT_TRUE(loop_.run_until([&] { return done; }));
  }
  std::string seg_path(int64_t base, const char* ext) {
    return segment_file_path(dir_.sub("t-0"), base, ext);
  }
  // Base offset of the segment holding `offset`.
  static int64_t segment_of(const PartitionLog& log, int64_t offset) {
    return std::prev(log.segments().upper_bound(offset))->first;
  }

  testing::TempDir dir_;
  testing::TestLoop loop_;
  Flusher flusher_{loop_.poster()};
  LogConfig config_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(TransactionsTest, LastStableOffsetFollowsInterleavedTransactions) {
  auto log = open();
  put(*log, make_batch(2));  // 0-1
  EXPECT_EQ(log->last_stable_offset(), 2);
  EXPECT_EQ(put(*log, make_batch(2, 1000, txn(100, 0, 0))), 2);  // 2-3
  EXPECT_EQ(log->last_stable_offset(), 2);
  EXPECT_EQ(put(*log, make_batch(1, 1000, txn(200, 0, 0))), 4);
  put(*log, make_batch(1));                                      // 5
  EXPECT_EQ(put(*log, make_batch(1, 1000, txn(100, 0, 2))), 6);  // same transaction
  EXPECT_EQ(log->last_stable_offset(), 2);
  EXPECT_EQ(log->high_watermark(), 7);
  EXPECT_EQ(log->producer_state().find(100)->current_txn_first_offset, 2);

  EXPECT_EQ(mark(*log, 100, MarkerType::kCommit, 0, 3), 7);
  EXPECT_EQ(log->last_stable_offset(), 4);  // producer 200 is still open
  EXPECT_EQ(log->producer_state().find(100)->current_txn_first_offset, -1);
  EXPECT_EQ(log->producer_state().find(100)->coordinator_epoch, 3);
  EXPECT_EQ(mark(*log, 200, MarkerType::kAbort, 0, 3), 8);
  EXPECT_EQ(log->last_stable_offset(), 9);
  EXPECT_EQ(log->high_watermark(), 9);
  // A new transaction of producer 100 starts at its first batch.
  EXPECT_EQ(put(*log, make_batch(1, 1000, txn(100, 0, 3))), 9);
  EXPECT_EQ(log->last_stable_offset(), 9);
}

TEST_F(TransactionsTest, ReadCommittedStopsAtTheLastStableOffset) {
  auto log = open();
  put(*log, make_batch(2));                        // 0-1
  put(*log, make_batch(1));                        // 2
  put(*log, make_batch(2, 1000, txn(100, 0, 0)));  // 3-4: open
  put(*log, make_batch(1));                        // 5
  ASSERT_EQ(log->last_stable_offset(), 3);

  const ReadResult all = log->read(0, 1 << 20, true, kCommitted);
  EXPECT_EQ(all.error, ErrorCode::NONE);
  const auto hs = batches_of(all);
  ASSERT_EQ(hs.size(), 2u);  // nothing from the LSO on
  EXPECT_EQ(hs.back().last_offset(), 2);
  EXPECT_EQ(all.last_stable_offset, 3);
  EXPECT_EQ(all.high_watermark, 6);
  EXPECT_TRUE(all.aborted.empty());
  // Between the LSO and the high watermark: nothing, and no error.
  for (int64_t off = 3; off <= 6; ++off) {
    const ReadResult r = log->read(off, 1 << 20, true, kCommitted);
    EXPECT_EQ(r.error, ErrorCode::NONE) << off;
    EXPECT_TRUE(r.slices.empty()) << off;
    EXPECT_EQ(r.bytes, 0u);
  }
  EXPECT_EQ(log->read(7, 1 << 20, true, kCommitted).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  // read_uncommitted sees everything and still learns the LSO.
  const ReadResult raw = log->read(0, 1 << 20, true, kUncommitted);
  EXPECT_EQ(batches_of(raw).size(), 4u);
  EXPECT_EQ(raw.last_stable_offset, 3);
  EXPECT_TRUE(raw.aborted.empty());

  mark(*log, 100, MarkerType::kCommit);
  EXPECT_EQ(batches_of(log->read(3, 1 << 20, true, kCommitted)).size(), 3u);  // data, 5, marker
}

// Offsets: 0-1 plain, 2-3 P100, 4 P200, 5-6 P100, 7 plain, 8 abort P100, 9 commit P200,
// 10-11 P300, 12 abort P300, 13 plain; one or two batches per segment.
class AbortedAcrossSegments : public TransactionsTest {
 protected:
  void SetUp() override { config_.segment_bytes = 400; }
  void write(PartitionLog& log) {
    put(log, make_batch(2, 1000, {}, 100));
    put(log, make_batch(2, 1000, txn(100, 0, 0), 100));
    put(log, make_batch(1, 1000, txn(200, 0, 0), 100));
    put(log, make_batch(2, 1000, txn(100, 0, 2), 100));
    put(log, make_batch(1, 1000, {}, 100));
    ASSERT_EQ(mark(log, 100, MarkerType::kAbort), 8);
    ASSERT_EQ(mark(log, 200, MarkerType::kCommit), 9);
    put(log, make_batch(2, 1000, txn(300, 0, 0), 100));
    ASSERT_EQ(mark(log, 300, MarkerType::kAbort), 12);
    put(log, make_batch(1, 1000, {}, 100));
  }
  // A read serves batches of one segment; the aborts it lists overlap those batches,
  // wherever their markers are.
  void expect_reads(PartitionLog& log) {
    using V = std::vector<std::pair<int64_t, int64_t>>;
    // [0, 2) holds no aborted record.
    EXPECT_EQ(aborted_of(log.read(0, 1 << 20, true, kCommitted)), V{});
    EXPECT_EQ(aborted_of(log.read(2, 1, true, kCommitted)), (V{{100, 2}}));
    EXPECT_EQ(aborted_of(log.read(2, 1 << 20, true, kCommitted)), (V{{100, 2}}));
    EXPECT_EQ(aborted_of(log.read(4, 1 << 20, true, kCommitted)), (V{{100, 2}}));
    EXPECT_EQ(aborted_of(log.read(7, 1 << 20, true, kCommitted)), (V{{100, 2}}));
    EXPECT_EQ(aborted_of(log.read(8, 1, true, kCommitted)), (V{{100, 2}}));
    EXPECT_EQ(aborted_of(log.read(9, 1 << 20, true, kCommitted)), V{});
    EXPECT_EQ(aborted_of(log.read(10, 1, true, kCommitted)), (V{{300, 10}}));
    EXPECT_EQ(aborted_of(log.read(12, 1 << 20, true, kCommitted)), (V{{300, 10}}));
    EXPECT_EQ(aborted_of(log.read(13, 1 << 20, true, kCommitted)), V{});
    // read_uncommitted never lists them.
    EXPECT_TRUE(log.read(0, 1 << 20, true, kUncommitted).aborted.empty());
  }
};

TEST_F(AbortedAcrossSegments, ReadCommittedListsOverlappingAborts) {
  auto log = open();
  write(*log);
  ASSERT_GT(log->segment_count(), 4u);
  EXPECT_EQ(log->last_stable_offset(), 14);
  expect_reads(*log);

  // Each abort sits in the .txnindex of the segment holding its marker, in Kafka's
  // layout, once flushed; a commit adds nothing.
  flush(*log);
  const int64_t seg8 = segment_of(*log, 8), seg12 = segment_of(*log, 12);
  ASSERT_NE(seg8, seg12);
  EXPECT_EQ(read_txn_index(seg_path(seg8, ".txnindex")),
            (std::vector<AbortedTxnEntry>{{100, 2, 8, 4}}));  // P200 (4) was still open
  EXPECT_EQ(read_txn_index(seg_path(seg12, ".txnindex")),
            (std::vector<AbortedTxnEntry>{{300, 10, 12, 13}}));
  EXPECT_EQ(fs::file_size(seg_path(seg8, ".txnindex")), 34u);
  {
    std::ifstream in(seg_path(seg8, ".txnindex"), std::ios::binary);
    uint8_t raw[34];
    in.read(reinterpret_cast<char*>(raw), sizeof raw);
    EXPECT_EQ(load_be16(raw), 0);        // version
    EXPECT_EQ(load_be64(raw + 2), 100);  // producer id
    EXPECT_EQ(load_be64(raw + 10), 2);   // first offset
    EXPECT_EQ(load_be64(raw + 18), 8);   // last offset
    EXPECT_EQ(load_be64(raw + 26), 4);   // last stable offset
  }
  // Segments without an abort have no .txnindex.
  EXPECT_FALSE(fs::exists(seg_path(0, ".txnindex")));
  EXPECT_FALSE(fs::exists(seg_path(segment_of(*log, 13), ".txnindex")));
}

TEST_F(AbortedAcrossSegments, CleanRestartKeepsThem) {
  {
    auto log = open();
    write(*log);
    log->close();
  }
  auto log = open(true);
  EXPECT_EQ(log->last_stable_offset(), 14);
  expect_reads(*log);
  EXPECT_EQ(log->producer_state().find(300)->coordinator_epoch, 1);
}

// After a crash the indexes found are kept below the producer snapshot and re-derived
// from the markers past it; with no usable snapshot, from the whole log.
TEST_F(AbortedAcrossSegments, UncleanRestartKeepsOrRederivesThem) {
  std::map<std::string, std::vector<AbortedTxnEntry>> files;
  {
    auto log = open();
    write(*log);
    flush(*log);
    for (const auto& e : fs::directory_iterator(dir_.sub("t-0"))) {
      if (e.path().extension() == ".txnindex")
        files[e.path().string()] = read_txn_index(e.path().string());
    }
    ASSERT_EQ(files.size(), 2u);
  }  // a crash
  {
    auto log = open(false);
    EXPECT_EQ(log->last_stable_offset(), 14);
    expect_reads(*log);
  }
  for (const auto& e : fs::directory_iterator(dir_.sub("t-0"))) {
    const auto ext = e.path().extension();
    if (ext == ".txnindex" || ext == ".snapshot") fs::remove(e.path());
  }
  auto log = open(false);
  EXPECT_EQ(log->last_stable_offset(), 14);
  expect_reads(*log);
  for (const auto& [path, entries] : files) EXPECT_EQ(read_txn_index(path), entries) << path;
}

TEST_F(AbortedAcrossSegments, RetentionAndDeleteRecordsTakeTheirTxnIndex) {
  auto log = open();
  write(*log);
  flush(*log);
  const int64_t seg8 = segment_of(*log, 8), seg12 = segment_of(*log, 12);
  ASSERT_TRUE(fs::exists(seg_path(seg8, ".txnindex")));
  ASSERT_GT(seg12, 8);
  // DeleteRecords up to the second abort's segment takes the first one's.
  ASSERT_EQ(log->delete_records_before(seg12), ErrorCode::NONE);
  EXPECT_EQ(log->segments().begin()->first, seg12);
  EXPECT_FALSE(fs::exists(seg_path(seg8, ".txnindex")));
  EXPECT_EQ(aborted_of(log->read(seg12, 1 << 20, true, kCommitted)),
            (std::vector<std::pair<int64_t, int64_t>>{{300, 10}}));
  // Retention of everything but the active segment (which has no abort).
  config_.retention_bytes = 0;
  log->set_config(config_);
  log->enforce_retention(now_);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_FALSE(fs::exists(seg_path(seg12, ".txnindex")));
  for (const auto& e : fs::directory_iterator(dir_.sub("t-0")))
    EXPECT_NE(e.path().extension(), ".txnindex") << e.path();
  EXPECT_TRUE(log->read(log->log_start_offset(), 1 << 20, true, kCommitted).aborted.empty());
}

TEST_F(TransactionsTest, MarkerAndTransactionStateErrors) {
  auto log = open();
  put(*log, make_batch(1, 1000, txn(100, 2, 0)));  // 0
  // A non-transactional write while the transaction is open.
  const AppendResult invalid = append(*log, make_batch(1, 1000, testing::idempotent(100, 2, 1)));
  EXPECT_EQ(invalid.error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_FALSE(invalid.error_message.empty());
  // A marker from an older producer epoch.
  EXPECT_EQ(log->append_marker(100, 1, MarkerType::kCommit, 5, now_).error,
            ErrorCode::INVALID_PRODUCER_EPOCH);
  EXPECT_EQ(mark(*log, 100, MarkerType::kCommit, 2, 5), 1);
  // A zombie coordinator.
  put(*log, make_batch(1, 1000, txn(100, 2, 1)));  // 2
  EXPECT_EQ(log->append_marker(100, 2, MarkerType::kAbort, 4, now_).error,
            ErrorCode::TRANSACTION_COORDINATOR_FENCED);
  EXPECT_EQ(log->log_end_offset(), 3);  // the refused appends left nothing
  EXPECT_EQ(log->last_stable_offset(), 2);

  // An append whose second batch fails leaves no trace of its first.
  std::vector<uint8_t> two = make_batch(1, 1000, txn(500, 0, 0));
  const std::vector<uint8_t> bad = make_batch(1, 1000, testing::idempotent(100, 2, 2));
  two.insert(two.end(), bad.begin(), bad.end());
  EXPECT_EQ(append(*log, two).error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(log->producer_state().find(500), nullptr);
  EXPECT_EQ(log->last_stable_offset(), 2);
  EXPECT_EQ(log->log_end_offset(), 3);

  // Clients cannot write markers.
  const std::vector<uint8_t> marker = build_txn_marker_batch(100, 2, {MarkerType::kAbort, 9}, now_);
  EXPECT_NE(append(*log, marker).error, ErrorCode::NONE);
  EXPECT_EQ(log->last_stable_offset(), 2);
}

TEST_F(TransactionsTest, MarkerIsAControlBatchLikeKafkas) {
  auto log = open();
  put(*log, make_batch(1, 1000, txn(77, 3, 0)));
  ASSERT_EQ(mark(*log, 77, MarkerType::kAbort, 3, 12), 1);
  const ReadResult r = log->read(1, 1 << 20, true);
  ASSERT_EQ(r.slices.size(), 1u);
  const std::vector<uint8_t> bytes = read_slice(r.slices[0]);
  const BatchHeader h = BatchHeader::parse(bytes.data());
  EXPECT_TRUE(h.is_control());
  EXPECT_TRUE(h.is_transactional());
  EXPECT_EQ(h.compression(), Compression::kNone);
  EXPECT_EQ(h.producer_id, 77);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, -1);
  EXPECT_EQ(h.record_count, 1);
  EXPECT_EQ(h.max_timestamp, now_);
  EXPECT_EQ(compute_batch_crc(bytes), h.crc);
  RecordIterator it(std::span<const uint8_t>(bytes).subspan(batch_layout::kHeaderSize), 1);
  RecordView rec;
  ASSERT_TRUE(it.next(rec));
  ASSERT_EQ(rec.key_length, 4);
  EXPECT_EQ(load_be16(rec.key), 0);      // key version
  EXPECT_EQ(load_be16(rec.key + 2), 0);  // abort
  ASSERT_EQ(rec.value_length, 6);
  EXPECT_EQ(load_be16(rec.value), 0);  // value version
  EXPECT_EQ(load_be32(rec.value + 2), 12);
  TxnMarker parsed;
  ASSERT_TRUE(parse_txn_marker(bytes, parsed));
  EXPECT_EQ(parsed.type, MarkerType::kAbort);
  EXPECT_EQ(parsed.coordinator_epoch, 12);
}

// The entry of an abort is durable with its marker: a flush covering the marker writes
// and syncs the .txnindex (created only then).
TEST_F(TransactionsTest, FlushCoveringTheMarkerCoversItsIndexEntry) {
  auto log = open();
  put(*log, make_batch(2, 1000, txn(9, 0, 0)));
  const int64_t marker = mark(*log, 9, MarkerType::kAbort);
  EXPECT_FALSE(fs::exists(seg_path(0, ".txnindex")));  // not yet written
  EXPECT_TRUE(log->needs_sync_on_close());
  const uint64_t fsyncs = flusher_.fsync_count();
  bool done = false;
  log->when_flushed(marker, [&done](ErrorCode ec) {
    EXPECT_EQ(ec, ErrorCode::NONE);
    done = true;
  });
  ASSERT_TRUE(loop_.run_until([&] { return done; }));
  EXPECT_EQ(read_txn_index(seg_path(0, ".txnindex")),
            (std::vector<AbortedTxnEntry>{{9, 0, marker, marker + 1}}));
  EXPECT_GE(flusher_.fsync_count() - fsyncs, 2u);  // the log and the .txnindex
  // A commit writes no entry.
  put(*log, make_batch(1, 1000, txn(9, 0, 2)));
  mark(*log, 9, MarkerType::kCommit);
  flush(*log);
  EXPECT_EQ(fs::file_size(seg_path(0, ".txnindex")), 34u);
  // close() writes an entry no flush has written yet.
  put(*log, make_batch(1, 1000, txn(9, 0, 3)));
  mark(*log, 9, MarkerType::kAbort);
  log->close();
  EXPECT_EQ(fs::file_size(seg_path(0, ".txnindex")), 68u);
}

TEST_F(TransactionsTest, CleanRestartKeepsOpenTransactions) {
  {
    auto log = open();
    put(*log, make_batch(1));                        // 0
    put(*log, make_batch(2, 1000, txn(100, 4, 0)));  // 1-2: stays open
    put(*log, make_batch(1, 1000, txn(200, 0, 0)));  // 3
    mark(*log, 200, MarkerType::kAbort, 0, 7);       // 4
    log->close();
  }
  auto log = open(true);
  EXPECT_EQ(log->last_stable_offset(), 1);
  EXPECT_EQ(log->producer_state().find(100)->current_txn_first_offset, 1);
  EXPECT_EQ(log->producer_state().find(200)->coordinator_epoch, 7);
  EXPECT_EQ(mark(*log, 100, MarkerType::kCommit, 4, 7), 5);
  EXPECT_EQ(log->last_stable_offset(), 6);
  EXPECT_EQ(aborted_of(log->read(0, 1 << 20, true, kCommitted)),
            (std::vector<std::pair<int64_t, int64_t>>{{200, 3}}));
}

// A crash that cut the log before an abort marker: the transaction is open again, and
// the index entry naming the lost marker is gone from memory and from the file.
TEST_F(TransactionsTest, UncleanRestartAfterTheMarkerWasCutOff) {
  uint64_t before_marker = 0;
  {
    auto log = open();
    put(*log, make_batch(1));                        // 0
    put(*log, make_batch(2, 1000, txn(100, 0, 0)));  // 1-2
    before_marker = log->size_bytes();
    mark(*log, 100, MarkerType::kAbort);  // 3
    flush(*log);
    ASSERT_EQ(fs::file_size(seg_path(0, ".txnindex")), 34u);
  }
  fs::resize_file(seg_path(0, ".log"), before_marker + 20);  // a torn marker batch
  auto log = open(false);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(log->last_stable_offset(), 1);
  EXPECT_EQ(log->producer_state().find(100)->current_txn_first_offset, 1);
  EXPECT_TRUE(log->segments().begin()->second->aborted_txns().empty());
  EXPECT_EQ(fs::file_size(seg_path(0, ".txnindex")), 0u);
  EXPECT_TRUE(log->read(0, 1 << 20, true, kCommitted).aborted.empty());
  // The coordinator writes the marker again.
  EXPECT_EQ(mark(*log, 100, MarkerType::kAbort), 3);
  EXPECT_EQ(aborted_of(log->read(0, 1 << 20, true, kCommitted)),
            (std::vector<std::pair<int64_t, int64_t>>{{100, 1}}));
}

TEST_F(TransactionsTest, UncleanRestartRepairsATornOrMissingTxnIndex) {
  const std::vector<AbortedTxnEntry> expected{{1, 0, 2, 3}, {1, 3, 4, 5}};
  {
    auto log = open();
    put(*log, make_batch(2, 1000, txn(1, 0, 0)));  // 0-1
    mark(*log, 1, MarkerType::kAbort);             // 2
    put(*log, make_batch(1, 1000, txn(1, 0, 2)));  // 3
    mark(*log, 1, MarkerType::kAbort);             // 4
    flush(*log);
    ASSERT_EQ(read_txn_index(seg_path(0, ".txnindex")), expected);
  }
  // Torn: half of a third entry.
  {
    std::ofstream out(seg_path(0, ".txnindex"), std::ios::binary | std::ios::app);
    out << "0123456789abcdef";
  }
  {
    auto log = open(false);
    EXPECT_EQ(log->segments().begin()->second->aborted_txns(), expected);
    EXPECT_EQ(read_txn_index(seg_path(0, ".txnindex")), expected);
    EXPECT_EQ(fs::file_size(seg_path(0, ".txnindex")), 68u);
  }
  // Missing, and the first entry lost (a clean restart trusts what it finds, an unclean
  // one re-derives from the log past its snapshot: here the whole log).
  fs::remove(seg_path(0, ".txnindex"));
  {
    auto log = open(false);
    EXPECT_EQ(log->segments().begin()->second->aborted_txns(), expected);
    EXPECT_EQ(read_txn_index(seg_path(0, ".txnindex")), expected);
  }
  // A stray .txnindex without its log is removed like the other index files.
  std::ofstream(seg_path(500, ".txnindex")).put('x');
  auto log = open(true);
  EXPECT_FALSE(fs::exists(seg_path(500, ".txnindex")));
  EXPECT_EQ(log->segments().begin()->second->aborted_txns(), expected);
}

TEST_F(TransactionsTest, ListOffsetsLatestReadCommittedIsTheLastStableOffset) {
  auto log = open();
  put(*log, make_batch(2, 1000));                  // 0-1
  put(*log, make_batch(2, 5000, txn(100, 0, 0)));  // 2-3: open
  put(*log, make_batch(1, 9000));                  // 4
  EXPECT_EQ(log->offset_for_timestamp(kLatestTimestamp, kCommitted).offset, 2);
  EXPECT_EQ(log->offset_for_timestamp(kLatestTimestamp, kUncommitted).offset, 5);
  EXPECT_EQ(log->offset_for_timestamp(kLatestTimestamp).offset, 5);
  EXPECT_EQ(log->offset_for_timestamp(kEarliestTimestamp, kCommitted).offset, 0);
  // A record a read_committed consumer cannot read yet is not found for it.
  EXPECT_EQ(log->offset_for_timestamp(5000, kUncommitted).offset, 2);
  EXPECT_EQ(log->offset_for_timestamp(5000, kCommitted).offset, -1);
  EXPECT_EQ(log->offset_for_timestamp(1001, kCommitted).offset, 1);
  mark(*log, 100, MarkerType::kCommit);
  EXPECT_EQ(log->offset_for_timestamp(kLatestTimestamp, kCommitted).offset, 6);
  EXPECT_EQ(log->offset_for_timestamp(5000, kCommitted).offset, 2);
}

// Internal writers (the group coordinator's TxnOffsetCommit) write transactional batches
// without sequences; markers end them the same way.
TEST_F(TransactionsTest, InternalTransactionalWrites) {
  auto log = open();
  BatchSpec spec = txn(42, 1, -1);
  EXPECT_EQ(append(*log, make_batch(1, 1000, spec), false).error, ErrorCode::NONE);
  EXPECT_EQ(log->last_stable_offset(), 0);
  EXPECT_EQ(log->producer_state().find(42)->current_txn_first_offset, 0);
  EXPECT_EQ(mark(*log, 42, MarkerType::kCommit, 1, 2), 1);
  EXPECT_EQ(log->last_stable_offset(), 2);
}

}  // namespace
}  // namespace samsa::storage
