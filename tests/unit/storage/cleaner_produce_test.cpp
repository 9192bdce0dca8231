// Compacted topics refuse records without a key at produce time (INVALID_RECORD), as
// Kafka's LogValidator does; internal writers and other topics are not affected.
#include <gtest/gtest.h>

#include "cleaner_test_util.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/txn_index.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {
using testing::keyed_batch;
using testing::KV;

// The validator lists the keyless records of the first batch holding any, in the pass that
// validates the records (no second decompression), only when asked.
TEST(CleanerKeyless, TheValidatorListsRecordsWithoutAKey) {
  BatchValidator validator;
  std::vector<ValidatedBatch> out;
  std::string message;
  auto keyless = [&](std::vector<uint8_t> payload, bool find, bool control = false) {
    ValidationLimits limits;
    limits.find_keyless_records = find;
    limits.allow_control_batches = control;
    EXPECT_EQ(validator.validate(payload, limits, out, message), ErrorCode::NONE) << message;
    return validator.keyless_records();
  };
  using Indexes = std::vector<int32_t>;
  for (const Compression codec : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd}) {
    BatchSpec spec;
    spec.compression = codec;
    EXPECT_EQ(keyless(keyed_batch({{"a", "1", 1}, {"b", "2", 2}}, spec), true), Indexes{});
    const auto mixed = keyed_batch(
        {{"a", "1", 1}, {"", "2", 2}, {std::nullopt, "3", 3}, {std::nullopt, "4", 4}}, spec);
    EXPECT_EQ(keyless(mixed, true), (Indexes{2, 3}));  // an empty key is a key
    EXPECT_EQ(keyless(mixed, false), Indexes{});
    // Two batches: the first one holding a keyless record is reported.
    std::vector<uint8_t> two = keyed_batch({{"a", "1", 1}}, spec);
    const auto second = keyed_batch({{std::nullopt, "2", 2}, {"b", "3", 3}}, spec);
    two.insert(two.end(), second.begin(), second.end());
    EXPECT_EQ(keyless(two, true), Indexes{0});
  }
  const auto marker = build_txn_marker_batch(1, 0, {MarkerType::kCommit, 0}, 5);
  EXPECT_EQ(keyless(marker, true, true), Indexes{});
}

class CleanerProduceTest : public ::testing::Test {
 protected:
  std::unique_ptr<PartitionLog> open(const std::string& policy) {
    LogConfig c;
    c.cleanup_policy = policy;
    return PartitionLog::open(dir_.sub("t-0"), "t", 0, c, flusher_, true, 1000);
  }
  static AppendResult append(PartitionLog& log, std::vector<uint8_t> batch, bool client = true) {
    AppendOptions o;
    o.now_ms = 1000;
    o.from_client = client;
    return log.append(batch, o);
  }
  testing::TempDir dir_;
  testing::TestLoop loop_;
  Flusher flusher_{loop_.poster()};
};

TEST_F(CleanerProduceTest, CompactedTopicRefusesKeylessRecords) {
  for (const std::string policy : {"compact", "delete,compact"}) {
    auto log = open(policy);
    const int64_t end = log->log_end_offset();
    BatchSpec lz4;
    lz4.compression = Compression::kLz4;
    const AppendResult r = append(
        *log, keyed_batch({{"a", "1", 1}, {std::nullopt, "2", 2}, {std::nullopt, "3", 3}}, lz4));
    EXPECT_EQ(r.error, ErrorCode::INVALID_RECORD) << policy;
    // Kafka's LogValidator: every keyless record of the batch, by index, and the first
    // three in the partition's message.
    const std::string why =
        "Compacted topic cannot accept message without key in topic partition t-0";
    ASSERT_EQ(r.record_errors.size(), 2u);
    EXPECT_EQ(r.record_errors[0].batch_index, 1);
    EXPECT_EQ(r.record_errors[1].batch_index, 2);
    EXPECT_EQ(r.record_errors[0].message, why);
    EXPECT_EQ(r.error_message,
              "One or more records have been rejected due to 2 record errors in total, and only "
              "showing the first three errors at most: [RecordError(batchIndex=1, message='" +
                  why + "'), RecordError(batchIndex=2, message='" + why + "')]");
    EXPECT_EQ(log->log_end_offset(), end);
    EXPECT_EQ(append(*log, keyed_batch({{"a", "1", 1}, {"b", std::nullopt, 2}})).error,
              ErrorCode::NONE);
    // Internal writers (the coordinators' logs) are trusted.
    EXPECT_EQ(append(*log, keyed_batch({{std::nullopt, "x", 3}}), false).error, ErrorCode::NONE);
    log.reset();
    std::filesystem::remove_all(dir_.sub("t-0"));
  }
}

TEST_F(CleanerProduceTest, DeleteTopicTakesKeylessRecords) {
  auto log = open("delete");
  EXPECT_EQ(append(*log, keyed_batch({{std::nullopt, "x", 1}})).error, ErrorCode::NONE);
}

}  // namespace
}  // namespace samsa::storage
