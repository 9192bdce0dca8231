// The cleaner on a real log: segments rewritten and swapped in, crashes at every step of
// the swap, and reads and ListOffsets across the offset gaps a clean leaves.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "cleaner_test_util.h"
#include "samsa/storage/cleaner/record_filter.h"
#include "samsa/storage/cleaner/segment_cleaner.h"
#include "samsa/storage/partition_log.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using cleaner::SwapStep;
using testing::decode_records;
using testing::DecodedRecord;
using testing::KV;

class CleanerLogTest : public ::testing::Test {
 protected:
  CleanerLogTest() {
    config_.segment_bytes = 700;  // a few batches per segment
    config_.index_interval_bytes = 128;
    config_.cleanup_policy = "compact";
  }
  std::string dir() const { return dir_.sub("t-0"); }
  std::unique_ptr<PartitionLog> open(bool clean = true) {
    return PartitionLog::open(dir(), "t", 0, config_, flusher_, clean, now_);
  }
  // 40 batches of 3 records over 7 keys (every 9th record a tombstone, every 13th
  // keyless), timestamps rising with the offset.
  void produce(PartitionLog& log) {
    int64_t offset = log.log_end_offset();
    for (int b = 0; b < 40; ++b) {
      std::vector<KV> kvs;
      for (int r = 0; r < 3; ++r, ++offset) {
        KV kv;
        if (offset % 13 != 5) kv.key = "key-" + std::to_string(offset % 7);
        if (offset % 9 != 4) kv.value = "value-" + std::to_string(offset);
        kv.timestamp = 1000 + offset;
        kvs.push_back(kv);
      }
      auto batch = testing::keyed_batch(
          kvs, {.compression = b % 2 ? Compression::kLz4 : Compression::kNone});
      AppendOptions o;
      o.now_ms = now_;
      // Keyless records reach a compacted log when its topic became compacted later
      // (produce refuses them once it is): written here as an internal writer would.
      o.from_client = false;
      ASSERT_EQ(log.append(batch, o).error, ErrorCode::NONE);
      for (const KV& kv : kvs) written_.push_back({0, kv.timestamp, kv.key, kv.value});
    }
    for (size_t i = 0; i < written_.size(); ++i) written_[i].offset = static_cast<int64_t>(i);
  }
  // What a clean of [0, end) keeps: the newest record of each key below `end` (tombstones
  // too, before their horizon), and everything from `end` on.
  std::vector<DecodedRecord> expected_after_clean(int64_t end, bool tombstones_gone = false) {
    std::map<std::string, int64_t> newest;
    for (const auto& r : written_) {
      if (r.offset < end && r.key) newest[*r.key] = r.offset;
    }
    std::vector<DecodedRecord> out;
    for (const auto& r : written_) {
      if (r.offset >= end) {
        out.push_back(r);
      } else if (r.key && newest[*r.key] == r.offset && (r.value || !tombstones_gone)) {
        out.push_back(r);
      }
    }
    return out;
  }
  static std::vector<DecodedRecord> read_all(PartitionLog& log) {
    return testing::read_log_records(log);
  }
  std::vector<std::string> leftovers() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir())) {
      const std::string n = e.path().filename().string();
      if (n.ends_with(".cleaned") || n.ends_with(".swap")) names.push_back(n);
    }
    return names;
  }
  LogCleanOptions options() const {
    LogCleanOptions o;
    o.now_ms = now_;
    o.delete_retention_ms = 1000;
    o.dedupe_buffer_bytes = 24 * 1024;
    return o;
  }

  testing::TempDir dir_;
  testing::TestLoop loop_;
  Flusher flusher_{loop_.poster()};
  LogConfig config_;
  int64_t now_ = 1'700'000'000'000;
  std::vector<DecodedRecord> written_;
};

TEST_F(CleanerLogTest, CleanKeepsTheNewestRecordPerKeyAtItsOffset) {
  auto log = open();
  produce(*log);
  const size_t segments = log->segment_count();
  ASSERT_GT(segments, 5u);
  const int64_t active_base = log->segments().rbegin()->first;
  const uint64_t size_before = log->size_bytes();
  ASSERT_EQ(read_all(*log), written_);

  const LogCleanResult r = log->clean(options());
  ASSERT_EQ(r.error, ErrorCode::NONE);
  EXPECT_TRUE(r.cleaned);
  EXPECT_EQ(r.first_dirty_offset, active_base);
  EXPECT_EQ(r.stats.records_read, static_cast<uint64_t>(active_base));
  // Each segment was about segment.bytes: one group each.
  EXPECT_EQ(log->segment_count(), segments);
  EXPECT_LT(log->size_bytes(), size_before);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), static_cast<int64_t>(written_.size()));
  const auto expected = expected_after_clean(active_base);
  EXPECT_EQ(read_all(*log), expected);
  EXPECT_EQ(r.stats.records_removed, written_.size() - expected.size());
  EXPECT_TRUE(leftovers().empty());

  // The same after a restart, clean or not.
  log->close();
  log.reset();
  log = open(true);
  EXPECT_EQ(read_all(*log), expected);
  log.reset();
  log = open(false);
  EXPECT_EQ(read_all(*log), expected);

  // Nothing dirty: nothing to do.
  LogCleanOptions again = options();
  again.first_dirty_offset = r.first_dirty_offset;
  EXPECT_FALSE(log->clean(again).cleaned);
  // A clean from the start again groups the now small segments into fewer.
  const LogCleanResult regroup = log->clean(options());
  EXPECT_TRUE(regroup.cleaned);
  EXPECT_LT(log->segment_count(), segments);
  EXPECT_EQ(regroup.stats.records_removed, 0u);
  EXPECT_EQ(read_all(*log), expected);
}

TEST_F(CleanerLogTest, TombstonesLeaveAtTheSecondCleanAfterTheirHorizon) {
  auto log = open();
  produce(*log);
  const int64_t active_base = log->segments().rbegin()->first;
  ASSERT_TRUE(log->clean(options()).cleaned);
  const auto with_tombstones = expected_after_clean(active_base);
  ASSERT_EQ(read_all(*log), with_tombstones);
  ASSERT_TRUE(
      std::any_of(with_tombstones.begin(), with_tombstones.end(),
                  [&](const DecodedRecord& r) { return !r.value && r.offset < active_base; }));
  // Before the horizon (now + 1000): they stay.
  now_ += 999;
  ASSERT_EQ(log->clean(options()).error, ErrorCode::NONE);
  EXPECT_EQ(read_all(*log), with_tombstones);
  now_ += 1;
  ASSERT_EQ(log->clean(options()).error, ErrorCode::NONE);
  EXPECT_EQ(read_all(*log), expected_after_clean(active_base, true));
}

TEST_F(CleanerLogTest, ReadsAndListOffsetsSkipTheGaps) {
  auto log = open();
  produce(*log);
  const int64_t active_base = log->segments().rbegin()->first;
  ASSERT_TRUE(log->clean(options()).cleaned);
  const auto survivors = expected_after_clean(active_base);
  int checked = 0;
  for (int64_t off = 0; off < active_base; ++off) {
    const auto next = std::find_if(survivors.begin(), survivors.end(),
                                   [&](const DecodedRecord& r) { return r.offset >= off; });
    ASSERT_NE(next, survivors.end());
    if (next->offset == off) continue;  // not removed
    ++checked;
    // Fetch at a removed offset: the batches served start with the next survivor.
    const ReadResult r = log->read(off, 1 << 20, true);
    ASSERT_EQ(r.error, ErrorCode::NONE);
    ASSERT_FALSE(r.slices.empty()) << off;
    std::vector<uint8_t> bytes(r.slices[0].length);
    ASSERT_EQ(::pread(r.slices[0].file->fd(), bytes.data(), bytes.size(),
                      static_cast<off_t>(r.slices[0].offset)),
              static_cast<ssize_t>(bytes.size()));
    const auto got = decode_records(bytes);
    const auto first = std::find_if(got.begin(), got.end(),
                                    [&](const DecodedRecord& d) { return d.offset >= off; });
    ASSERT_NE(first, got.end());
    EXPECT_EQ(*first, *next) << "fetch at " << off;
    // ListOffsets by the removed record's timestamp: the next survivor.
    const OffsetLookup lookup = log->offset_for_timestamp(1000 + off);
    EXPECT_EQ(lookup.offset, next->offset) << "timestamp of " << off;
    EXPECT_EQ(lookup.timestamp, next->timestamp);
  }
  EXPECT_GT(checked, 30);
  EXPECT_EQ(log->offset_for_timestamp(kEarliestTimestamp).offset, 0);
  EXPECT_EQ(log->offset_for_timestamp(kLatestTimestamp).offset, log->log_end_offset());
}

TEST_F(CleanerLogTest, CleanStopsAtTheEndOffsetAndTheLastStableOffset) {
  auto log = open();
  produce(*log);
  // end_offset inside the third segment: only the first two are cleaned.
  auto it = log->segments().begin();
  const int64_t second_end = std::next(it)->second->next_offset();
  LogCleanOptions o = options();
  o.end_offset = second_end + 1;
  const LogCleanResult r = log->clean(o);
  ASSERT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(r.first_dirty_offset, second_end);
  EXPECT_EQ(read_all(*log), expected_after_clean(second_end));
}

// An idempotent producer whose records were all superseded keeps its last batch, emptied,
// so that its sequence survives the clean and a restart that replays the log.
TEST_F(CleanerLogTest, ProducersLastBatchKeepsItsSequenceThroughACleanAndARestart) {
  auto log = open();
  AppendOptions o;
  o.now_ms = now_;
  for (int32_t seq = 0; seq < 6; seq += 2) {
    auto b = testing::keyed_batch({{"k", "old", 1}, {"j", "old", 2}},
                                  storage::testing::idempotent(7, 0, seq));
    ASSERT_EQ(log->append(b, o).error, ErrorCode::NONE);
  }
  const int64_t last_batch = log->log_end_offset() - 2;
  // Newer values for both keys, from another writer, in later segments.
  for (int i = 0; i < 30; ++i) {
    auto b = testing::keyed_batch({{"k", "new", 3}, {"j", "new", 4}});
    ASSERT_EQ(log->append(b, o).error, ErrorCode::NONE);
  }
  ASSERT_GT(log->segment_count(), 3u);
  ASSERT_TRUE(log->clean(options()).cleaned);
  // The producer's batches are gone but the last, which is empty.
  const ReadResult r = log->read(0, 1 << 20, true);
  ASSERT_EQ(r.error, ErrorCode::NONE);
  std::vector<uint8_t> bytes(r.slices.at(0).length);
  ASSERT_EQ(::pread(r.slices[0].file->fd(), bytes.data(), bytes.size(),
                    static_cast<off_t>(r.slices[0].offset)),
            static_cast<ssize_t>(bytes.size()));
  std::vector<BatchHeader> headers;
  decode_records(bytes, &headers);
  std::vector<BatchHeader> of_producer;
  for (const auto& h : headers)
    if (h.producer_id == 7) of_producer.push_back(h);
  ASSERT_EQ(of_producer.size(), 1u);
  EXPECT_EQ(of_producer[0].base_offset, last_batch);
  EXPECT_EQ(of_producer[0].record_count, 0);
  EXPECT_EQ(of_producer[0].last_sequence(), 5);

  // A restart without producer snapshots rebuilds the state from the log alone.
  log.reset();
  for (const auto& e : fs::directory_iterator(dir()))
    if (e.path().extension() == ".snapshot") fs::remove(e.path());
  log = open(false);
  const ProducerEntry* p = log->producer_state().find(7);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(p->last(), nullptr);
  EXPECT_EQ(p->last()->last_seq, 5);
  auto next = testing::keyed_batch({{"k", "again", 5}}, storage::testing::idempotent(7, 0, 6));
  EXPECT_EQ(log->append(next, o).error, ErrorCode::NONE);
  auto gap = testing::keyed_batch({{"k", "gap", 6}}, storage::testing::idempotent(7, 0, 9));
  EXPECT_EQ(log->append(gap, o).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
}

size_t txn_index_entries(const PartitionLog& log) {
  size_t n = 0;
  for (const auto& [_, seg] : log.segments()) n += seg->aborted_txns().size();
  return n;
}

// Transactions in a compacted log, as Kafka's cleaner treats them: aborted data goes at
// the first clean; a marker stays while data of its transaction is left before it (an
// abort marker with its .txnindex entry), is then stamped with a delete horizon and goes
// at the first clean past it. The marker of a producer's last transaction stays with
// that transaction's emptied batch, which holds the producer's sequence.
TEST_F(CleanerLogTest, TransactionMarkersGoOnceTheirDataIsGoneAndTheirHorizonHasPassed) {
  auto log = open();
  AppendOptions o;
  o.now_ms = now_;
  auto txn = [](int32_t seq) {
    BatchSpec s = storage::testing::idempotent(100, 0, seq);
    s.transactional = true;
    return s;
  };
  auto marker = [&](MarkerType type) {
    const AppendResult r = log->append_marker(100, 0, type, 1, now_);
    EXPECT_EQ(r.error, ErrorCode::NONE);
    return r.base_offset;
  };
  auto txn0 = testing::keyed_batch({{"b", "aborted", 1}}, txn(0));
  ASSERT_EQ(log->append(txn0, o).error, ErrorCode::NONE);
  const int64_t abort_at = marker(MarkerType::kAbort);
  auto txn1 = testing::keyed_batch({{"a", "committed", 2}}, txn(1));
  ASSERT_EQ(log->append(txn1, o).error, ErrorCode::NONE);
  const int64_t first_commit_at = marker(MarkerType::kCommit);
  auto txn2 = testing::keyed_batch({{"d", "last", 3}}, txn(2));
  ASSERT_EQ(log->append(txn2, o).error, ErrorCode::NONE);
  const int64_t last_commit_at = marker(MarkerType::kCommit);
  // Newer values of every key from a plain writer, over several segments.
  for (int i = 0; i < 30; ++i) {
    auto b = testing::keyed_batch({{"a", "new", 4}, {"b", "new", 4}, {"d", "new", 4}});
    ASSERT_EQ(log->append(b, o).error, ErrorCode::NONE);
  }
  ASSERT_GT(log->segment_count(), 3u);
  ASSERT_EQ(txn_index_entries(*log), 1u);
  auto markers = [&] {
    std::vector<BatchHeader> headers, out;
    testing::read_log_records(*log, &headers);
    for (const BatchHeader& h : headers)
      if (h.is_control()) out.push_back(h);
    return out;
  };
  auto offsets_of = [](const std::vector<BatchHeader>& hs) {
    std::vector<int64_t> out;
    for (const auto& h : hs) out.push_back(h.base_offset);
    return out;
  };
  const std::vector<int64_t> all_markers{abort_at, first_commit_at, last_commit_at};

  // 1st clean: the transactions' data goes (the aborted batch, the superseded ones); the
  // markers stay, the abort marker with its entry.
  ASSERT_TRUE(log->clean(options()).cleaned);
  EXPECT_EQ(offsets_of(markers()), all_markers);
  EXPECT_EQ(txn_index_entries(*log), 1u);
  for (const auto& r : read_all(*log)) EXPECT_NE(r.value, std::optional<std::string>("aborted"));

  // 2nd clean: no data before the first two markers any more: stamped, the entry gone.
  // The last transaction's emptied batch is still there: its marker is left alone.
  ASSERT_EQ(log->clean(options()).error, ErrorCode::NONE);
  auto m = markers();
  ASSERT_EQ(offsets_of(m), all_markers);
  EXPECT_TRUE(cleaner::has_delete_horizon(m[0]));
  EXPECT_TRUE(cleaner::has_delete_horizon(m[1]));
  EXPECT_EQ(m[0].base_timestamp, now_ + options().delete_retention_ms);
  EXPECT_FALSE(cleaner::has_delete_horizon(m[2]));
  EXPECT_EQ(txn_index_entries(*log), 0u);
  EXPECT_TRUE(log->read(0, 1 << 20, true, IsolationLevel::kReadCommitted).aborted.empty());

  // Before the horizon they stay; at it they go.
  now_ += options().delete_retention_ms - 1;
  ASSERT_EQ(log->clean(options()).error, ErrorCode::NONE);
  EXPECT_EQ(markers().size(), 3u);
  now_ += 1;
  ASSERT_EQ(log->clean(options()).error, ErrorCode::NONE);
  m = markers();
  ASSERT_EQ(offsets_of(m), std::vector<int64_t>{last_commit_at});
  EXPECT_EQ(m[0].record_count, 1);
  const auto after = read_all(*log);

  // A restart that rebuilds producer state from the log alone finds no open transaction.
  log.reset();
  for (const auto& e : fs::directory_iterator(dir()))
    if (e.path().extension() == ".snapshot") fs::remove(e.path());
  log = open(false);
  EXPECT_EQ(read_all(*log), after);
  EXPECT_EQ(log->last_stable_offset(), log->log_end_offset());
  EXPECT_EQ(txn_index_entries(*log), 0u);
  const ProducerEntry* p = log->producer_state().find(100);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(p->last(), nullptr);
  EXPECT_EQ(p->last()->last_seq, 2);
  EXPECT_EQ(p->current_txn_first_offset, -1);
}

// A crash after each step of the swap: the log reopens with every record that should
// exist exactly once, at its offset, and no cleaner file left.
class CleanerCrashTest : public CleanerLogTest, public ::testing::WithParamInterface<int> {};

TEST_P(CleanerCrashTest, RecoversFromACrashAfterEachStep) {
  const auto step = static_cast<SwapStep>(GetParam());
  int64_t active_base;
  {
    auto log = open();
    produce(*log);
    active_base = log->segments().rbegin()->first;
    config_.segment_bytes = 1 << 20;  // one group: the whole clean is one swap
    log->set_config(config_);
    LogCleanOptions o = options();
    o.last_step = step;
    ASSERT_EQ(log->clean(o).error, ErrorCode::NONE);
    // The process dies here: no close().
  }
  auto log = open(false);
  EXPECT_TRUE(leftovers().empty());
  const auto got = read_all(*log);
  if (step < SwapStep::kRenameToSwap) {
    EXPECT_EQ(got, written_);  // not committed: the log as it was
  } else {
    EXPECT_EQ(got, expected_after_clean(active_base));
  }
  EXPECT_EQ(log->log_end_offset(), static_cast<int64_t>(written_.size()));
  // And the log goes on: appends, and a new clean.
  produce(*log);
  EXPECT_EQ(log->clean(options()).error, ErrorCode::NONE);
}

INSTANTIATE_TEST_SUITE_P(CleanerSteps, CleanerCrashTest, ::testing::Values(1, 2, 3, 4));

// Crashes in the middle of a step, made by hand on a closed log's files.
class CleanerPartialStepTest : public CleanerLogTest {
 protected:
  // Cleans every sealed segment of a closed log up to step 1 (the .cleaned files).
  void prepare() {
    {
      auto log = open();
      produce(*log);
      log->close();
    }
    std::vector<int64_t> bases;
    for (const auto& e : fs::directory_iterator(dir())) {
      const std::string n = e.path().filename().string();
      if (n.size() == 24 && n.ends_with(".log")) bases.push_back(std::stoll(n.substr(0, 20)));
    }
    std::sort(bases.begin(), bases.end());
    active_base_ = bases.back();
    bases.pop_back();
    for (int64_t b : bases) {
      const std::string p = segment_file_path(dir(), b, ".log");
      const int fd = ::open(p.c_str(), O_RDONLY);
      ASSERT_GE(fd, 0);
      sources_.push_back({b, std::make_shared<FileHandle>(fd), fs::file_size(p)});
      replaced_.push_back(b);
    }
    ASSERT_EQ(cleaner::build_offset_map(sources_, 0, active_base_, {}, map_, stats_), active_base_);
    // Sources last written an hour or more ago: the cleaned log takes the newest time.
    for (size_t i = 0; i < sources_.size(); ++i) {
      const struct timespec times[2] = {{0, UTIME_OMIT},
                                        {1'600'000'000 + static_cast<time_t>(i), 0}};
      ASSERT_EQ(::futimens(sources_[i].file->fd(), times), 0);
    }
    cleaner::CleaningContext ctx;
    ctx.now_ms = now_;
    ctx.map = &map_;
    cleaned_ = cleaner::write_cleaned_segment(dir(), sources_, ctx, 128, stats_);
    struct stat st;
    ASSERT_EQ(
        ::stat(cleaner::cleaner_file_path(dir(), cleaned_.base_offset, ".log", ".cleaned").c_str(),
               &st),
        0);
    EXPECT_EQ(st.st_mtim.tv_sec, 1'600'000'000 + static_cast<time_t>(sources_.size() - 1));
    sources_.clear();  // closes the files
  }
  void rename(int64_t base, const char* ext, const char* from, const char* to) {
    fs::rename(cleaner::cleaner_file_path(dir(), base, ext, from),
               cleaner::cleaner_file_path(dir(), base, ext, to));
  }
  void expect_recovers(const std::vector<DecodedRecord>& expected) {
    auto log = open(false);
    EXPECT_TRUE(leftovers().empty());
    const auto got = read_all(*log);
    EXPECT_EQ(got, expected);
  }
  int64_t active_base_ = 0;
  std::vector<cleaner::SourceSegment> sources_;
  std::vector<int64_t> replaced_;
  cleaner::OffsetMap map_{24 * 1024};
  cleaner::CleanStats stats_;
  cleaner::CleanedSegment cleaned_;
};

TEST_F(CleanerPartialStepTest, RenameToSwapCutShortIsUndone) {
  prepare();
  rename(cleaned_.base_offset, ".index", ".cleaned", ".swap");
  rename(cleaned_.base_offset, ".timeindex", ".cleaned", ".swap");
  expect_recovers(written_);
}

TEST_F(CleanerPartialStepTest, DeletionCutShortIsCompleted) {
  prepare();
  cleaner::rename_cleaned_to_swap(dir(), cleaned_.base_offset);
  // The first two replaced segments are gone, the index of the third too.
  fs::remove(segment_file_path(dir(), replaced_[0], ".index"));
  fs::remove(segment_file_path(dir(), replaced_[0], ".log"));
  fs::remove(segment_file_path(dir(), replaced_[1], ".log"));
  fs::remove(segment_file_path(dir(), replaced_[2], ".index"));
  expect_recovers(expected_after_clean(active_base_));
}

TEST_F(CleanerPartialStepTest, FinalRenameCutShortIsCompleted) {
  prepare();
  cleaner::rename_cleaned_to_swap(dir(), cleaned_.base_offset);
  cleaner::delete_replaced_segments(dir(), replaced_);
  rename(cleaned_.base_offset, ".index", ".swap", "");
  rename(cleaned_.base_offset, ".timeindex", ".swap", "");
  expect_recovers(expected_after_clean(active_base_));
  // The index renamed before the crash was kept, not rebuilt from nothing.
  EXPECT_GT(fs::file_size(segment_file_path(dir(), cleaned_.base_offset, ".index")), 0u);
}

}  // namespace
}  // namespace samsa::storage
