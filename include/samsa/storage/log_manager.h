// The log manager owns `log.dirs` (the first directory of the list), the flusher
// thread, and every topic: creation, loading at start, deletion, partition growth,
// config overrides, retention and the clean-shutdown marker.
//
// Topic metadata (name, 16-byte id, partition count, config overrides) is committed
// durably before create_topic returns: `<logdir>/__samsa_topics/<topic>.meta` is
// written to a temp file, fsynced, renamed and the directory fsynced. Each partition
// directory also carries Kafka's `partition.metadata` (version, topic_id).
//
// Start-up's durable steps (the marker's removal, the broker's meta.properties) wait in
// a StartGate until the first change to the logs.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/cleaner/cleanable.h"
#include "samsa/storage/cleaner/cleaner_threads.h"
#include "samsa/storage/flusher.h"
#include "samsa/storage/log_config.h"
#include "samsa/storage/open_file_cache.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/start_gate.h"
#include "samsa/util/uuid.h"

namespace samsa::metrics {
class LogCleanerMetrics;
}  // namespace samsa::metrics

namespace samsa::storage {

using TopicId = util::UuidBytes;

// Kafka prints topic ids as URL-safe base64 without padding (22 characters).
std::string topic_id_to_string(const TopicId& id);
std::optional<TopicId> topic_id_from_string(std::string_view text);

struct TopicMetadata {
  std::string name;
  TopicId topic_id{};
  int32_t partition_count = 0;
  ConfigMap config_overrides;  // topic-level configs as given (validated)
};

struct LogManagerOptions {
  std::string log_dirs;     // log.dirs (or log.dir): comma list, the first is used
  ConfigMap broker_config;  // server properties; the log.* keys give topic defaults
  PostToLoop post_to_loop;  // runs completions on the event loop
  int64_t now_ms = 0;
  // How many segment log files stay open at once (samsa.log.open.files.max); 0: half of
  // the process's open-file limit (open_file_capacity_for_limit).
  size_t open_segment_files_max = 0;
  // Durable steps of the caller's that must be done before any log changes (the
  // broker's meta.properties on a first start). They run after the marker's removal.
  std::vector<StartGate::Step> before_first_write;
  // Called (on the loop thread) when a start-up step failed: the logs stay read-only.
  StartGate::Failed on_start_failure;
  // Flush durations and group-commit sizes (optional; must outlive the manager).
  metrics::LogFlushMetrics* flush_metrics = nullptr;
  // The log cleaner's counters (optional; must outlive the manager).
  metrics::LogCleanerMetrics* cleaner_metrics = nullptr;
};

// What one LogManager::clean_now did.
struct LogCleanerSummary {
  size_t logs_cleaned = 0;
  size_t logs_failed = 0;
  cleaner::CleanStats stats;
};

class LogManager {
 public:
  // Opens the log directory and restores every topic. Throws std::runtime_error on an
  // invalid broker config or I/O failure. The durable steps of start-up are left to the
  // first write (see StartGate).
  static std::unique_ptr<LogManager> open(LogManagerOptions options);
  ~LogManager();  // shutdown()
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG,
  // KAFKA_STORAGE_ERROR (with `message`). `topic_id` is generated when absent.
  ErrorCode create_topic(const std::string& name, int32_t partitions, const ConfigMap& configs,
                         std::string& message, bool validate_only = false,
                         std::optional<TopicId> topic_id = std::nullopt);
  // UNKNOWN_TOPIC_OR_PARTITION when absent.
  ErrorCode delete_topic(const std::string& name);
  // Grows a topic to `new_total` partitions (INVALID_PARTITIONS if not larger).
  ErrorCode create_partitions(const std::string& name, int32_t new_total, std::string& message,
                              bool validate_only = false);
  // Replaces the topic's config overrides (validated first, persisted, then applied).
  ErrorCode set_topic_configs(const std::string& name, const ConfigMap& overrides,
                              std::string& message, bool validate_only = false);

  const TopicMetadata* find_topic(std::string_view name) const;
  const TopicMetadata* find_topic(const TopicId& id) const;
  std::vector<const TopicMetadata*> topics() const;  // sorted by name
  // Effective config (broker defaults + overrides); nullptr for an unknown topic.
  const LogConfig* topic_config(std::string_view name) const;
  PartitionLog* partition(std::string_view topic, int32_t index);
  // Calls fn(topic, partition_index, log) for every partition.
  template <typename F>
  void for_each_partition(F&& fn) {
    for (auto& [name, t] : topics_)
      for (size_t i = 0; i < t.logs.size(); ++i) fn(t.meta, static_cast<int32_t>(i), *t.logs[i]);
  }

  const LogConfig& default_config() const { return defaults_; }
  const std::string& log_dir() const { return dir_; }
  Flusher& flusher() { return *flusher_; }
  const OpenFileCache& open_file_cache() const { return *file_cache_; }
  // True when the previous run ended with a clean shutdown.
  bool recovered_cleanly() const { return clean_start_; }
  // Runs start-up's durable steps if no write has yet; false (and KAFKA_STORAGE_ERROR
  // for every write) if one failed.
  bool make_writable() { return gate_.pass(); }

  // Called from a broker timer (log.retention.check.interval.ms). Returns segments deleted.
  size_t enforce_retention(int64_t now_ms);
  // Log compaction, synchronously on the calling thread: every partition of a topic whose
  // cleanup.policy includes compact and that is due (cleaner/cleanable.h) is cleaned, or
  // with `force` every one with dirty segments, and `cleaner-offset-checkpoint` is
  // updated. Uses log.cleaner.dedupe.buffer.size and log.cleaner.io.buffer.load.factor.
  LogCleanerSummary clean_now(int64_t now_ms, bool force = false);
  // The first dirty offset the cleaner remembers for a partition, or -1.
  int64_t cleaner_checkpoint(const std::string& topic, int32_t partition) const;
  // The background cleaner: starts log.cleaner.threads threads (none when
  // log.cleaner.enable is false). Call once the loop runs; `now_ms` is the broker's clock.
  void start_cleaner(std::function<int64_t()> now_ms);
  // From a timer every log.cleaner.backoff.ms, and again after every clean: hands the
  // filthiest due logs (highest dirty ratio; past max.compaction.lag.ms first) to idle
  // cleaner threads. Each is planned here, cleaned on its thread and swapped in here when
  // done; a log is in at most one clean. A log whose clean failed waits before the next
  // attempt: kCleanRetryFirstMs, doubling with each failure in a row up to
  // kCleanRetryMaxMs (Kafka marks such a log uncleanable until a restart). Returns how
  // many cleans it started.
  size_t schedule_cleaning(int64_t now_ms);
  static constexpr int64_t kCleanRetryFirstMs = 60'000;
  static constexpr int64_t kCleanRetryMaxMs = 3'600'000;
  size_t cleans_in_flight() const { return cleaning_.size(); }
  bool cleaner_running() const { return cleaner_threads_ != nullptr; }

  // flush.ms, from a timer.
  void flush_on_timer(int64_t now_ms);
  // Closes every log durably, stops the flusher and writes the clean-shutdown marker.
  // After a clean start that nothing wrote to, the old marker stays as it is. One syncfs
  // makes every log's files durable (an fsync per file took 7 s for 3,000 partitions,
  // past Docker's 10 s grace with more); it reports any write-back error since the
  // start, and then no marker is written, so the next start recovers every log.
  void shutdown();

  // Kafka's topic name rules (legal characters, length, not "." or "..").
  static bool valid_topic_name(std::string_view name, std::string& message);

 private:
  struct Topic {
    TopicMetadata meta;
    LogConfig config;
    std::vector<std::unique_ptr<PartitionLog>> logs;
  };
  explicit LogManager(LogManagerOptions options);
  void load();
  // log.cleaner.dedupe.buffer.size, log.cleaner.io.buffer.load.factor,
  // log.cleaner.enable, log.cleaner.threads, log.cleaner.io.max.bytes.per.second.
  // Throws std::runtime_error on a bad value.
  void parse_cleaner_config();
  using PartitionKey = std::pair<std::string, int32_t>;
  // The options of a clean of `log` now (the key map's memory is shared by the threads).
  LogCleanOptions clean_options(const Topic& t, const cleaner::CleanableRange& range,
                                int64_t now_ms) const;
  // A background clean came back (loop thread).
  void on_clean_done(const PartitionKey& key, const cleaner::CleanPlan* plan,
                     cleaner::CleanOutcome&& outcome);
  // Records a log's new first dirty offset; true when it changed.
  bool update_cleaner_checkpoint(const PartitionKey& key, int64_t checkpoint,
                                 int64_t first_dirty_offset);
  void write_cleaner_checkpoints();
  // Stops the background cleans of a topic's partitions (it is being deleted).
  void cancel_cleans(const std::string& topic);
  std::string partition_dir(const std::string& topic, int32_t p) const;
  std::string meta_path(const std::string& topic) const;
  void write_meta(const TopicMetadata& meta);
  // `durable`: on its own; false when a sync_filesystem follows for many partitions.
  void write_partition_metadata(const std::string& dir, const TopicId& id, bool durable = true);
  // Creates partitions [from, to) of `t` (logs and partition.metadata), durable once
  // it returns; the caller then commits the topic's .meta file.
  void create_partition_logs(Topic& t, int32_t from, int32_t to);
  std::unique_ptr<PartitionLog> open_partition(const Topic& t, int32_t p, bool clean);
  void remove_dir_async_safe(const std::string& dir);
  // Passes the start gate; on failure fills `message` and returns false.
  bool writable(std::string& message);

  LogManagerOptions options_;
  std::string dir_;
  LogConfig defaults_;
  std::unique_ptr<Flusher> flusher_;
  StartGate gate_;                             // declared before the logs, which point to it
  std::unique_ptr<OpenFileCache> file_cache_;  // likewise
  // The log directory, open since start: syncfs through it reports every write-back
  // error of the file system since then.
  std::shared_ptr<const FileHandle> dir_handle_;
  std::map<std::string, Topic, std::less<>> topics_;
  bool clean_start_ = false;
  // The gate holds just the removal of the clean-shutdown marker (no first-start steps).
  bool marker_is_only_start_step_ = false;
  bool shut_down_ = false;
  // The log cleaner: first dirty offset per partition, and the key map's memory.
  cleaner::Checkpoints cleaner_checkpoints_;
  size_t dedupe_buffer_bytes_ = 128u << 20;  // log.cleaner.dedupe.buffer.size
  double dedupe_load_factor_ = 0.9;          // log.cleaner.io.buffer.load.factor
  bool cleaner_enabled_ = true;              // log.cleaner.enable
  int cleaner_thread_count_ = 1;             // log.cleaner.threads
  double cleaner_io_max_bytes_per_second_ = cleaner::IoThrottle::kUnlimited;
  // The background cleans: one per log at most, by partition, with the plan they run.
  struct InFlightClean {
    uint64_t id = 0;
    std::shared_ptr<const cleaner::CleanPlan> plan;
    int64_t checkpoint = -1;  // the log's checkpoint when planned
  };
  std::map<PartitionKey, InFlightClean> cleaning_;
  // Logs whose last cleans failed: how many in a row, and when to try again.
  struct CleanFailures {
    int count = 0;
    int64_t retry_at_ms = 0;
  };
  std::map<PartitionKey, CleanFailures> clean_failures_;
  void note_clean_failure(const PartitionKey& key, int64_t now_ms);
  std::function<int64_t()> cleaner_clock_;
  // Completions posted by the cleaner threads check it: the manager may be gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::unique_ptr<cleaner::CleanerThreads> cleaner_threads_;  // last: joined first
};

}  // namespace samsa::storage
