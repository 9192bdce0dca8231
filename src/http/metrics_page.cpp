// GET /metrics: Prometheus text format 0.0.4 (docs/metrics.md lists every family).
// What the broker counts as it runs comes from metrics::BrokerMetrics; gauges of its
// state (offsets and sizes per partition, committed offsets and lag per group, counts,
// the process) are read here, at scrape time, on the loop. The scrape is bounded by the
// partitions and committed offsets that exist; ?partitions=false leaves out the
// per-partition series (per-topic and per-group totals stay) for very large brokers.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "metrics_page.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/metrics/metrics.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

namespace {

using metrics::MetricType;
using metrics::TextWriter;

struct PartitionRow {
  const std::string* topic;
  int32_t partition;
  const storage::PartitionLog* log;
};

void write_partitions(ApiContext& api, TextWriter& w, bool per_partition) {
  auto& logs = api.services.logs;
  std::vector<PartitionRow> rows;
  rows.reserve(4096);
  std::vector<const storage::TopicMetadata*> topics = logs.topics();  // by name
  logs.for_each_partition(
      [&rows](const storage::TopicMetadata& meta, int32_t index, storage::PartitionLog& log) {
        rows.push_back({&meta.name, index, &log});
      });
  // The log manager keeps its topics by name: sorting is only a safeguard.
  auto by_name = [](const PartitionRow& a, const PartitionRow& b) {
    const int c = a.topic->compare(*b.topic);
    return c != 0 ? c < 0 : a.partition < b.partition;
  };
  if (!std::is_sorted(rows.begin(), rows.end(), by_name))
    std::sort(rows.begin(), rows.end(), by_name);

  w.family("samsa_topics", MetricType::kGauge, "Topics, internal ones included.");
  w.sample({}, topics.size());
  w.family("samsa_partitions", MetricType::kGauge, "Partitions of every topic.");
  w.sample({}, rows.size());

  w.family("samsa_topic_partitions", MetricType::kGauge, "Partitions of the topic.");
  for (const auto* meta : topics) w.sample({{"topic", meta->name}}, meta->partition_count);
  w.family("samsa_topic_log_size_bytes", MetricType::kGauge,
           "Bytes of the topic's partition logs on disk (Kafka's kafka.log:type=Log,name=Size "
           "summed over the topic).");
  {
    size_t i = 0;
    for (const auto* meta : topics) {
      uint64_t size = 0;
      for (; i < rows.size() && *rows[i].topic == meta->name; ++i)
        size += rows[i].log->size_bytes();
      w.sample({{"topic", meta->name}}, size);
    }
  }
  if (!per_partition) return;

  auto per_row = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, MetricType::kGauge, help);
    for (const PartitionRow& r : rows)
      w.sample({{"topic", *r.topic}, {"partition", r.partition}}, value(*r.log));
  };
  per_row("samsa_partition_log_start_offset",
          "First offset of the partition (Kafka's kafka.log:type=Log,name=LogStartOffset).",
          [](const storage::PartitionLog& l) { return l.log_start_offset(); });
  per_row("samsa_partition_log_end_offset",
          "Offset the next record gets: the high watermark on this single node (Kafka's "
          "kafka.log:type=Log,name=LogEndOffset).",
          [](const storage::PartitionLog& l) { return l.log_end_offset(); });
  per_row("samsa_partition_last_stable_offset",
          "First offset of the oldest open transaction, or the log end offset "
          "(what read_committed consumers read up to).",
          [](const storage::PartitionLog& l) { return l.last_stable_offset(); });
  per_row("samsa_partition_log_size_bytes",
          "Bytes of the partition's segments (Kafka's kafka.log:type=Log,name=Size).",
          [](const storage::PartitionLog& l) { return l.size_bytes(); });
  per_row("samsa_partition_log_segments",
          "Segments of the partition (Kafka's kafka.log:type=Log,name=NumLogSegments).",
          [](const storage::PartitionLog& l) { return l.segment_count(); });
}

void write_groups(ApiContext& api, TextWriter& w, bool per_partition) {
  coordinator::GroupCoordinator* groups = api.services.groups;
  if (groups == nullptr) return;
  auto listings = groups->list_groups({}, {});
  std::sort(listings.begin(), listings.end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });

  std::map<std::string, size_t> by_state;
  for (const auto& g : listings) ++by_state[g.state];
  w.family("samsa_consumer_groups", MetricType::kGauge,
           "Consumer groups by state (Kafka's kafka.coordinator.group:type=GroupMetadataManager,"
           "name=NumGroups<State>).");
  for (const auto& [state, count] : by_state) w.sample({{"state", state}}, count);

  w.family("samsa_consumer_group_info", MetricType::kGauge,
           "Always 1; the group's state, type (classic or consumer) and protocol type as "
           "labels.");
  for (const auto& g : listings) {
    w.sample({{"group", g.group_id},
              {"state", g.state},
              {"type", g.type},
              {"protocol_type", g.protocol_type}},
             1);
  }
  w.family("samsa_consumer_group_members", MetricType::kGauge, "Members of the consumer group.");
  for (const auto& g : listings) {
    // KIP-848 groups keep their members apart from the classic ones.
    const size_t members = g.type == "consumer"
                               ? groups->describe_consumer_group(g.group_id).members.size()
                               : groups->member_count(g.group_id);
    w.sample({{"group", g.group_id}}, members);
  }

  // Committed offsets and the lag behind the log end, per group and partition.
  struct Committed {
    const std::string* group;
    coordinator::FetchedOffset offset;
    int64_t lag;
  };
  std::vector<Committed> committed;
  for (const auto& g : listings) {
    coordinator::OffsetFetchParams params;
    params.group_id = g.group_id;
    auto result = groups->fetch_offsets(params);
    if (result.error != ErrorCode::NONE) continue;
    std::sort(result.offsets.begin(), result.offsets.end(), [](const auto& a, const auto& b) {
      return a.tp.topic != b.tp.topic ? a.tp.topic < b.tp.topic : a.tp.partition < b.tp.partition;
    });
    for (auto& f : result.offsets) {
      if (f.error != ErrorCode::NONE || f.offset < 0) continue;
      const storage::PartitionLog* log = api.services.logs.partition(f.tp.topic, f.tp.partition);
      if (log == nullptr) continue;  // a deleted topic's offsets
      const int64_t lag = std::max<int64_t>(0, log->log_end_offset() - f.offset);
      committed.push_back({&g.group_id, std::move(f), lag});
    }
  }
  w.family("samsa_consumer_group_topic_lag", MetricType::kGauge,
           "Records of the topic past the group's committed offsets, summed over its "
           "partitions with a committed offset.");
  for (size_t i = 0; i < committed.size();) {
    size_t j = i;
    int64_t sum = 0;
    for (; j < committed.size() && committed[j].group == committed[i].group &&
           committed[j].offset.tp.topic == committed[i].offset.tp.topic;
         ++j)
      sum += committed[j].lag;
    w.sample({{"group", *committed[i].group}, {"topic", committed[i].offset.tp.topic}}, sum);
    i = j;
  }
  if (!per_partition) return;
  w.family("samsa_consumer_group_committed_offset", MetricType::kGauge,
           "The group's committed offset of the partition.");
  for (const Committed& c : committed)
    w.sample(
        {{"group", *c.group}, {"topic", c.offset.tp.topic}, {"partition", c.offset.tp.partition}},
        c.offset.offset);
  w.family("samsa_consumer_group_lag", MetricType::kGauge,
           "Records of the partition past the group's committed offset: log end offset "
           "minus committed offset.");
  for (const Committed& c : committed)
    w.sample(
        {{"group", *c.group}, {"topic", c.offset.tp.topic}, {"partition", c.offset.tp.partition}},
        c.lag);
}

void write_broker(ApiContext& api, TextWriter& w) {
  w.family("samsa_build_info", MetricType::kGauge, "Always 1; the samsa version as a label.");
  w.sample({{"version", SAMSA_VERSION}}, 1);
  const int64_t now_ms = api.services.scheduler.now_ms();
  w.family("samsa_start_time_seconds", MetricType::kGauge,
           "When the broker started, seconds since the epoch.");
  w.sample({}, static_cast<double>(api.started_at_ms) / 1000);
  w.family("samsa_uptime_seconds", MetricType::kGauge, "Seconds since the broker started.");
  w.sample({}, static_cast<double>(std::max<int64_t>(0, now_ms - api.started_at_ms)) / 1000);
  if (api.kafka_connection_count) {
    w.family("samsa_connections", MetricType::kGauge,
             "Open Kafka connections (Kafka's kafka.server:type=socket-server-metrics,"
             "name=connection-count).");
    w.sample({}, api.kafka_connection_count());
  }
}

}  // namespace

std::string render_metrics(ApiContext& api, bool per_partition) {
  std::string out;
  out.reserve(64 * 1024);
  TextWriter w(out);
  write_broker(api, w);
  if (api.metrics != nullptr) api.metrics->write(w);
  write_partitions(api, w, per_partition);
  write_groups(api, w, per_partition);
  if (const auto process = metrics::read_process_stats())
    metrics::write_process_metrics(w, *process);
  return out;
}

void add_metrics_route(Router& router, ApiContext& api) {
  router.add("GET", "/metrics", [&api](const Request& request, Reply reply) {
    const std::string partitions = request.query_or("partitions", "true");
    if (partitions != "true" && partitions != "false") {
      reply(Response::error(400, "BAD_REQUEST", "partitions must be true or false"));
      return;
    }
    Response response;
    response.content_type = std::string(metrics::kTextContentType);
    response.body = render_metrics(api, partitions == "true");
    reply(std::move(response));
  });
}

}  // namespace samsa::http
