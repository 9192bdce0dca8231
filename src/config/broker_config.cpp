#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "samsa/config/config.h"
#include "samsa/util/strings.h"

namespace samsa::config {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// Kafka keys that a docker-compose file or a copied server.properties commonly sets but
// that mean nothing for a single node without ZooKeeper, a controller quorum or a JVM.
// They are accepted quietly (listed at info level) instead of being warned about.
const std::set<std::string, std::less<>> kInertKeys = {
    "process.roles",
    "controller.quorum.voters",
    "controller.quorum.bootstrap.servers",
    "controller.listener.names",
    "zookeeper.connect",
    "zookeeper.connection.timeout.ms",
    "num.network.threads",
    "num.io.threads",
    "num.recovery.threads.per.data.dir",
    "num.replica.fetchers",
    "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "security.inter.broker.protocol",
    "confluent.support.metrics.enable",
    "kafka.metrics.reporters",
    "metric.reporters",
    "log.segment.delete.delay.ms",
    "log.preallocate",
    "queued.max.requests",
    "replica.lag.time.max.ms",
};

// Reads typed values out of the merged keys, applying Kafka's defaults, and records the
// effective value of every key it reads (so DescribeConfigs can show defaults too).
class TypedReader {
 public:
  explicit TypedReader(RawConfig raw) : raw_(std::move(raw)) {}

  const RawValue* find(std::string_view key) {
    read_.insert(std::string(key));
    auto it = raw_.find(key);
    return it == raw_.end() ? nullptr : &it->second;
  }
  bool is_set(std::string_view key) { return find(key) != nullptr; }

  [[noreturn]] void fail(std::string_view key, std::string_view why) {
    const RawValue* v = find(key);
    const std::string from = v == nullptr         ? std::string("default")
                             : !v->origin.empty() ? "environment variable " + v->origin
                                                  : std::string(to_string(v->source));
    throw ConfigError(fmt::format("invalid value '{}' for configuration {} (from {}): {}",
                                  v ? v->value : "", key, from, why));
  }

  void record(std::string_view key, std::string value) {
    const RawValue* v = find(key);
    effective_[std::string(key)] =
        RawValue{std::move(value), v ? v->source : ConfigSource::kDefault, v ? v->origin : ""};
  }

  int64_t get_long(std::string_view key, std::optional<int64_t> def, int64_t min, int64_t max) {
    if (def) defaults_[std::string(key)] = std::to_string(*def);
    const RawValue* v = find(key);
    if (!v) {
      if (def) record(key, std::to_string(*def));
      return def.value_or(0);
    }
    std::string_view text = trim(v->value);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec == std::errc::invalid_argument || ptr != text.data() + text.size()) {
      fail(key, "not an integer");
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
      fail(key, fmt::format("must be between {} and {}", min, max));
    }
    record(key, std::to_string(value));
    return value;
  }
  int32_t get_int(std::string_view key, int32_t def, int32_t min = INT32_MIN,
                  int32_t max = INT32_MAX) {
    return static_cast<int32_t>(get_long(key, def, min, max));
  }
  std::optional<int64_t> get_optional_long(std::string_view key, int64_t min, int64_t max) {
    if (!is_set(key)) return std::nullopt;
    return get_long(key, std::nullopt, min, max);
  }

  bool get_bool(std::string_view key, bool def) {
    defaults_[std::string(key)] = def ? "true" : "false";
    const RawValue* v = find(key);
    bool value = def;
    if (v) {
      std::string text = to_lower(trim(v->value));
      if (text == "true") {
        value = true;
      } else if (text == "false") {
        value = false;
      } else {
        fail(key, "expected true or false");
      }
    }
    record(key, value ? "true" : "false");
    return value;
  }

  // Kafka's DOUBLE: a decimal in [min, max]; `def_text` is the default as Kafka prints it.
  double get_double(std::string_view key, double def, std::string_view def_text, double min,
                    double max) {
    defaults_[std::string(key)] = std::string(def_text);
    const RawValue* v = find(key);
    if (!v) {
      record(key, std::string(def_text));
      return def;
    }
    const std::string text(trim(v->value));
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
      fail(key, "not a number");
    if (!(value >= min && value <= max)) fail(key, fmt::format("must be in [{}, {}]", min, max));
    record(key, text);
    return value;
  }

  std::string get_string(std::string_view key, std::string_view def) {
    if (!def.empty()) defaults_[std::string(key)] = std::string(def);
    const RawValue* v = find(key);
    std::string value(v ? trim(v->value) : def);
    record(key, value);
    return value;
  }

  std::string get_choice(std::string_view key, std::string_view def,
                         std::initializer_list<std::string_view> choices) {
    std::string value = get_string(key, def);
    for (std::string_view c : choices) {
      if (to_lower(c) == to_lower(value)) return std::string(c);
    }
    std::vector<std::string> names(choices.begin(), choices.end());
    fail(key, fmt::format("must be one of {}", join(names, ", ")));
  }

  // Keys that were set but never read, in key order.
  std::vector<std::string> unread() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : raw_) {
      if (!read_.count(k)) out.push_back(k);
    }
    return out;
  }
  const RawConfig& raw() const { return raw_; }
  RawConfig take_effective() { return std::move(effective_); }
  std::map<std::string, std::string, std::less<>> take_defaults() { return std::move(defaults_); }

 private:
  RawConfig raw_;
  RawConfig effective_;
  std::map<std::string, std::string, std::less<>> defaults_;  // built-in, of every key read
  std::set<std::string, std::less<>> read_;
};

bool is_wildcard_host(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}

void read_listeners(TypedReader& r, BrokerConfig& c) {
  // Kafka 2's keys, still in the wurstmeister image's compose files: port and host.name
  // make the PLAINTEXT listener when listeners is not set.
  std::string default_listeners = "PLAINTEXT://:9092";
  if (r.is_set("port") || r.is_set("host.name")) {
    if (r.is_set("listeners")) {
      c.warnings.push_back("port and host.name (Kafka 2 keys) are ignored: listeners is set");
    } else {
      const Endpoint legacy{"PLAINTEXT", r.get_string("host.name", ""),
                            static_cast<uint16_t>(r.get_long("port", 9092, 0, 65535))};
      default_listeners = "PLAINTEXT://" + host_port(legacy);
    }
  }
  const std::string listeners_text = r.get_string("listeners", default_listeners);
  std::vector<Endpoint> binds = parse_endpoint_list(listeners_text, "listeners");
  if (binds.empty()) r.fail("listeners", "at least one listener is required");

  SecurityProtocolMap protocols = default_security_protocol_map();
  if (r.is_set("listener.security.protocol.map")) {
    protocols = parse_security_protocol_map(r.get_string("listener.security.protocol.map", ""));
  } else {
    r.record("listener.security.protocol.map",
             "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
  }

  std::set<std::string, std::less<>> controller_names;
  const std::string controller_listener_names = r.get_string("controller.listener.names", "");
  for (std::string_view n : split_list(controller_listener_names))
    controller_names.insert(to_upper(n));

  std::vector<Endpoint> advertised;
  const bool legacy_advertised = r.is_set("advertised.host.name") || r.is_set("advertised.port");
  if (r.is_set("advertised.listeners")) {
    advertised =
        parse_endpoint_list(r.get_string("advertised.listeners", ""), "advertised.listeners");
    if (legacy_advertised)
      c.warnings.push_back(
          "advertised.host.name and advertised.port (Kafka 2 keys) are ignored: "
          "advertised.listeners is set");
  } else if (legacy_advertised) {
    // Kafka 2: the PLAINTEXT listener advertised as advertised.host.name (default: its
    // host) and advertised.port (default: its port).
    const auto plain = std::find_if(binds.begin(), binds.end(), [](const Endpoint& e) {
      return e.listener_name == "PLAINTEXT";
    });
    if (plain == binds.end())
      r.fail(r.is_set("advertised.host.name") ? "advertised.host.name" : "advertised.port",
             "applies to the PLAINTEXT listener, and listeners has none");
    const Endpoint legacy{
        "PLAINTEXT", r.get_string("advertised.host.name", plain->host),
        static_cast<uint16_t>(r.get_long("advertised.port", plain->port, 0, 65535))};
    advertised.push_back(legacy);
    r.record("advertised.listeners", "PLAINTEXT://" + host_port(legacy));
  } else {
    r.record("advertised.listeners", listeners_text);
  }

  std::set<uint16_t> ports;
  for (const Endpoint& bind : binds) {
    if (controller_names.count(bind.listener_name)) {
      c.warnings.push_back(fmt::format(
          "listener {} is a controller listener (controller.listener.names); samsa has no "
          "controller quorum and does not open it",
          bind.listener_name));
      continue;
    }
    auto proto = protocols.find(bind.listener_name);
    if (proto == protocols.end()) {
      r.fail("listeners", fmt::format("no security protocol for listener {}; map it in "
                                      "listener.security.protocol.map, e.g. {}:PLAINTEXT",
                                      bind.listener_name, bind.listener_name));
    }
    if (proto->second != SecurityProtocol::kPlaintext) {
      r.fail("listeners", fmt::format("listener {} uses {}; samsa only supports PLAINTEXT",
                                      bind.listener_name, to_string(proto->second)));
    }
    if (bind.port != 0 && !ports.insert(bind.port).second) {
      r.fail("listeners", fmt::format("port {} is used by more than one listener", bind.port));
    }
    Listener l{bind, bind, proto->second};
    auto adv = std::find_if(advertised.begin(), advertised.end(), [&](const Endpoint& e) {
      return e.listener_name == bind.listener_name;
    });
    if (adv != advertised.end()) {
      if (adv->host == "0.0.0.0" || adv->host == "::") {
        r.fail("advertised.listeners",
               fmt::format("listener {} advertises the non-routable address {}; use a host "
                           "name or address clients can reach",
                           adv->listener_name, adv->host));
      }
      l.advertised = *adv;
    }
    // Kafka would advertise the machine's canonical host name for a host-less listener.
    // Samsa advertises localhost: that is what a client on the same machine, or on the
    // host of a docker container with a published port, can reach. Containers talking to
    // each other need advertised.listeners set explicitly (see docs/configuration.md).
    if (is_wildcard_host(l.advertised.host)) l.advertised.host = "localhost";
    c.listeners.push_back(std::move(l));
  }
  for (const Endpoint& adv : advertised) {
    if (!std::any_of(binds.begin(), binds.end(),
                     [&](const Endpoint& b) { return b.listener_name == adv.listener_name; })) {
      r.fail("advertised.listeners",
             fmt::format("listener {} is not defined in listeners", adv.listener_name));
    }
  }
  if (c.listeners.empty()) r.fail("listeners", "every listener is a controller listener");

  if (r.is_set("inter.broker.listener.name")) {
    std::string name = r.get_string("inter.broker.listener.name", "");
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!c.find_listener(name)) {
      r.fail("inter.broker.listener.name", fmt::format("{} is not one of the listeners", name));
    }
    c.inter_broker_listener_name = name;
  } else {
    c.inter_broker_listener_name = c.listeners.front().bind.listener_name;
  }
}

void read_identity(TypedReader& r, BrokerConfig& c) {
  std::optional<int64_t> node = r.get_optional_long("node.id", 0, INT32_MAX);
  std::optional<int64_t> broker = r.get_optional_long("broker.id", 0, INT32_MAX);
  if (node && broker && *node != *broker) {
    r.fail("broker.id", fmt::format("node.id={} and broker.id={} must be equal when both are set",
                                    *node, *broker));
  }
  c.node_id = static_cast<int32_t>(node.value_or(broker.value_or(1)));
  r.record("node.id", std::to_string(c.node_id));
  r.record("broker.id", std::to_string(c.node_id));
  if (r.is_set("cluster.id")) {
    std::string id = r.get_string("cluster.id", "");
    if (id.empty()) r.fail("cluster.id", "must not be empty");
    c.cluster_id = id;
  }
}

void read_log(TypedReader& r, BrokerConfig& c) {
  std::string dirs;
  if (r.is_set("log.dirs")) {
    dirs = r.get_string("log.dirs", "");
    r.record("log.dir", dirs);
  } else {
    dirs = r.get_string("log.dir", "/tmp/kafka-logs");
    r.record("log.dirs", dirs);
  }
  const std::vector<std::string_view> list = split_list(dirs);
  const char* dir_key = r.is_set("log.dirs") ? "log.dirs" : "log.dir";
  if (list.empty()) r.fail(dir_key, "a log directory is required");
  if (list.size() > 1) {
    r.fail(dir_key, "samsa stores all partitions in one log directory; list exactly one");
  }
  c.log_dir = std::filesystem::absolute(list.front()).lexically_normal();

  c.message_max_bytes = r.get_int("message.max.bytes", 1048588, 0);
  c.log_segment_bytes = r.get_int("log.segment.bytes", 1073741824, 14);

  constexpr int64_t kHour = 3600000;
  constexpr int64_t kMinute = 60000;
  int64_t roll_hours = r.get_int("log.roll.hours", 168, 1);
  std::optional<int64_t> roll_ms = r.get_optional_long("log.roll.ms", 1, INT64_MAX);
  c.log_roll_ms = roll_ms.value_or(roll_hours * kHour);

  int64_t ret_hours = r.get_int("log.retention.hours", 168);
  std::optional<int64_t> ret_minutes =
      r.get_optional_long("log.retention.minutes", INT32_MIN, INT32_MAX);
  std::optional<int64_t> ret_ms = r.get_optional_long("log.retention.ms", INT64_MIN, INT64_MAX);
  int64_t retention = ret_ms ? *ret_ms : ret_minutes ? *ret_minutes * kMinute : ret_hours * kHour;
  c.log_retention_ms = retention < 0 ? -1 : retention;

  c.log_retention_bytes = r.get_long("log.retention.bytes", -1, INT64_MIN, INT64_MAX);
  c.log_retention_check_interval_ms =
      r.get_long("log.retention.check.interval.ms", 300000, 1, INT64_MAX);
  c.log_index_interval_bytes = r.get_int("log.index.interval.bytes", 4096, 0);
  c.log_index_size_max_bytes = r.get_int("log.index.size.max.bytes", 10485760, 4);
  c.log_flush_interval_messages =
      r.get_long("log.flush.interval.messages", INT64_MAX, 1, INT64_MAX);
  c.log_flush_interval_ms =
      r.get_optional_long("log.flush.interval.ms", 0, INT64_MAX).value_or(INT64_MAX);
  c.log_message_timestamp_type = r.get_choice("log.message.timestamp.type", "CreateTime",
                                              {"CreateTime", "LogAppendTime"}) == "CreateTime"
                                     ? TimestampType::kCreateTime
                                     : TimestampType::kLogAppendTime;
  c.log_cleanup_policy = r.get_string("log.cleanup.policy", "delete");
  {
    // A list of compact and delete, as the topic's cleanup.policy.
    bool ok = true, any = false;
    std::string_view rest = c.log_cleanup_policy;
    while (ok) {
      const size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      ok = item == "compact" || item == "delete";
      any = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!ok || !any) r.fail("log.cleanup.policy", "expected compact, delete or compact,delete");
  }
  c.log_cleaner_enable = r.get_bool("log.cleaner.enable", true);
  c.log_cleaner_threads = r.get_int("log.cleaner.threads", 1, 1, 64);
  c.log_cleaner_backoff_ms = r.get_long("log.cleaner.backoff.ms", 15000, 0, INT64_MAX);
  c.log_cleaner_io_max_bytes_per_second =
      r.get_double("log.cleaner.io.max.bytes.per.second", std::numeric_limits<double>::max(),
                   "1.7976931348623157E308", 1, std::numeric_limits<double>::max());
  c.log_cleaner_dedupe_buffer_size =
      r.get_long("log.cleaner.dedupe.buffer.size", 134217728, 24, INT64_MAX);
  c.log_cleaner_io_buffer_load_factor =
      r.get_double("log.cleaner.io.buffer.load.factor", 0.9, "0.9", 1e-9, 1);
  // Defaults of the topics' cleaner configs (read again by LogConfig::from_broker).
  r.get_double("log.cleaner.min.cleanable.ratio", 0.5, "0.5", 0, 1);
  r.get_long("log.cleaner.min.compaction.lag.ms", 0, 0, INT64_MAX);
  r.get_long("log.cleaner.max.compaction.lag.ms", INT64_MAX, 1, INT64_MAX);
  r.get_long("log.cleaner.delete.retention.ms", 86400000, 0, INT64_MAX);
  c.compression_type = r.get_choice("compression.type", "producer",
                                    {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"});
}

void read_create_topics(TypedReader& r, BrokerConfig& c) {
  if (!r.is_set("create.topics")) return;
  // Not trimmed: the separator may be a blank or a newline. Compose files write a newline
  // as $$'\n', which reaches the container as the shell-quoted $'\n'.
  std::string separator = ",";
  if (const RawValue* v = r.find("create.topics.separator"); v != nullptr && !v->value.empty())
    separator = v->value == "$'\\n'" ? "\n" : v->value;
  r.record("create.topics.separator", separator);
  const std::string text = r.get_string("create.topics", "");
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    const std::string entry(trim(std::string_view(text).substr(start, end - start)));
    start = end + separator.size();
    if (entry.empty()) continue;
    std::vector<std::string> fields;
    for (size_t from = 0;;) {
      const size_t colon = entry.find(':', from);
      fields.emplace_back(trim(std::string_view(entry).substr(from, colon - from)));
      if (colon == std::string::npos) break;
      from = colon + 1;
    }
    if (fields.size() < 3 || fields.size() > 4 || fields[0].empty())
      r.fail("create.topics", fmt::format("entry '{}' is not name:partitions:replicas"
                                          "[:cleanup.policy]",
                                          entry));
    const auto number = [&](const std::string& field, const char* what, int64_t max) {
      int64_t value = 0;
      const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec != std::errc() || ptr != field.data() + field.size() || value < 1 || value > max)
        r.fail("create.topics",
               fmt::format("entry '{}': {} must be a number from 1 to {}", entry, what, max));
      return value;
    };
    BrokerConfig::InitialTopic topic;
    topic.name = fields[0];
    topic.partitions = static_cast<int32_t>(number(fields[1], "partitions", INT32_MAX));
    const int64_t replicas = number(fields[2], "replicas", INT16_MAX);
    if (replicas > 1) {
      if (c.replication_factor_policy == ReplicationFactorPolicy::kReject)
        r.fail("create.topics",
               fmt::format("entry '{}': replicas must be 1 on a single node (or set "
                           "samsa.replication.factor.policy=clamp)",
                           entry));
      c.warnings.push_back(fmt::format(
          "create.topics: {} created with replication factor 1, not {}: samsa is a single "
          "node",
          topic.name, replicas));
    }
    if (fields.size() == 4) {
      if (fields[3] != "compact" && fields[3] != "delete")
        r.fail("create.topics", fmt::format("entry '{}': cleanup.policy must be compact or "
                                            "delete",
                                            entry));
      topic.cleanup_policy = fields[3];
    }
    c.create_topics.push_back(std::move(topic));
  }
}

void read_topics_and_groups(TypedReader& r, BrokerConfig& c) {
  c.num_partitions = r.get_int("num.partitions", 1, 1);
  c.auto_create_topics_enable = r.get_bool("auto.create.topics.enable", true);
  c.delete_topic_enable = r.get_bool("delete.topic.enable", true);
  c.replication_factor_policy =
      r.get_choice("samsa.replication.factor.policy", "clamp", {"clamp", "reject"}) == "clamp"
          ? ReplicationFactorPolicy::kClamp
          : ReplicationFactorPolicy::kReject;
  int32_t rf = r.get_int("default.replication.factor", 1, 1, INT16_MAX);
  if (rf > 1) {
    if (c.replication_factor_policy == ReplicationFactorPolicy::kReject) {
      r.fail("default.replication.factor",
             "samsa is a single node; use 1 or set samsa.replication.factor.policy=clamp");
    }
    c.warnings.push_back(
        fmt::format("default.replication.factor={} clamped to 1: samsa is a single node", rf));
    rf = 1;
  }
  c.default_replication_factor = static_cast<int16_t>(rf);

  read_create_topics(r, c);

  c.socket_request_max_bytes = r.get_int("socket.request.max.bytes", 104857600, 1);
  c.socket_send_buffer_bytes = r.get_int("socket.send.buffer.bytes", 102400, -1);
  c.socket_receive_buffer_bytes = r.get_int("socket.receive.buffer.bytes", 102400, -1);
  c.max_connections = r.get_int("max.connections", INT32_MAX, 0);
  c.log_open_files_max = r.get_int("samsa.log.open.files.max", 0, 0);
  c.log_fsync_on_ack = r.get_bool("samsa.log.fsync.on.ack", true);
  c.http_listener_explicit = r.is_set("samsa.http.listener");
  c.http_listener = r.get_string("samsa.http.listener", "127.0.0.1:9080");
  c.http_max_connections = r.get_int("samsa.http.max.connections", 64, 1);
  c.http_request_max_bytes = r.get_int("samsa.http.request.max.bytes", 1048576, 1024);
  c.http_max_loop_percent = r.get_int("samsa.http.max.loop.percent", 25, 1, 100);

  c.group_initial_rebalance_delay_ms = r.get_int("group.initial.rebalance.delay.ms", 3000, 0);
  c.group_min_session_timeout_ms = r.get_int("group.min.session.timeout.ms", 6000, 0);
  c.group_max_session_timeout_ms = r.get_int("group.max.session.timeout.ms", 1800000, 0);
  if (c.group_min_session_timeout_ms > c.group_max_session_timeout_ms) {
    r.fail("group.min.session.timeout.ms",
           fmt::format("must not exceed group.max.session.timeout.ms ({})",
                       c.group_max_session_timeout_ms));
  }
  c.group_max_size = r.get_int("group.max.size", INT32_MAX, 1);
  const std::string assignors = r.get_string("group.consumer.assignors", "uniform,range");
  c.group_consumer_assignors.clear();
  for (std::string_view a : split_list(assignors)) c.group_consumer_assignors.emplace_back(a);
  if (c.group_consumer_assignors.empty()) {
    r.fail("group.consumer.assignors", "at least one assignor is required");
  }
  c.group_consumer_session_timeout_ms = r.get_int("group.consumer.session.timeout.ms", 45000, 1);
  c.group_consumer_heartbeat_interval_ms =
      r.get_int("group.consumer.heartbeat.interval.ms", 5000, 1);
  c.offsets_retention_minutes = r.get_int("offsets.retention.minutes", 10080, 1);
  c.offsets_retention_check_interval_ms =
      r.get_long("offsets.retention.check.interval.ms", 600000, 1, INT64_MAX);
  c.offset_metadata_max_bytes = r.get_int("offset.metadata.max.bytes", 4096, 0);
  c.group_consumer_max_size = r.get_int("group.consumer.max.size", INT32_MAX, 1);
  c.offsets_topic_num_partitions = r.get_int("offsets.topic.num.partitions", 50, 1);
  c.transactional_id_expiration_ms = r.get_int("transactional.id.expiration.ms", 604800000, 1);
  c.transaction_max_timeout_ms = r.get_int("transaction.max.timeout.ms", 900000, 1);
  c.transaction_abort_timed_out_transaction_cleanup_interval_ms =
      r.get_int("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000, 1);
  c.transaction_remove_expired_transaction_cleanup_interval_ms =
      r.get_int("transaction.remove.expired.transaction.cleanup.interval.ms", 3600000, 1);
  c.transaction_state_log_segment_bytes =
      r.get_int("transaction.state.log.segment.bytes", 104857600, 1);
  c.producer_id_expiration_ms = r.get_int("producer.id.expiration.ms", 86400000, 1);
  c.add_partitions_to_txn_retry_backoff_ms =
      r.get_int("add.partitions.to.txn.retry.backoff.ms", 20, 1);
  c.add_partitions_to_txn_retry_backoff_max_ms =
      r.get_int("add.partitions.to.txn.retry.backoff.max.ms", 100, 0);
  c.transaction_version = static_cast<int16_t>(r.get_int("samsa.transaction.version", 2, 0, 2));
}

}  // namespace

std::string_view to_string(TimestampType type) {
  return type == TimestampType::kCreateTime ? "CreateTime" : "LogAppendTime";
}

const Listener* BrokerConfig::find_listener(std::string_view name) const {
  for (const Listener& l : listeners) {
    if (l.bind.listener_name == name) return &l;
  }
  return nullptr;
}

BrokerConfig BrokerConfig::from_raw(RawConfig raw) {
  BrokerConfig c;
  TypedReader r(std::move(raw));
  read_identity(r, c);
  read_listeners(r, c);
  read_log(r, c);
  read_topics_and_groups(r, c);

  c.effective = r.take_effective();
  c.defaults = r.take_defaults();
  for (const std::string& key : r.unread()) {
    c.effective[key] = r.raw().find(key)->second;
    if (kInertKeys.count(key)) {
      c.inert_keys.push_back(key);
    } else {
      c.unknown_keys.push_back(key);
    }
  }
  if (!c.unknown_keys.empty()) {
    std::vector<std::string> named;  // with the variable, when one set it
    for (const std::string& key : c.unknown_keys) {
      const std::string& origin = r.raw().find(key)->second.origin;
      named.push_back(origin.empty() ? key : fmt::format("{} ({})", key, origin));
    }
    c.warnings.push_back(
        fmt::format("{} setting(s) not used by samsa, kept for DescribeConfigs: {}",
                    c.unknown_keys.size(), join(named, ", ")));
  }
  return c;
}

std::vector<TopicConfigDefault> BrokerConfig::topic_config_defaults() const {
  auto synonym = [&](std::initializer_list<const char*> keys) {
    // The first key that was set explicitly, else the last (the one the default comes from).
    std::string last;
    for (const char* k : keys) {
      auto it = effective.find(k);
      last = k;
      if (it != effective.end() && it->second.source != ConfigSource::kDefault) return last;
    }
    return last;
  };
  return {
      {"cleanup.policy", log_cleanup_policy, "log.cleanup.policy"},
      {"compression.type", compression_type, "compression.type"},
      {"flush.messages", std::to_string(log_flush_interval_messages),
       "log.flush.interval.messages"},
      {"flush.ms", std::to_string(log_flush_interval_ms), "log.flush.interval.ms"},
      {"index.interval.bytes", std::to_string(log_index_interval_bytes),
       "log.index.interval.bytes"},
      {"max.message.bytes", std::to_string(message_max_bytes), "message.max.bytes"},
      {"message.timestamp.type", std::string(to_string(log_message_timestamp_type)),
       "log.message.timestamp.type"},
      {"min.insync.replicas", "1", "min.insync.replicas"},
      {"retention.bytes", std::to_string(log_retention_bytes), "log.retention.bytes"},
      {"retention.ms", std::to_string(log_retention_ms),
       synonym({"log.retention.ms", "log.retention.minutes", "log.retention.hours"})},
      {"segment.bytes", std::to_string(log_segment_bytes), "log.segment.bytes"},
      {"segment.index.bytes", std::to_string(log_index_size_max_bytes), "log.index.size.max.bytes"},
      {"segment.ms", std::to_string(log_roll_ms), synonym({"log.roll.ms", "log.roll.hours"})},
  };
}

BrokerConfig load_broker_config(const LoadOptions& options) {
  Properties file;
  if (options.config_file) file = Properties::load_file(*options.config_file);
  Properties env = properties_from_environment(options.environment);
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const std::string& o : options.overrides) overrides.push_back(parse_override(o));
  Properties late;
  if (options.late_file) late = Properties::load_file(*options.late_file);
  RawConfig raw = merge_layers(file, env, overrides, options.profile, late);
  for (const auto& [key, variable] : environment_origins(options.environment)) {
    const auto it = raw.find(key);
    if (it != raw.end() && it->second.source == ConfigSource::kEnvironment)
      it->second.origin = variable;
  }
  return BrokerConfig::from_raw(std::move(raw));
}

bool is_sensitive_key(std::string_view key) {
  std::string k = to_lower(key);
  return k.find("password") != std::string::npos || k.find("secret") != std::string::npos ||
         k.find("jaas.config") != std::string::npos;
}

}  // namespace samsa::config
