#include "config_docs.h"

#include <algorithm>
#include <array>

namespace samsa::broker::admin {
namespace {

// Written for samsa, in its own words (not Kafka's ConfigDef text). Keep each entry to
// one or two plain sentences, and each table sorted by key (checked at compile time).
struct Doc {
  std::string_view key;
  std::string_view text;
};

constexpr auto kTopicDocs = std::to_array<Doc>({
    {"cleanup.policy",
     "What happens to old records: delete removes whole segments once they pass retention.ms "
     "or retention.bytes, compact keeps only the newest record of each key (the log cleaner), "
     "and compact,delete does both."},
    {"compression.gzip.level",
     "Level for gzip when the broker recompresses this topic's batches; -1 is the codec's "
     "default. samsa stores and reports it but compresses with the library's default level."},
    {"compression.lz4.level",
     "Level for lz4 when the broker recompresses this topic's batches. samsa stores and reports "
     "it but compresses with the library's default level."},
    {"compression.type",
     "Codec of the batches this topic stores: producer keeps each batch as the client "
     "compressed it; uncompressed, gzip, snappy, lz4 or zstd makes the broker recompress every "
     "produced batch that uses another codec."},
    {"compression.zstd.level",
     "Level for zstd when the broker recompresses this topic's batches. samsa stores and "
     "reports it but compresses with the library's default level."},
    {"delete.retention.ms",
     "On a compacted topic, milliseconds a tombstone (a record with a null value), or a "
     "transaction marker with no data left, survives after the cleaning that first found it "
     "removable, so that slow consumers still see the delete."},
    {"file.delete.delay.ms",
     "Milliseconds to wait before a segment file dropped by retention or compaction is removed "
     "from disk. samsa stores and reports it but does not use it."},
    {"flush.messages",
     "Forces an fsync of a partition once this many messages were appended since the last one; "
     "9223372036854775807 turns it off. samsa also fsyncs before answering acks=all unless "
     "samsa.log.fsync.on.ack is false."},
    {"flush.ms",
     "Forces an fsync of a partition whose appended data has waited this many milliseconds "
     "unsynced; 9223372036854775807 turns it off."},
    {"follower.replication.throttled.replicas",
     "Replicas (partition:broker pairs, or *) whose fetching from the leader is throttled. samsa "
     "is a single node without followers: stored and reported only."},
    {"index.interval.bytes",
     "Bytes of log appended between two entries of a segment's offset and time indexes; smaller "
     "values make look-ups by offset or time finer and the index files larger."},
    {"leader.replication.throttled.replicas",
     "Replicas (partition:broker pairs, or *) whose leader throttles what it sends to "
     "followers. samsa is a single node without followers: stored and reported only."},
    {"local.retention.bytes",
     "With tiered storage, bytes per partition kept on local disk while older segments live "
     "only in remote storage; -2 means retention.bytes. samsa has no tiered storage: stored and "
     "reported only."},
    {"local.retention.ms",
     "With tiered storage, milliseconds data stays on local disk before it lives only in "
     "remote storage; -2 means retention.ms. samsa has no tiered storage: stored and reported "
     "only."},
    {"max.compaction.lag.ms",
     "The longest, in milliseconds, a record may wait uncompacted: a log holding older dirty "
     "records is cleaned whatever its dirty ratio. 9223372036854775807 sets no limit."},
    {"max.message.bytes",
     "Largest record batch, in bytes after compression, a producer may append to this topic; a "
     "larger one is refused with MESSAGE_TOO_LARGE."},
    {"message.downconversion.enable",
     "Whether batches may be converted to an older record format for old consumers (gone in "
     "Kafka 4.0). samsa stores and reports it and never converts batches."},
    {"message.format.version",
     "The record format version the topic is written in, from before Kafka 3.0 (gone in 4.0). "
     "samsa always writes the v2 format: stored and reported only."},
    {"message.timestamp.after.max.ms",
     "How many milliseconds a CreateTime timestamp may be ahead of the broker's clock before the "
     "batch is refused. samsa stores and reports it but does not check timestamps."},
    {"message.timestamp.before.max.ms",
     "How many milliseconds a CreateTime timestamp may be behind the broker's clock before the "
     "batch is refused. samsa stores and reports it but does not check timestamps."},
    {"message.timestamp.difference.max.ms",
     "Largest gap in milliseconds, either way, between a CreateTime timestamp and the broker's "
     "clock (gone in Kafka 4.0). samsa stores and reports it but does not check timestamps."},
    {"message.timestamp.type",
     "Which timestamp records keep: CreateTime keeps the one the producer set, LogAppendTime "
     "has the broker stamp each batch with its own clock when it is appended."},
    {"min.cleanable.dirty.ratio",
     "Share of a compacted log, from 0 to 1, that must be not yet cleaned before the log cleaner "
     "takes it; lower values clean more often at the cost of more I/O."},
    {"min.compaction.lag.ms",
     "Milliseconds a record must have been in the log before compaction may remove it; 0 lets "
     "any record go as soon as a newer one with its key exists."},
    {"min.insync.replicas",
     "With acks=all, how many in-sync replicas must have a write before it succeeds. samsa is a "
     "single node whose only replica is itself: stored and reported, not enforced."},
    {"preallocate",
     "Whether a new segment file is allocated on disk at its full size up front. samsa stores "
     "and reports it but does not preallocate."},
    {"remote.log.copy.disable",
     "With tiered storage, stops copying this topic's segments to remote storage. samsa has no "
     "tiered storage: stored and reported only."},
    {"remote.log.delete.on.disable",
     "With tiered storage, whether the remote copies are deleted when tiering is turned off for "
     "the topic. samsa has no tiered storage: stored and reported only."},
    {"remote.storage.enable",
     "Turns tiered storage (segments copied to a remote store) on for the topic. samsa keeps all "
     "data on local disk: stored and reported only."},
    {"retention.bytes",
     "Size limit per partition, in bytes: under the delete policy the oldest segments are "
     "removed while the partition is above it. A negative value (-1) sets no size limit."},
    {"retention.ms",
     "How long records are kept under the delete policy, in milliseconds: a segment goes once "
     "its newest record is older than this. -1 keeps records forever."},
    {"segment.bytes",
     "Size in bytes at which a partition's active segment file is closed and a new one begun; "
     "retention and compaction work on whole segments."},
    {"segment.index.bytes",
     "Largest size in bytes of a segment's offset and time index files; a segment whose index "
     "is full is rolled."},
    {"segment.jitter.ms",
     "A random amount, in milliseconds, taken off segment.ms so that many partitions do not "
     "roll at once. samsa stores and reports it but rolls without jitter."},
    {"segment.ms",
     "Milliseconds after which the active segment is rolled even if it is not full, so that "
     "retention and compaction can reach its records."},
    {"unclean.leader.election.enable",
     "Whether a replica outside the in-sync set may become leader, at the risk of losing "
     "records. samsa is a single node that never changes leader: stored and reported only."},
});

// A key that only matters to a cluster (a controller quorum, ZooKeeper, replicas, a JVM)
// is accepted, reported, and ignored: its text says so.
constexpr auto kBrokerDocs = std::to_array<Doc>({
    {"add.partitions.to.txn.retry.backoff.max.ms",
     "Transactions v2: milliseconds the broker keeps retrying to add a partition to a "
     "transaction while the producer's previous one is still completing, before it answers a "
     "retriable error."},
    {"add.partitions.to.txn.retry.backoff.ms",
     "Transactions v2: milliseconds between the retries of adding a partition to a transaction "
     "while the producer's previous one is still completing."},
    {"advertised.host.name",
     "Kafka 2 setting: the host the PLAINTEXT listener advertises to clients when "
     "advertised.listeners is not set."},
    {"advertised.listeners",
     "Addresses Metadata gives clients, one NAME://host:port per listener; a listener not listed "
     "is advertised as bound, and port 0 stands for the bound port."},
    {"advertised.port",
     "Kafka 2 setting: the port the PLAINTEXT listener advertises to clients when "
     "advertised.listeners is not set."},
    {"auto.create.topics.enable",
     "Whether a Metadata request naming an unknown topic (and allowing auto-creation) creates "
     "it, with num.partitions partitions and the default configs."},
    {"broker.id", "This broker's id, the older name of node.id; if both are set they must agree."},
    {"cluster.id",
     "Fixes the cluster id instead of the one generated at the first start and kept in "
     "meta.properties. A samsa setting (Kafka sets it when formatting storage)."},
    {"compression.type",
     "Default compression.type of topics: producer stores batches as the client compressed them; "
     "uncompressed, gzip, snappy, lz4 or zstd makes the broker recompress batches using another "
     "codec."},
    {"confluent.support.metrics.enable",
     "Confluent's usage reporting switch. It has no meaning for samsa: accepted and ignored."},
    {"controller.listener.names",
     "Listeners reserved for a KRaft controller quorum. samsa has no controller, so the "
     "listeners named here are not opened."},
    {"controller.quorum.bootstrap.servers",
     "Where to find the KRaft controller quorum. samsa is a single node without controllers: "
     "accepted and ignored."},
    {"controller.quorum.voters",
     "The members of the KRaft controller quorum. samsa is a single node without controllers: "
     "accepted and ignored."},
    {"create.topics",
     "Topics created at start when missing, as name:partitions:replicas[:cleanup.policy] entries "
     "(the wurstmeister image's KAFKA_CREATE_TOPICS); replicas above 1 follow "
     "samsa.replication.factor.policy."},
    {"create.topics.separator",
     "What separates the create.topics entries: a comma by default; $'\\n' means a newline."},
    {"default.replication.factor",
     "Replication factor of auto-created topics and of CreateTopics requests that pass -1. samsa "
     "has one node: values above 1 are clamped to 1 or refused, per "
     "samsa.replication.factor.policy."},
    {"delete.topic.enable",
     "Whether DeleteTopics may delete topics; false answers TOPIC_DELETION_DISABLED."},
    {"group.consumer.assignors",
     "Server-side assignors of consumer groups using the KIP-848 protocol, the first being the "
     "default: uniform and range (Kafka's class names are accepted too)."},
    {"group.consumer.heartbeat.interval.ms",
     "Milliseconds between the heartbeats asked of members of KIP-848 consumer groups."},
    {"group.consumer.max.size",
     "Most members a KIP-848 consumer group may have; a further member is refused with "
     "GROUP_MAX_SIZE_REACHED."},
    {"group.consumer.session.timeout.ms",
     "Milliseconds without a heartbeat after which a member of a KIP-848 consumer group is "
     "removed from it."},
    {"group.initial.rebalance.delay.ms",
     "Milliseconds a new classic group waits for more members to join before its first "
     "rebalance completes; 0 does not wait."},
    {"group.max.session.timeout.ms",
     "Largest session timeout, in milliseconds, a classic group member may ask for; JoinGroup "
     "above it gets INVALID_SESSION_TIMEOUT."},
    {"group.max.size",
     "Most members a classic group may have; a further JoinGroup is refused with "
     "GROUP_MAX_SIZE_REACHED."},
    {"group.min.session.timeout.ms",
     "Smallest session timeout, in milliseconds, a classic group member may ask for; JoinGroup "
     "below it gets INVALID_SESSION_TIMEOUT."},
    {"host.name",
     "Kafka 2 setting: the host the PLAINTEXT listener binds to when listeners is not set."},
    {"inter.broker.listener.name",
     "The listener other brokers would connect through. samsa has no other brokers: it must name "
     "a listener and is otherwise unused."},
    {"kafka.metrics.reporters",
     "JVM metrics reporter classes. samsa serves Prometheus metrics on its HTTP listener "
     "instead: accepted and ignored."},
    {"listener.security.protocol.map",
     "The security protocol of each listener, as NAME:PROTOCOL pairs. samsa serves PLAINTEXT "
     "only: a listener mapped to another protocol stops the start."},
    {"listeners",
     "Where the broker accepts Kafka connections, as comma-separated NAME://host:port; an empty "
     "host means every interface and port 0 any free port."},
    {"log.cleaner.backoff.ms",
     "Milliseconds the log cleaner waits before it looks again for logs to compact when none is "
     "due."},
    {"log.cleaner.dedupe.buffer.size",
     "Bytes of memory for the log cleaner's key map, shared by the cleaner threads; it bounds "
     "how many keys one cleaning pass can deduplicate."},
    {"log.cleaner.delete.retention.ms",
     "Default of topics' delete.retention.ms: milliseconds a tombstone survives on a compacted "
     "topic after it could be removed."},
    {"log.cleaner.enable",
     "Whether the log cleaner runs; with false, topics with cleanup.policy compact are never "
     "compacted."},
    {"log.cleaner.io.buffer.load.factor",
     "How full, as a fraction up to 1, the cleaner's key map may get in one pass; the rest of "
     "the log waits for the next pass."},
    {"log.cleaner.io.max.bytes.per.second",
     "Bytes per second the cleaner threads may read and write together; the default sets no "
     "bound."},
    {"log.cleaner.max.compaction.lag.ms",
     "Default of topics' max.compaction.lag.ms: the longest, in milliseconds, a record may wait "
     "uncompacted."},
    {"log.cleaner.min.cleanable.ratio",
     "Default of topics' min.cleanable.dirty.ratio: the share of a log, 0 to 1, that must be "
     "dirty before it is compacted."},
    {"log.cleaner.min.compaction.lag.ms",
     "Default of topics' min.compaction.lag.ms: milliseconds a record is safe from compaction."},
    {"log.cleaner.threads", "Number of log cleaner threads; each compacts one log at a time."},
    {"log.cleanup.policy", "Default cleanup.policy of topics: delete, compact, or compact,delete."},
    {"log.dir", "Directory of all partitions' data, used when log.dirs is not set."},
    {"log.dirs",
     "Directory of all partitions' data and of meta.properties. samsa uses exactly one "
     "directory: a list of several is refused."},
    {"log.flush.interval.messages",
     "Default of topics' flush.messages: fsync a partition after this many unsynced messages; "
     "9223372036854775807 turns it off."},
    {"log.flush.interval.ms",
     "Default of topics' flush.ms: fsync data that has waited this many milliseconds unsynced; "
     "unset means never by time."},
    {"log.index.interval.bytes",
     "Default of topics' index.interval.bytes: bytes of log between two index entries."},
    {"log.index.size.max.bytes",
     "Default of topics' segment.index.bytes: the largest size in bytes of an index file."},
    {"log.message.timestamp.type",
     "Default of topics' message.timestamp.type: CreateTime (the producer's timestamp) or "
     "LogAppendTime (the broker's clock)."},
    {"log.preallocate",
     "Whether segment files are allocated at full size up front. samsa does not preallocate: "
     "accepted and ignored."},
    {"log.retention.bytes",
     "Default of topics' retention.bytes: size limit per partition in bytes; -1 sets no size "
     "limit."},
    {"log.retention.check.interval.ms",
     "Milliseconds between the broker's checks for segments that retention should delete."},
    {"log.retention.hours",
     "Default of topics' retention.ms, in hours; log.retention.minutes or log.retention.ms win "
     "when set."},
    {"log.retention.minutes",
     "Default of topics' retention.ms, in minutes; wins over log.retention.hours, loses to "
     "log.retention.ms."},
    {"log.retention.ms",
     "Default of topics' retention.ms, in milliseconds; wins over the minutes and hours keys. A "
     "negative value keeps records forever."},
    {"log.roll.hours", "Default of topics' segment.ms, in hours; log.roll.ms wins when set."},
    {"log.roll.ms", "Default of topics' segment.ms, in milliseconds; wins over log.roll.hours."},
    {"log.segment.bytes", "Default of topics' segment.bytes: the size in bytes of a segment file."},
    {"log.segment.delete.delay.ms",
     "Milliseconds before a dropped segment file is deleted from disk. samsa does not use it: "
     "accepted and ignored."},
    {"max.connections",
     "Most Kafka client connections open at once; a connection beyond it is closed as soon as "
     "it is accepted."},
    {"message.max.bytes",
     "Default of topics' max.message.bytes: the largest record batch, in bytes after "
     "compression, a producer may append."},
    {"metric.reporters",
     "JVM metrics reporter classes. samsa serves Prometheus metrics on its HTTP listener "
     "instead: accepted and ignored."},
    {"min.insync.replicas",
     "Default of topics' min.insync.replicas. samsa is a single node whose only replica is "
     "itself: reported, not enforced."},
    {"node.id",
     "This broker's id: what Metadata shows and the name of the broker resource in "
     "DescribeConfigs. It must match meta.properties; samsa's default is 1."},
    {"num.io.threads",
     "Kafka's request handler thread count. samsa handles requests on its event loop: accepted "
     "and ignored."},
    {"num.network.threads",
     "Kafka's network thread count. samsa serves connections on its event loop: accepted and "
     "ignored."},
    {"num.partitions",
     "Partition count of auto-created topics and of CreateTopics requests that pass -1."},
    {"num.recovery.threads.per.data.dir",
     "Kafka's threads per directory for loading logs at start. samsa does not use it: accepted "
     "and ignored."},
    {"num.replica.fetchers",
     "Threads fetching from other brokers' leaders. samsa has no replicas to fetch: accepted and "
     "ignored."},
    {"offset.metadata.max.bytes",
     "Longest metadata string, in bytes, an offset commit may carry; a longer one gets "
     "OFFSET_METADATA_TOO_LARGE."},
    {"offsets.retention.check.interval.ms",
     "Milliseconds between the group coordinator's checks for committed offsets that have "
     "expired."},
    {"offsets.retention.minutes",
     "How long, in minutes, the committed offsets of a group without active members are kept "
     "before they are deleted."},
    {"offsets.topic.num.partitions",
     "Partition count of __consumer_offsets. samsa's has one partition (one coordinator), so "
     "the value is not used."},
    {"offsets.topic.replication.factor",
     "Replication factor of __consumer_offsets. samsa is a single node (factor 1): accepted and "
     "ignored."},
    {"port",
     "Kafka 2 setting: the port the PLAINTEXT listener binds to when listeners is not set."},
    {"process.roles",
     "KRaft roles of the node (broker, controller). samsa is always a broker without a "
     "controller quorum: accepted and ignored."},
    {"producer.id.expiration.ms",
     "Milliseconds an idle producer's idempotence state is kept. samsa reads it but does not "
     "expire producer state."},
    {"queued.max.requests",
     "Kafka's bound on requests queued for its handler threads. samsa has no such queue: "
     "accepted and ignored."},
    {"replica.lag.time.max.ms",
     "How long a follower may lag before it leaves the in-sync set. samsa has no followers: "
     "accepted and ignored."},
    {"samsa.http.listener",
     "A samsa setting: host:port of the web console, JSON API and /metrics; port 0 picks a free "
     "port and an empty value turns HTTP off."},
    {"samsa.http.max.connections",
     "A samsa setting: most HTTP connections open at once; further ones are closed at once."},
    {"samsa.http.max.loop.percent",
     "A samsa setting: the largest share, in percent, of the event loop the console, JSON API "
     "and /metrics may take, so they never slow Kafka requests; 100 sets no limit."},
    {"samsa.http.request.max.bytes",
     "A samsa setting: largest HTTP request body in bytes; a larger one is answered 413."},
    {"samsa.log.fsync.on.ack",
     "A samsa setting: true answers acks=all once the records are fsynced (group commit); false "
     "answers once they are written, as Kafka does relying on replicas."},
    {"samsa.log.open.files.max",
     "A samsa setting: how many segment log files stay open at once, the least recently used "
     "reopened on demand; 0 means half of the open-file limit."},
    {"samsa.replication.factor.policy",
     "A samsa setting for replication factors above 1 on this single node: clamp creates the "
     "topic with factor 1 and logs a warning, reject refuses with INVALID_REPLICATION_FACTOR."},
    {"samsa.transaction.version",
     "A samsa setting: the transaction.version feature level ApiVersions advertises; 2 lets "
     "Kafka 4 clients use transactions v2 (KIP-890), 0 or 1 keeps them on the classic protocol."},
    {"security.inter.broker.protocol",
     "Security protocol between brokers. samsa has no other brokers: accepted and ignored."},
    {"socket.receive.buffer.bytes",
     "Receive buffer (SO_RCVBUF) of client connections, in bytes; -1 keeps the operating "
     "system's default."},
    {"socket.request.max.bytes",
     "Largest request, in bytes, the broker reads; a client sending a larger one is "
     "disconnected."},
    {"socket.send.buffer.bytes",
     "Send buffer (SO_SNDBUF) of client connections, in bytes; -1 keeps the operating system's "
     "default."},
    {"transaction.abort.timed.out.transaction.cleanup.interval.ms",
     "Milliseconds between checks for open transactions past their timeout, which are then "
     "aborted."},
    {"transaction.max.timeout.ms",
     "Largest transaction timeout, in milliseconds, a producer may ask for; a larger one gets "
     "INVALID_TRANSACTION_TIMEOUT."},
    {"transaction.remove.expired.transaction.cleanup.interval.ms",
     "Milliseconds between checks for transactional ids idle past "
     "transactional.id.expiration.ms, which are then removed."},
    {"transaction.state.log.min.isr",
     "Fewest in-sync replicas of __transaction_state. samsa is a single node: accepted and "
     "ignored."},
    {"transaction.state.log.replication.factor",
     "Replication factor of __transaction_state. samsa is a single node (factor 1): accepted and "
     "ignored."},
    {"transaction.state.log.segment.bytes",
     "Segment size in bytes of the internal __transaction_state topic."},
    {"transactional.id.expiration.ms",
     "Milliseconds a transactional id may stay idle, with no transaction open, before it is "
     "removed from __transaction_state."},
    {"unclean.leader.election.enable",
     "Whether a replica outside the in-sync set may become leader. samsa never changes leader: "
     "accepted and ignored."},
    {"zookeeper.connect",
     "ZooKeeper address of pre-KRaft Kafka. samsa uses no ZooKeeper: accepted and ignored."},
    {"zookeeper.connection.timeout.ms",
     "Timeout for connecting to ZooKeeper. samsa uses no ZooKeeper: accepted and ignored."},
});

constexpr bool by_key(const Doc& a, const Doc& b) {
  return a.key < b.key;
}
static_assert(std::is_sorted(kTopicDocs.begin(), kTopicDocs.end(), by_key));
static_assert(std::is_sorted(kBrokerDocs.begin(), kBrokerDocs.end(), by_key));

template <size_t N>
std::optional<std::string_view> find(const std::array<Doc, N>& docs, std::string_view key) {
  const auto it = std::lower_bound(docs.begin(), docs.end(), key,
                                   [](const Doc& d, std::string_view k) { return d.key < k; });
  if (it == docs.end() || it->key != key) return std::nullopt;
  return it->text;
}

}  // namespace

std::optional<std::string_view> topic_config_documentation(std::string_view key) {
  return find(kTopicDocs, key);
}

std::optional<std::string_view> broker_config_documentation(std::string_view key) {
  return find(kBrokerDocs, key);
}

}  // namespace samsa::broker::admin
