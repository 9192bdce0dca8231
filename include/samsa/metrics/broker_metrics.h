// What the broker counts as it runs, for /metrics and the console: requests per API
// and version (fed by the Kafka listener), bytes and records per topic (fed by the
// Produce and Fetch handlers), fsyncs and group commit (fed by the storage layer), and
// the one-minute rates per topic the console shows. Gauges that are read from broker
// state (offsets, lag, memory) are not kept here: the /metrics page computes them at
// scrape time.
//
// Threading: everything runs on the broker's loop, except LogFlushMetrics::fsynced(),
// which the flusher threads call.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "samsa/metrics/instruments.h"
#include "samsa/metrics/text_format.h"

namespace samsa::metrics {

// Seconds from a request's frame being read to its response being ready. Long polls
// (Fetch max.wait.ms) and rebalances (JoinGroup) sit in the upper buckets.
inline constexpr std::array<double, 18> kRequestSecondsBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
// Seconds of one flush (the fdatasync of a partition's files).
inline constexpr std::array<double, 16> kFlushSecondsBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
// Waiting appends (acks=all produces, offset commits) one flush released.
inline constexpr std::array<double, 12> kFlushBatchRequestsBounds = {0,  1,  2,   4,   8,   16,
                                                                     32, 64, 128, 256, 512, 1024};
// Bytes one flush made durable.
inline constexpr std::array<double, 11> kFlushBatchBytesBounds = {
    0, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456};

// An API as requests are labelled: Kafka's name, and the versions that get a series.
struct ApiName {
  int16_t key = 0;
  std::string_view name;
  int16_t min_version = 0;
  int16_t max_version = 0;
};

// The Kafka listener's part (net::ServerOptions::metrics): connections, and each
// request from its frame being read to its response slot completing. Every series
// exists from the start, so nothing is allocated per request; only the ones that saw a
// request are written. A served API's request in a version outside its range counts as
// version="unsupported", an unknown API key as api="unknown".
class RequestMetrics {
 public:
  explicit RequestMetrics(std::span<const ApiName> apis);

  void connection_accepted() { accepted_.inc(); }
  void connection_refused() { refused_.inc(); }  // max.connections reached
  void connection_closed() { closed_.inc(); }
  // `closed_connection`: answered by closing the connection (a malformed or refused
  // request, a failed acks=0 produce) rather than with a response.
  void request_completed(int16_t api_key, int16_t api_version, double seconds,
                         bool closed_connection);

  // The latency of one series (nullptr for an API not served); for tests and the
  // console. `api_version` outside the served range gives the "unsupported" series.
  const Histogram* latency(int16_t api_key, int16_t api_version) const;
  uint64_t connections_accepted() const { return accepted_.value(); }
  uint64_t connections_closed() const { return closed_.value(); }

  void write(TextWriter& writer) const;

 private:
  struct Series {
    Series() : latency(kRequestSecondsBounds) {}
    Histogram latency;
    uint64_t failed = 0;
  };
  struct Api {
    std::string name;
    int16_t min_version = 0;
    std::vector<Series> versions;  // min_version.. max_version
    Series unsupported;
  };
  Series* series(int16_t api_key, int16_t api_version);
  const Series* series(int16_t api_key, int16_t api_version) const;

  std::vector<Api> apis_;
  std::vector<int32_t> index_by_key_;  // api key -> apis_ index, or -1
  Series unknown_;
  Counter accepted_, refused_, closed_;
};

// The storage layer's part (storage::Flusher, PartitionLog): how long flushes take and
// how much one flush serves (group commit).
class LogFlushMetrics {
 public:
  LogFlushMetrics();

  // Any thread (a flusher): one flush job fdatasynced `files` files in `seconds`.
  void fsynced(double seconds, size_t files);
  // The loop: a partition's flush completed, releasing `waiters` waiting appends
  // (acks=all produces, offset commits), having made `bytes` more bytes durable;
  // `failed` if the fsync failed.
  void flush_completed(size_t waiters, uint64_t bytes, bool failed);

  const SharedHistogram& duration() const { return duration_; }
  const Histogram& batch_requests() const { return batch_requests_; }
  const Histogram& batch_bytes() const { return batch_bytes_; }

  void write(TextWriter& writer) const;

 private:
  SharedHistogram duration_;
  std::atomic<uint64_t> fsyncs_{0};
  Histogram batch_requests_;
  Histogram batch_bytes_;
  Counter failures_;
};

// One topic's traffic (as Kafka's BrokerTopicMetrics).
struct TopicMetrics {
  Counter bytes_in;        // record batch bytes of produces appended
  Counter records_in;      // records appended by produces
  Counter bytes_out;       // record bytes in Fetch responses
  Counter produce_errors;  // partitions of produces refused by the log
  Counter fetch_errors;    // partitions of Fetch responses with an error

  // One-minute rates, moved on by BrokerMetrics::tick().
  Ewma records_in_rate, bytes_in_rate, bytes_out_rate;
  uint64_t ticked_records_in = 0, ticked_bytes_in = 0, ticked_bytes_out = 0;
};

struct TopicRates {
  double records_in_per_sec = 0;
  double bytes_in_per_sec = 0;
  double bytes_out_per_sec = 0;
};

// The log cleaner (compaction), updated on the loop as each clean is swapped in.
class LogCleanerMetrics {
 public:
  struct Clean {
    bool failed = false;
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    uint64_t records_removed = 0;
    double seconds = 0;
    double buffer_utilization = 0;  // the key map's fill, 0..1
  };
  void clean_finished(const Clean& clean);
  // From each scheduling pass: the highest dirty ratio of a compacted log and the
  // cleans running.
  void set_max_dirty_ratio(double ratio) { max_dirty_ratio_.set(ratio); }
  void set_in_flight(size_t cleans) { in_flight_.set(static_cast<double>(cleans)); }
  uint64_t cleans() const { return cleans_.value(); }
  uint64_t records_removed() const { return records_removed_.value(); }
  double in_flight() const { return in_flight_.value(); }

  void write(TextWriter& writer) const;

 private:
  Counter cleans_, failures_, bytes_read_, bytes_written_, records_removed_;
  Gauge last_seconds_, max_seconds_, last_buffer_utilization_, max_dirty_ratio_, in_flight_;
};

class BrokerMetrics {
 public:
  using TopicRates = metrics::TopicRates;
  // How often the broker calls tick().
  static constexpr int64_t kTickIntervalMs = 5000;

  // `now_ms`: wall clock at start, the base of the first tick.
  BrokerMetrics(std::span<const ApiName> apis, int64_t now_ms);
  BrokerMetrics(const BrokerMetrics&) = delete;
  BrokerMetrics& operator=(const BrokerMetrics&) = delete;

  RequestMetrics& requests() { return requests_; }
  const RequestMetrics& requests() const { return requests_; }
  LogFlushMetrics& log_flush() { return log_flush_; }
  const LogFlushMetrics& log_flush() const { return log_flush_; }
  LogCleanerMetrics& log_cleaner() { return log_cleaner_; }
  const LogCleanerMetrics& log_cleaner() const { return log_cleaner_; }

  // The counters of `topic`, created at first use; after that a lookup without
  // allocation. References stay valid until the topic is forgotten.
  TopicMetrics& topic(std::string_view name);
  const TopicMetrics* find_topic(std::string_view name) const;
  size_t topic_count() const { return topics_.size(); }
  // Forgets every topic for which `exists` is false (deleted topics).
  void retain_topics(const std::function<bool(std::string_view)>& exists);

  // Moves every topic's one-minute rates on by the traffic since the last tick.
  void tick(int64_t now_ms);
  // One-minute exponentially weighted rates (Kafka's OneMinuteRate); zeros for a topic
  // without traffic, and until the first tick.
  TopicRates topic_rates(std::string_view topic) const;

  // Requests, connections, per-topic counters, flushes.
  void write(TextWriter& writer) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  RequestMetrics requests_;
  LogFlushMetrics log_flush_;
  LogCleanerMetrics log_cleaner_;
  std::unordered_map<std::string, TopicMetrics, Hash, std::equal_to<>> topics_;
  int64_t last_tick_ms_;
};

}  // namespace samsa::metrics
