#include "samsa/metrics/broker_metrics.h"

#include <algorithm>
#include <utility>

namespace samsa::metrics {

// ---------------------------------------------------------------- RequestMetrics

RequestMetrics::RequestMetrics(std::span<const ApiName> apis) {
  apis_.reserve(apis.size());
  for (const ApiName& api : apis) {
    if (api.key < 0 || api.max_version < api.min_version) continue;
    const auto key = static_cast<size_t>(api.key);
    if (index_by_key_.size() <= key) index_by_key_.resize(key + 1, -1);
    index_by_key_[key] = static_cast<int32_t>(apis_.size());
    Api& entry = apis_.emplace_back();
    entry.name = std::string(api.name);
    entry.min_version = api.min_version;
    entry.versions.resize(static_cast<size_t>(api.max_version - api.min_version) + 1);
  }
}

RequestMetrics::Series* RequestMetrics::series(int16_t api_key, int16_t api_version) {
  return const_cast<Series*>(std::as_const(*this).series(api_key, api_version));
}

const RequestMetrics::Series* RequestMetrics::series(int16_t api_key, int16_t api_version) const {
  if (api_key < 0 || static_cast<size_t>(api_key) >= index_by_key_.size() ||
      index_by_key_[static_cast<size_t>(api_key)] < 0)
    return nullptr;
  const Api& api = apis_[static_cast<size_t>(index_by_key_[static_cast<size_t>(api_key)])];
  const int32_t i = int32_t{api_version} - api.min_version;
  if (i < 0 || static_cast<size_t>(i) >= api.versions.size()) return &api.unsupported;
  return &api.versions[static_cast<size_t>(i)];
}

void RequestMetrics::request_completed(int16_t api_key, int16_t api_version, double seconds,
                                       bool closed_connection) {
  Series* s = series(api_key, api_version);
  if (s == nullptr) s = &unknown_;
  s->latency.observe(seconds);
  if (closed_connection) ++s->failed;
}

const Histogram* RequestMetrics::latency(int16_t api_key, int16_t api_version) const {
  const Series* s = series(api_key, api_version);
  return s ? &s->latency : nullptr;
}

void RequestMetrics::write(TextWriter& writer) const {
  // Series in API key and version order; the unknown one last.
  auto each = [this](auto&& fn) {
    for (const Api& api : apis_) {
      for (size_t i = 0; i < api.versions.size(); ++i) {
        const LabelValue version(static_cast<int64_t>(api.min_version) + static_cast<int64_t>(i));
        fn(api.name, version, api.versions[i]);
      }
      fn(api.name, LabelValue("unsupported"), api.unsupported);
    }
    fn(std::string_view("unknown"), LabelValue("unknown"), unknown_);
  };

  writer.family("samsa_requests_total", MetricType::kCounter,
                "Kafka requests completed, by API and version (Kafka's "
                "kafka.network:type=RequestMetrics,name=RequestsPerSec).");
  each([&](std::string_view api, const LabelValue& version, const Series& s) {
    if (s.latency.count() > 0)
      writer.sample({{"api", api}, {"version", version}}, s.latency.count());
  });
  writer.family("samsa_request_failures_total", MetricType::kCounter,
                "Kafka requests answered by closing the connection (malformed, unsupported, "
                "or a failed acks=0 produce), by API and version.");
  each([&](std::string_view api, const LabelValue& version, const Series& s) {
    if (s.latency.count() > 0) writer.sample({{"api", api}, {"version", version}}, s.failed);
  });
  writer.family("samsa_request_duration_seconds", MetricType::kHistogram,
                "Seconds from a Kafka request's frame being read to its response being ready "
                "(Kafka's kafka.network:type=RequestMetrics,name=TotalTimeMs, less the time "
                "spent sending the response).");
  each([&](std::string_view api, const LabelValue& version, const Series& s) {
    if (s.latency.count() > 0) s.latency.write(writer, {{"api", api}, {"version", version}});
  });

  writer.family("samsa_connections_accepted_total", MetricType::kCounter,
                "Kafka connections accepted.");
  writer.sample({}, accepted_.value());
  writer.family("samsa_connections_closed_total", MetricType::kCounter,
                "Kafka connections closed, by either side.");
  writer.sample({}, closed_.value());
  writer.family("samsa_connections_refused_total", MetricType::kCounter,
                "Kafka connections closed at once because max.connections were open.");
  writer.sample({}, refused_.value());
}

// ---------------------------------------------------------------- LogFlushMetrics

LogFlushMetrics::LogFlushMetrics()
    : duration_(kFlushSecondsBounds),
      batch_requests_(kFlushBatchRequestsBounds),
      batch_bytes_(kFlushBatchBytesBounds) {}

void LogFlushMetrics::fsynced(double seconds, size_t files) {
  duration_.observe(seconds);
  fsyncs_.fetch_add(files, std::memory_order_relaxed);
}

void LogFlushMetrics::flush_completed(size_t waiters, uint64_t bytes, bool failed) {
  batch_requests_.observe(static_cast<double>(waiters));
  batch_bytes_.observe(static_cast<double>(bytes));
  if (failed) failures_.inc();
}

void LogFlushMetrics::write(TextWriter& writer) const {
  writer.family("samsa_log_flush_duration_seconds", MetricType::kHistogram,
                "Seconds one partition flush (fdatasync of its log and of segments rolled "
                "since) took on a flusher thread (Kafka's "
                "kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs).");
  duration_.write(writer, {});
  writer.family("samsa_log_fsyncs_total", MetricType::kCounter,
                "fdatasync calls made by the flusher threads.");
  writer.sample({}, fsyncs_.load(std::memory_order_relaxed));
  writer.family("samsa_log_flush_batch_requests", MetricType::kHistogram,
                "Waiting appends (acks=all produces, offset commits) released by one flush: "
                "the group commit's batch size.");
  batch_requests_.write(writer, {});
  writer.family("samsa_log_flush_batch_bytes", MetricType::kHistogram,
                "Bytes one flush made durable.");
  batch_bytes_.write(writer, {});
  writer.family("samsa_log_flush_failures_total", MetricType::kCounter,
                "Flushes whose fsync failed (their waiters got KAFKA_STORAGE_ERROR).");
  writer.sample({}, failures_.value());
}

// ---------------------------------------------------------------- LogCleanerMetrics

void LogCleanerMetrics::clean_finished(const Clean& clean) {
  if (clean.failed) {
    failures_.inc();
    return;
  }
  cleans_.inc();
  bytes_read_.inc(clean.bytes_read);
  bytes_written_.inc(clean.bytes_written);
  records_removed_.inc(clean.records_removed);
  last_seconds_.set(clean.seconds);
  if (clean.seconds > max_seconds_.value()) max_seconds_.set(clean.seconds);
  last_buffer_utilization_.set(clean.buffer_utilization);
}

void LogCleanerMetrics::write(TextWriter& writer) const {
  auto counter = [&](const char* name, const char* help, const Counter& c) {
    writer.family(name, MetricType::kCounter, help);
    writer.sample({}, c.value());
  };
  auto gauge = [&](const char* name, const char* help, const Gauge& g) {
    writer.family(name, MetricType::kGauge, help);
    writer.sample({}, g.value());
  };
  counter("samsa_log_cleaner_cleans_total", "Cleans of a compacted log swapped in.", cleans_);
  counter("samsa_log_cleaner_failures_total",
          "Cleans that failed (I/O error; logged, the log is left as it was).", failures_);
  counter("samsa_log_cleaner_bytes_read_total", "Log bytes the cleaner rewrote from.", bytes_read_);
  counter("samsa_log_cleaner_bytes_written_total", "Bytes of cleaned segments written.",
          bytes_written_);
  counter("samsa_log_cleaner_records_removed_total",
          "Records the cleaner removed (superseded, expired tombstones, aborted, keyless).",
          records_removed_);
  gauge("samsa_log_cleaner_last_clean_seconds", "Seconds the last clean took.", last_seconds_);
  gauge("samsa_log_cleaner_max_clean_seconds",
        "Seconds the longest clean took (Kafka's max-clean-time-secs).", max_seconds_);
  gauge("samsa_log_cleaner_buffer_utilization",
        "Fill of the last clean's key map, 0 to 1 (Kafka's max-buffer-utilization-percent).",
        last_buffer_utilization_);
  gauge("samsa_log_cleaner_max_dirty_ratio",
        "Highest dirty ratio of a compacted log at the last look (Kafka's max-dirty-percent).",
        max_dirty_ratio_);
  gauge("samsa_log_cleaner_cleans_in_flight", "Cleans running on cleaner threads.", in_flight_);
}

// ---------------------------------------------------------------- BrokerMetrics

BrokerMetrics::BrokerMetrics(std::span<const ApiName> apis, int64_t now_ms)
    : requests_(apis), last_tick_ms_(now_ms) {}

TopicMetrics& BrokerMetrics::topic(std::string_view name) {
  auto it = topics_.find(name);
  if (it == topics_.end()) it = topics_.try_emplace(std::string(name)).first;
  return it->second;
}

const TopicMetrics* BrokerMetrics::find_topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

void BrokerMetrics::retain_topics(const std::function<bool(std::string_view)>& exists) {
  std::erase_if(topics_, [&](const auto& entry) { return !exists(entry.first); });
}

void BrokerMetrics::tick(int64_t now_ms) {
  const int64_t elapsed_ms = now_ms - last_tick_ms_;
  if (elapsed_ms <= 0) {  // the wall clock went back: start again from here
    last_tick_ms_ = now_ms;
    return;
  }
  last_tick_ms_ = now_ms;
  const double seconds = static_cast<double>(elapsed_ms) / 1000;
  auto step = [seconds](Ewma& rate, const Counter& counter, uint64_t& ticked) {
    rate.tick(counter.value() - ticked, seconds);
    ticked = counter.value();
  };
  for (auto& [name, t] : topics_) {
    step(t.records_in_rate, t.records_in, t.ticked_records_in);
    step(t.bytes_in_rate, t.bytes_in, t.ticked_bytes_in);
    step(t.bytes_out_rate, t.bytes_out, t.ticked_bytes_out);
  }
}

TopicRates BrokerMetrics::topic_rates(std::string_view topic) const {
  const TopicMetrics* t = find_topic(topic);
  if (t == nullptr) return {};
  return {t->records_in_rate.rate(), t->bytes_in_rate.rate(), t->bytes_out_rate.rate()};
}

void BrokerMetrics::write(TextWriter& writer) const {
  requests_.write(writer);

  std::vector<const std::pair<const std::string, TopicMetrics>*> topics;
  topics.reserve(topics_.size());
  for (const auto& entry : topics_) topics.push_back(&entry);
  std::sort(topics.begin(), topics.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  auto per_topic = [&](std::string_view name, std::string_view help, auto field) {
    writer.family(name, MetricType::kCounter, help);
    for (const auto* entry : topics) writer.sample({{"topic", entry->first}}, field(entry->second));
  };
  per_topic("samsa_topic_bytes_in_total",
            "Record batch bytes produced to the topic (Kafka's "
            "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec).",
            [](const TopicMetrics& t) { return t.bytes_in.value(); });
  per_topic("samsa_topic_records_in_total",
            "Records produced to the topic (Kafka's "
            "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec).",
            [](const TopicMetrics& t) { return t.records_in.value(); });
  per_topic("samsa_topic_bytes_out_total",
            "Record bytes fetched from the topic (Kafka's "
            "kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec).",
            [](const TopicMetrics& t) { return t.bytes_out.value(); });
  per_topic("samsa_topic_produce_errors_total",
            "Partitions of produce requests the topic's log refused (Kafka's "
            "kafka.server:type=BrokerTopicMetrics,name=FailedProduceRequestsPerSec).",
            [](const TopicMetrics& t) { return t.produce_errors.value(); });
  per_topic("samsa_topic_fetch_errors_total",
            "Partitions of the topic answered with an error in Fetch responses (Kafka's "
            "kafka.server:type=BrokerTopicMetrics,name=FailedFetchRequestsPerSec).",
            [](const TopicMetrics& t) { return t.fetch_errors.value(); });

  log_flush_.write(writer);
  log_cleaner_.write(writer);
}

}  // namespace samsa::metrics
