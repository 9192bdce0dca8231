// What the flush path reports to metrics::LogFlushMetrics: each flush job's duration
// and fsync count (from the flusher's threads), and per completed flush the waiters it
// released and the bytes it made durable (group commit).
#include <gtest/gtest.h>

#include "samsa/metrics/broker_metrics.h"
#include "samsa/storage/partition_log.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {

using testing::make_batch;

TEST(FlushMetrics, FlushesReportDurationWaitersAndBytes) {
  testing::TempDir dir;
  testing::TestLoop loop;
  metrics::LogFlushMetrics m;
  Flusher flusher(loop.poster(), 2, &m);
  EXPECT_EQ(flusher.metrics(), &m);
  auto log = PartitionLog::open(dir.sub("t-0"), "t", 0, LogConfig{}, flusher, true, 1000);

  constexpr int kWaiters = 50;
  uint64_t bytes = 0;
  int done = 0;
  for (int i = 0; i < kWaiters; ++i) {
    auto batch = make_batch(2);
    bytes += batch.size();
    AppendOptions o;
    o.now_ms = 1000;
    const AppendResult r = log->append(batch, o);
    ASSERT_EQ(r.error, ErrorCode::NONE);
    log->when_flushed(r.last_offset, [&done](ErrorCode) { ++done; });
    if (i % 10 == 9) loop.drain();
  }
  ASSERT_TRUE(loop.run_until([&] { return done == kWaiters; }));

  // Every waiter was released by exactly one completed flush, and every byte appended
  // was counted by exactly one.
  EXPECT_DOUBLE_EQ(m.batch_requests().sum(), kWaiters);
  EXPECT_DOUBLE_EQ(m.batch_bytes().sum(), static_cast<double>(bytes));
  const uint64_t flushes = m.batch_requests().count();
  EXPECT_GE(flushes, 1u);
  EXPECT_LT(flushes, static_cast<uint64_t>(kWaiters));  // shared: group commit
  // The durations come from the flusher's threads, one per job.
  EXPECT_EQ(m.duration().count(), flusher.job_count());
  EXPECT_GT(m.duration().sum(), 0);

  std::string out;
  metrics::TextWriter w(out);
  m.write(w);
  EXPECT_NE(out.find("samsa_log_fsyncs_total " + std::to_string(flusher.fsync_count()) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("samsa_log_flush_failures_total 0\n"), std::string::npos);
  log->close();
}

}  // namespace
}  // namespace samsa::storage
