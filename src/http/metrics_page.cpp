// GET /metrics: Prometheus text format 0.0.4 (docs/metrics.md lists every family).
// What the broker counts as it runs comes from metrics::BrokerMetrics; gauges of its
// state (offsets and sizes per partition, committed offsets and lag per group, counts,
// the process) are read here, at scrape time, on the loop. A scrape of thousands of
// partitions takes tens of milliseconds, so it is made in slices (a topic, a group or a
// few hundred lines at a time, run_sliced) between which the Kafka listener runs; the
// values are copied out as they are read, so a topic deleted mid-scrape is harmless.
// ?partitions=false leaves out the per-partition series (per-topic and per-group totals
// stay) for very large brokers.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
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

// Lines written per slice of a per-partition family.
constexpr size_t kRowsPerSlice = 500;

// One scrape, made one small step at a time (see run_sliced).
class MetricsScrape {
 public:
  MetricsScrape(ApiContext& api, bool per_partition)
      : api_(api), per_partition_(per_partition), w_(out_) {
    out_.reserve(64 * 1024);
  }

  // Does one step; true once the text is complete.
  bool step() {
    switch (phase_) {
      case Phase::kStart:
        return start();
      case Phase::kTopics:
        return scan_topic();
      case Phase::kTopicFamilies:
        return write_topic_families();
      case Phase::kPartitionFamilies:
        return write_partition_families();
      case Phase::kGroups:
        return scan_group();
      case Phase::kGroupFamilies:
        return write_group_families();
      case Phase::kCommittedFamilies:
        return write_committed_families();
      case Phase::kDone:
        return true;
    }
    return true;
  }

  std::string take() { return std::move(out_); }

 private:
  enum class Phase {
    kStart,
    kTopics,
    kTopicFamilies,
    kPartitionFamilies,
    kGroups,
    kGroupFamilies,
    kCommittedFamilies,
    kDone
  };

  struct Topic {
    std::string name;
    int32_t partitions = 0;
    uint64_t size = 0;
  };
  struct PartitionRow {
    size_t topic;  // index in topics_
    int32_t partition;
    int64_t start, end, last_stable;
    uint64_t size, segments;
  };
  struct Group {
    std::string id, state, type, protocol_type;
    size_t members = 0;
  };
  struct CommittedRow {
    size_t group;  // index in groups_
    std::string topic;
    int32_t partition;
    int64_t offset, lag;
  };

  bool start() {
    write_broker();
    if (api_.metrics != nullptr) api_.metrics->write(w_);
    for (const storage::TopicMetadata* meta : api_.services.logs.topics())  // by name
      topics_.push_back({meta->name, meta->partition_count, 0});
    phase_ = Phase::kTopics;
    return false;
  }

  void write_broker() {
    w_.family("samsa_build_info", MetricType::kGauge, "Always 1; the samsa version as a label.");
    w_.sample({{"version", SAMSA_VERSION}}, 1);
    const int64_t now_ms = api_.services.scheduler.now_ms();
    w_.family("samsa_start_time_seconds", MetricType::kGauge,
              "When the broker started, seconds since the epoch.");
    w_.sample({}, static_cast<double>(api_.started_at_ms) / 1000);
    w_.family("samsa_uptime_seconds", MetricType::kGauge, "Seconds since the broker started.");
    w_.sample({}, static_cast<double>(std::max<int64_t>(0, now_ms - api_.started_at_ms)) / 1000);
    if (api_.kafka_connection_count) {
      w_.family("samsa_connections", MetricType::kGauge,
                "Open Kafka connections (Kafka's kafka.server:type=socket-server-metrics,"
                "name=connection-count).");
      w_.sample({}, api_.kafka_connection_count());
    }
  }

  // One topic's partitions, copied.
  bool scan_topic() {
    if (next_ == topics_.size()) {
      next_ = 0;
      phase_ = Phase::kTopicFamilies;
      return false;
    }
    Topic& topic = topics_[next_];
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const storage::PartitionLog* log = api_.services.logs.partition(topic.name, p);
      if (log == nullptr) continue;  // deleted since the scrape began
      const uint64_t size = log->size_bytes();
      topic.size += size;
      rows_.push_back({next_, p, log->log_start_offset(), log->log_end_offset(),
                       log->last_stable_offset(), size, log->segment_count()});
    }
    ++next_;
    return false;
  }

  bool write_topic_families() {
    w_.family("samsa_topics", MetricType::kGauge, "Topics, internal ones included.");
    w_.sample({}, topics_.size());
    w_.family("samsa_partitions", MetricType::kGauge, "Partitions of every topic.");
    w_.sample({}, rows_.size());
    w_.family("samsa_topic_partitions", MetricType::kGauge, "Partitions of the topic.");
    for (const Topic& t : topics_) w_.sample({{"topic", t.name}}, t.partitions);
    w_.family("samsa_topic_log_size_bytes", MetricType::kGauge,
              "Bytes of the topic's partition logs on disk (Kafka's kafka.log:type=Log,name=Size "
              "summed over the topic).");
    for (const Topic& t : topics_) w_.sample({{"topic", t.name}}, t.size);
    phase_ = per_partition_ ? Phase::kPartitionFamilies : Phase::kGroups;
    return false;
  }

  bool write_partition_families() {
    struct Family {
      std::string_view name, help;
      int64_t (*value)(const PartitionRow&);
    };
    static constexpr Family kFamilies[] = {
        {"samsa_partition_log_start_offset",
         "First offset of the partition (Kafka's kafka.log:type=Log,name=LogStartOffset).",
         [](const PartitionRow& r) { return r.start; }},
        {"samsa_partition_log_end_offset",
         "Offset the next record gets: the high watermark on this single node (Kafka's "
         "kafka.log:type=Log,name=LogEndOffset).",
         [](const PartitionRow& r) { return r.end; }},
        {"samsa_partition_last_stable_offset",
         "First offset of the oldest open transaction, or the log end offset "
         "(what read_committed consumers read up to).",
         [](const PartitionRow& r) { return r.last_stable; }},
        {"samsa_partition_log_size_bytes",
         "Bytes of the partition's segments (Kafka's kafka.log:type=Log,name=Size).",
         [](const PartitionRow& r) { return static_cast<int64_t>(r.size); }},
        {"samsa_partition_log_segments",
         "Segments of the partition (Kafka's kafka.log:type=Log,name=NumLogSegments).",
         [](const PartitionRow& r) { return static_cast<int64_t>(r.segments); }},
    };
    constexpr size_t kCount = sizeof(kFamilies) / sizeof(kFamilies[0]);
    if (family_ == kCount) {
      family_ = 0;
      next_ = 0;
      phase_ = Phase::kGroups;
      return false;
    }
    const Family& f = kFamilies[family_];
    if (next_ == 0) w_.family(f.name, MetricType::kGauge, f.help);
    const size_t end = std::min(rows_.size(), next_ + kRowsPerSlice);
    for (; next_ < end; ++next_) {
      const PartitionRow& r = rows_[next_];
      w_.sample({{"topic", topics_[r.topic].name}, {"partition", r.partition}}, f.value(r));
    }
    if (next_ == rows_.size()) {
      ++family_;
      next_ = 0;
    }
    return false;
  }

  // Lists the groups on the first call, then one group's members and offsets per step.
  bool scan_group() {
    coordinator::GroupCoordinator* groups = api_.services.groups;
    if (groups == nullptr) return finish();
    if (!groups_listed_) {
      groups_listed_ = true;
      for (auto& g : groups->list_groups({}, {}))
        groups_.push_back({g.group_id, g.state, g.type, g.protocol_type, 0});
      std::sort(groups_.begin(), groups_.end(),
                [](const Group& a, const Group& b) { return a.id < b.id; });
      next_ = 0;
      return false;
    }
    if (next_ == groups_.size()) {
      phase_ = Phase::kGroupFamilies;
      return false;
    }
    Group& g = groups_[next_];
    // KIP-848 groups keep their members apart from the classic ones.
    g.members = g.type == "consumer" ? groups->describe_consumer_group(g.id).members.size()
                                     : groups->member_count(g.id);
    coordinator::OffsetFetchParams params;
    params.group_id = g.id;
    auto result = groups->fetch_offsets(params);
    if (result.error == ErrorCode::NONE) {
      std::sort(result.offsets.begin(), result.offsets.end(), [](const auto& a, const auto& b) {
        return a.tp.topic != b.tp.topic ? a.tp.topic < b.tp.topic : a.tp.partition < b.tp.partition;
      });
      for (auto& f : result.offsets) {
        if (f.error != ErrorCode::NONE || f.offset < 0) continue;
        const storage::PartitionLog* log = api_.services.logs.partition(f.tp.topic, f.tp.partition);
        if (log == nullptr) continue;  // a deleted topic's offsets
        const int64_t lag = std::max<int64_t>(0, log->log_end_offset() - f.offset);
        committed_.push_back({next_, std::move(f.tp.topic), f.tp.partition, f.offset, lag});
      }
    }
    ++next_;
    return false;
  }

  bool write_group_families() {
    std::map<std::string_view, size_t> by_state;
    for (const Group& g : groups_) ++by_state[g.state];
    w_.family("samsa_consumer_groups", MetricType::kGauge,
              "Consumer groups by state (Kafka's kafka.coordinator.group:type="
              "GroupMetadataManager,name=NumGroups<State>).");
    for (const auto& [state, count] : by_state) w_.sample({{"state", state}}, count);
    w_.family("samsa_consumer_group_info", MetricType::kGauge,
              "Always 1; the group's state, type (classic or consumer) and protocol type as "
              "labels.");
    for (const Group& g : groups_) {
      w_.sample({{"group", g.id},
                 {"state", g.state},
                 {"type", g.type},
                 {"protocol_type", g.protocol_type}},
                1);
    }
    w_.family("samsa_consumer_group_members", MetricType::kGauge, "Members of the consumer group.");
    for (const Group& g : groups_) w_.sample({{"group", g.id}}, g.members);

    w_.family("samsa_consumer_group_topic_lag", MetricType::kGauge,
              "Records of the topic past the group's committed offsets, summed over its "
              "partitions with a committed offset.");
    for (size_t i = 0; i < committed_.size();) {
      size_t j = i;
      int64_t sum = 0;
      for (; j < committed_.size() && committed_[j].group == committed_[i].group &&
             committed_[j].topic == committed_[i].topic;
           ++j)
        sum += committed_[j].lag;
      w_.sample({{"group", groups_[committed_[i].group].id}, {"topic", committed_[i].topic}}, sum);
      i = j;
    }
    next_ = 0;
    family_ = 0;
    if (!per_partition_) return finish();
    phase_ = Phase::kCommittedFamilies;
    return false;
  }

  bool write_committed_families() {
    if (family_ == 2) return finish();
    if (next_ == 0) {
      if (family_ == 0)
        w_.family("samsa_consumer_group_committed_offset", MetricType::kGauge,
                  "The group's committed offset of the partition.");
      else
        w_.family("samsa_consumer_group_lag", MetricType::kGauge,
                  "Records of the partition past the group's committed offset: log end offset "
                  "minus committed offset.");
    }
    const size_t end = std::min(committed_.size(), next_ + kRowsPerSlice);
    for (; next_ < end; ++next_) {
      const CommittedRow& c = committed_[next_];
      w_.sample({{"group", groups_[c.group].id}, {"topic", c.topic}, {"partition", c.partition}},
                family_ == 0 ? c.offset : c.lag);
    }
    if (next_ == committed_.size()) {
      ++family_;
      next_ = 0;
    }
    return false;
  }

  bool finish() {
    if (const auto process = metrics::read_process_stats())
      metrics::write_process_metrics(w_, *process);
    phase_ = Phase::kDone;
    return true;
  }

  ApiContext& api_;
  const bool per_partition_;
  std::string out_;
  TextWriter w_;
  Phase phase_ = Phase::kStart;
  size_t next_ = 0;    // the topic, row or group the phase is at
  size_t family_ = 0;  // the family of a multi-family phase
  std::vector<Topic> topics_;
  std::vector<PartitionRow> rows_;
  bool groups_listed_ = false;
  std::vector<Group> groups_;
  std::vector<CommittedRow> committed_;
};

}  // namespace

std::string render_metrics(ApiContext& api, bool per_partition) {
  MetricsScrape scrape(api, per_partition);
  while (!scrape.step()) {
  }
  return scrape.take();
}

void add_metrics_route(Router& router, ApiContext& api) {
  router.add("GET", "/metrics", [&api](const Request& request, Reply reply) {
    const std::string partitions = request.query_or("partitions", "true");
    if (partitions != "true" && partitions != "false") {
      reply(Response::error(400, "BAD_REQUEST", "partitions must be true or false"));
      return;
    }
    auto scrape = std::make_shared<MetricsScrape>(api, partitions == "true");
    run_sliced(
        api, [scrape] { return scrape->step(); },
        [scrape, reply] {
          Response response;
          response.content_type = std::string(metrics::kTextContentType);
          response.body = scrape->take();
          reply(std::move(response));
        },
        reply);
  });
}

}  // namespace samsa::http
