#include "samsa/storage/log_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

namespace samsa::storage {
namespace {

// Keys that Kafka accepts on a topic; samsa keeps them so they round-trip.
const std::vector<std::string> kPassthroughKeys = {
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.zstd.level",
    "file.delete.delay.ms",
    "follower.replication.throttled.replicas",
    "leader.replication.throttled.replicas",
    "local.retention.bytes",
    "local.retention.ms",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.difference.max.ms",
    "preallocate",
    "remote.log.copy.disable",
    "remote.log.delete.on.disable",
    "remote.storage.enable",
    "segment.jitter.ms",
    "unclean.leader.election.enable",
};

bool parse_i64(std::string_view s, int64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

using Setter = std::function<bool(LogConfig&, std::string_view, std::string&)>;

Setter long_at_least(int64_t LogConfig::*field, int64_t min) {
  return [field, min](LogConfig& c, std::string_view v, std::string& msg) {
    int64_t x;
    if (!parse_i64(v, x) || x < min) {
      msg = fmt::format("value must be a long >= {}", min);
      return false;
    }
    c.*field = x;
    return true;
  };
}

Setter int_at_least(int32_t LogConfig::*field, int64_t min) {
  return [field, min](LogConfig& c, std::string_view v, std::string& msg) {
    int64_t x;
    if (!parse_i64(v, x) || x < min || x > INT32_MAX) {
      msg = fmt::format("value must be an int >= {}", min);
      return false;
    }
    c.*field = static_cast<int32_t>(x);
    return true;
  };
}

// Compaction settings: typed for the cleaner, and kept as given for reporting.
Setter kept_as_given(const char* key, Setter setter) {
  return [key, setter](LogConfig& c, std::string_view v, std::string& msg) {
    if (!setter(c, v, msg)) return false;
    c.passthrough[key] = std::string(v);
    return true;
  };
}

bool set_dirty_ratio(LogConfig& c, std::string_view v, std::string& msg) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  double x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !(x >= 0 && x <= 1)) {
    msg = "value must be a double in [0,...,1]";
    return false;
  }
  c.min_cleanable_dirty_ratio = x;
  return true;
}

bool set_timestamp_type(LogConfig& c, std::string_view v, std::string& msg) {
  if (v == "CreateTime") {
    c.message_timestamp_type = TimestampType::kCreateTime;
  } else if (v == "LogAppendTime") {
    c.message_timestamp_type = TimestampType::kLogAppendTime;
  } else {
    msg = "value must be CreateTime or LogAppendTime";
    return false;
  }
  return true;
}

bool set_cleanup_policy(LogConfig& c, std::string_view v, std::string& msg) {
  // A comma list of delete/compact, as Kafka accepts.
  size_t start = 0;
  bool any = false;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view item = v.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item != "delete" && item != "compact") {
      msg = "value must be a list of delete, compact";
      return false;
    }
    any = true;
    start = comma + 1;
  }
  if (!any) return false;
  c.cleanup_policy = std::string(v);
  return true;
}

bool set_compression(LogConfig& c, std::string_view v, std::string& msg) {
  static const char* kAllowed[] = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
  if (std::find(std::begin(kAllowed), std::end(kAllowed), v) == std::end(kAllowed)) {
    msg = "value must be one of producer, uncompressed, gzip, snappy, lz4, zstd";
    return false;
  }
  c.compression_type = std::string(v);
  return true;
}

const std::map<std::string, Setter, std::less<>>& topic_setters() {
  static const std::map<std::string, Setter, std::less<>> setters = {
      // Kafka's lower bounds (LogConfig.java's ConfigDef).
      {"segment.bytes", long_at_least(&LogConfig::segment_bytes, 14)},
      {"segment.ms", long_at_least(&LogConfig::segment_ms, 1)},
      {"retention.ms", long_at_least(&LogConfig::retention_ms, -1)},
      {"retention.bytes", long_at_least(&LogConfig::retention_bytes, INT64_MIN)},
      {"max.message.bytes", int_at_least(&LogConfig::max_message_bytes, 0)},
      {"message.timestamp.type", set_timestamp_type},
      {"cleanup.policy", set_cleanup_policy},
      {"index.interval.bytes", int_at_least(&LogConfig::index_interval_bytes, 0)},
      {"segment.index.bytes", int_at_least(&LogConfig::segment_index_bytes, 4)},
      {"flush.messages", long_at_least(&LogConfig::flush_messages, 1)},
      {"flush.ms", long_at_least(&LogConfig::flush_ms, 0)},
      {"min.insync.replicas", int_at_least(&LogConfig::min_insync_replicas, 1)},
      {"compression.type", set_compression},
      {"min.cleanable.dirty.ratio", kept_as_given("min.cleanable.dirty.ratio", set_dirty_ratio)},
      {"min.compaction.lag.ms",
       kept_as_given("min.compaction.lag.ms", long_at_least(&LogConfig::min_compaction_lag_ms, 0))},
      {"max.compaction.lag.ms",
       kept_as_given("max.compaction.lag.ms", long_at_least(&LogConfig::max_compaction_lag_ms, 1))},
      {"delete.retention.ms",
       kept_as_given("delete.retention.ms", long_at_least(&LogConfig::delete_retention_ms, 0))},
  };
  return setters;
}

}  // namespace

std::optional<Compression> LogConfig::target_compression() const {
  static const std::map<std::string, Compression, std::less<>> codecs = {
      {"uncompressed", Compression::kNone},
      {"gzip", Compression::kGzip},
      {"snappy", Compression::kSnappy},
      {"lz4", Compression::kLz4},
      {"zstd", Compression::kZstd}};
  const auto it = codecs.find(compression_type);
  if (it == codecs.end()) return std::nullopt;  // "producer"
  return it->second;
}

const std::vector<std::string>& LogConfig::topic_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& [name, _] : topic_setters()) k.push_back(name);
    k.insert(k.end(), kPassthroughKeys.begin(), kPassthroughKeys.end());
    std::sort(k.begin(), k.end());
    return k;
  }();
  return keys;
}

bool LogConfig::is_topic_key(std::string_view key) {
  return topic_setters().count(key) ||
         std::find(kPassthroughKeys.begin(), kPassthroughKeys.end(), key) != kPassthroughKeys.end();
}

ErrorCode LogConfig::with_overrides(const ConfigMap& overrides, LogConfig& out,
                                    std::string& message) const {
  LogConfig c = *this;
  for (const auto& [key, value] : overrides) {
    const auto it = topic_setters().find(key);
    if (it == topic_setters().end()) {
      if (!is_topic_key(key)) {
        message = fmt::format("Unknown topic config name: {}", key);
        return ErrorCode::INVALID_CONFIG;
      }
      c.passthrough[key] = value;
      continue;
    }
    std::string why;
    if (!it->second(c, value, why)) {
      message = fmt::format("Invalid value {} for configuration {}: {}", value, key, why);
      return ErrorCode::INVALID_CONFIG;
    }
  }
  out = std::move(c);
  return ErrorCode::NONE;
}

ErrorCode LogConfig::from_broker(const ConfigMap& props, LogConfig& out, std::string& message) {
  // Broker key -> topic key, applied in order; later entries win, which encodes
  // Kafka's precedence (log.retention.ms over .minutes over .hours; log.roll.ms over
  // log.roll.hours).
  struct Mapping {
    const char* broker_key;
    const char* topic_key;
    int64_t multiplier;  // hours/minutes -> ms
  };
  static const Mapping kMappings[] = {
      {"log.segment.bytes", "segment.bytes", 1},
      {"log.roll.hours", "segment.ms", 3600000},
      {"log.roll.ms", "segment.ms", 1},
      {"log.retention.hours", "retention.ms", 3600000},
      {"log.retention.minutes", "retention.ms", 60000},
      {"log.retention.ms", "retention.ms", 1},
      {"log.retention.bytes", "retention.bytes", 1},
      {"message.max.bytes", "max.message.bytes", 1},
      {"log.message.timestamp.type", "message.timestamp.type", 1},
      {"log.cleanup.policy", "cleanup.policy", 1},
      {"log.index.interval.bytes", "index.interval.bytes", 1},
      {"log.index.size.max.bytes", "segment.index.bytes", 1},
      {"log.flush.interval.messages", "flush.messages", 1},
      {"log.flush.interval.ms", "flush.ms", 1},
      {"min.insync.replicas", "min.insync.replicas", 1},
      {"compression.type", "compression.type", 1},
      {"log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio", 1},
      {"log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms", 1},
      {"log.cleaner.max.compaction.lag.ms", "max.compaction.lag.ms", 1},
      {"log.cleaner.delete.retention.ms", "delete.retention.ms", 1},
  };
  LogConfig c;
  for (const Mapping& m : kMappings) {
    const auto it = props.find(m.broker_key);
    if (it == props.end()) continue;
    std::string value = it->second;
    if (m.multiplier != 1) {
      int64_t x;
      if (!parse_i64(value, x)) {
        message = fmt::format("Invalid value {} for configuration {}", value, m.broker_key);
        return ErrorCode::INVALID_CONFIG;
      }
      // A negative retention means "forever" whatever the unit.
      value = std::to_string(x < 0 ? -1 : x * m.multiplier);
    }
    std::string why;
    if (!topic_setters().find(m.topic_key)->second(c, value, why)) {
      message =
          fmt::format("Invalid value {} for configuration {}: {}", it->second, m.broker_key, why);
      return ErrorCode::INVALID_CONFIG;
    }
  }
  out = std::move(c);
  return ErrorCode::NONE;
}

ConfigMap LogConfig::to_topic_configs() const {
  ConfigMap m = passthrough;
  m["segment.bytes"] = std::to_string(segment_bytes);
  m["segment.ms"] = std::to_string(segment_ms);
  m["retention.ms"] = std::to_string(retention_ms);
  m["retention.bytes"] = std::to_string(retention_bytes);
  m["max.message.bytes"] = std::to_string(max_message_bytes);
  m["message.timestamp.type"] =
      message_timestamp_type == TimestampType::kLogAppendTime ? "LogAppendTime" : "CreateTime";
  m["cleanup.policy"] = cleanup_policy;
  m["index.interval.bytes"] = std::to_string(index_interval_bytes);
  m["segment.index.bytes"] = std::to_string(segment_index_bytes);
  m["flush.messages"] = std::to_string(flush_messages);
  m["flush.ms"] = std::to_string(flush_ms);
  m["min.insync.replicas"] = std::to_string(min_insync_replicas);
  m["compression.type"] = compression_type;
  return m;
}

}  // namespace samsa::storage
