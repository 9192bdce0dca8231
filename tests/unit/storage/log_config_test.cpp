#include "samsa/storage/log_config.h"

#include <gtest/gtest.h>

namespace samsa::storage {
namespace {

TEST(LogConfig, KafkaDefaults) {
  LogConfig c;
  EXPECT_EQ(c.segment_bytes, 1073741824);
  EXPECT_EQ(c.segment_ms, 604800000);
  EXPECT_EQ(c.retention_ms, 604800000);
  EXPECT_EQ(c.retention_bytes, -1);
  EXPECT_EQ(c.max_message_bytes, 1048588);
  EXPECT_EQ(c.index_interval_bytes, 4096);
  EXPECT_EQ(c.segment_index_bytes, 10485760);
  EXPECT_EQ(c.flush_messages, LogConfig::kNoLimit);
  EXPECT_EQ(c.to_topic_configs().at("message.timestamp.type"), "CreateTime");
  EXPECT_EQ(c.to_topic_configs().at("cleanup.policy"), "delete");
}

TEST(LogConfig, BrokerRetentionPrecedence) {
  LogConfig c;
  std::string msg;
  ASSERT_EQ(LogConfig::from_broker({{"log.retention.hours", "1"}}, c, msg), ErrorCode::NONE);
  EXPECT_EQ(c.retention_ms, 3600000);
  ASSERT_EQ(LogConfig::from_broker({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}},
                                   c, msg),
            ErrorCode::NONE);
  EXPECT_EQ(c.retention_ms, 120000);
  ASSERT_EQ(
      LogConfig::from_broker({{"log.retention.minutes", "2"}, {"log.retention.ms", "5"}}, c, msg),
      ErrorCode::NONE);
  EXPECT_EQ(c.retention_ms, 5);
  ASSERT_EQ(LogConfig::from_broker({{"log.retention.hours", "-1"}}, c, msg), ErrorCode::NONE);
  EXPECT_EQ(c.retention_ms, -1);
  ASSERT_EQ(LogConfig::from_broker({{"log.segment.bytes", "1048576"},
                                    {"message.max.bytes", "2000000"},
                                    {"log.roll.hours", "1"},
                                    {"log.message.timestamp.type", "LogAppendTime"},
                                    {"unrelated.key", "x"}},
                                   c, msg),
            ErrorCode::NONE);
  EXPECT_EQ(c.segment_bytes, 1048576);
  EXPECT_EQ(c.max_message_bytes, 2000000);
  EXPECT_EQ(c.segment_ms, 3600000);
  EXPECT_EQ(c.message_timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_EQ(LogConfig::from_broker({{"log.segment.bytes", "abc"}}, c, msg),
            ErrorCode::INVALID_CONFIG);
}

TEST(LogConfig, TopicOverridesAndValidation) {
  LogConfig base, out;
  std::string msg;
  ASSERT_EQ(base.with_overrides({{"retention.ms", "1000"},
                                 {"cleanup.policy", "compact,delete"},
                                 {"compression.type", "zstd"},
                                 {"preallocate", "false"}},
                                out, msg),
            ErrorCode::NONE);
  EXPECT_EQ(out.retention_ms, 1000);
  EXPECT_EQ(out.cleanup_policy, "compact,delete");
  EXPECT_EQ(out.compression_type, "zstd");
  EXPECT_EQ(out.to_topic_configs().at("preallocate"), "false");

  const std::pair<const char*, const char*> bad[] = {
      {"segment.bytes", "10"},
      {"segment.bytes", "x"},
      {"retention.ms", "-2"},
      {"max.message.bytes", "-1"},
      {"message.timestamp.type", "Now"},
      {"cleanup.policy", "keep"},
      {"flush.messages", "0"},
      {"min.insync.replicas", "0"},
      {"compression.type", "brotli"},
      {"no.such.config", "1"},
      {"segment.index.bytes", "3"},
      {"max.message.bytes", "99999999999"},
  };
  for (const auto& [k, v] : bad) {
    LogConfig untouched;
    untouched.retention_ms = 42;
    EXPECT_EQ(base.with_overrides({{k, v}}, untouched, msg), ErrorCode::INVALID_CONFIG) << k;
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(untouched.retention_ms, 42);
  }
  EXPECT_TRUE(LogConfig::is_topic_key("retention.bytes"));
  EXPECT_FALSE(LogConfig::is_topic_key("log.retention.bytes"));
}

}  // namespace
}  // namespace samsa::storage
