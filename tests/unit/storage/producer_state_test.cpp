#include "samsa/storage/producer_state.h"

#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace samsa::storage
