// samsa topic: what kafka-topics.sh and rpk topic do, against any Kafka broker.
//   list            Metadata; internal topics only with --internal
//   create          CreateTopics (-1 partitions/replicas = the broker's defaults, v4+)
//   describe        Metadata, DescribeConfigs (the configs that are not defaults) and
//                   ListOffsets earliest/latest per partition, asked of its leader
//   alter-config    IncrementalAlterConfigs SET/DELETE on the topic's overrides
//   add-partitions  CreatePartitions to a new total
//   delete          DeleteTopics
//   trim            DeleteRecords below an offset (-1: the high watermark), to leaders
// Every failed topic or partition is printed to stderr as its Kafka error (name and
// sentence) and makes the tool exit 1; the results of the others are still printed,
// so a script sees the whole outcome.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "commands.h"

namespace samsa::cli {

namespace {

using protocol::MetadataResponse;
using TopicMetadata = MetadataResponse::MetadataResponseTopic;

constexpr int8_t kTopicResource = 2;        // ConfigResource.Type.TOPIC
constexpr int8_t kConfigSourceDefault = 5;  // DescribeConfigs: DEFAULT_CONFIG
constexpr int8_t kOpSet = 0;                // IncrementalAlterConfigs operations
constexpr int8_t kOpDelete = 1;
constexpr int64_t kLatest = -1;  // ListOffsets timestamps
constexpr int64_t kEarliest = -2;

Json& text(Json& j, std::string_view s) {
  return j.raw(json_escape(s));
}

std::string error_text(int16_t code, const std::string& context,
                       const std::optional<std::string>& message) {
  return client::KafkaError(static_cast<ErrorCode>(code), context, message).what();
}

// A topic's or partition's error: null, or its code, Kafka's name and the full text.
void json_error(Json& j, int16_t code, const std::string& context,
                const std::optional<std::string>& message) {
  j.key("error");
  if (code == 0) {
    j.null();
    return;
  }
  j.begin_object().key("code").value(static_cast<int32_t>(code));
  j.key("name").value(error_name(static_cast<ErrorCode>(code)));
  j.key("message");
  text(j, error_text(code, context, message)).end_object();
}

// Collects the per-item failures of one run; print() sends them to stderr and gives
// the exit code.
class Failures {
 public:
  bool add(int16_t code, const std::string& context,
           const std::optional<std::string>& message = std::nullopt) {
    if (code != 0) lines_.push_back(error_text(code, context, message));
    return code != 0;
  }
  int finish() const {
    for (const auto& line : lines_) std::fprintf(stderr, "error: %s\n", line.c_str());
    return lines_.empty() ? kExitOk : kExitKafkaError;
  }

 private:
  std::vector<std::string> lines_;
};

// The end of a subcommand that reports per topic or partition: the JSON document (or
// the table) on stdout, then every failure on stderr; returns the exit code.
int report(const CommonOptions& o, const Json& json, const Table& table, const Failures& failures) {
  if (o.output_format() == Format::kJson) {
    std::printf("%s\n", json.str().c_str());
  } else {
    table.print(stdout);
  }
  return failures.finish();
}

// The end of a subcommand that makes one change: when it failed, the failures on
// stderr and nothing on stdout; else the JSON document or the sentence saying what was
// done. Returns the exit code.
int report(const CommonOptions& o, const Json& json, const std::string& sentence,
           const Failures& failures) {
  if (const int code = failures.finish(); code != kExitOk) return code;
  std::printf("%s\n", o.output_format() == Format::kJson ? json.str().c_str() : sentence.c_str());
  return kExitOk;
}

// "key=value" (the value may be empty or contain '='); throws std::invalid_argument
// (exit 2) otherwise.
std::pair<std::string, std::string> key_value(const std::string& pair, const char* option) {
  const auto eq = pair.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::invalid_argument(fmt::format("{} takes key=value, got '{}'", option, pair));
  return {pair.substr(0, eq), pair.substr(eq + 1)};
}

// The time the broker may take, a little under ours so that its REQUEST_TIMED_OUT
// reaches us before our own deadline gives up on the connection.

std::string id_text(const protocol::Uuid& id) {
  return id.is_zero() ? "" : id.to_base64();
}

std::string list_text(const std::vector<int32_t>& ids) {
  return "[" + fmt::format("{}", fmt::join(ids, ",")) + "]";
}

Json& int_array(Json& j, const std::vector<int32_t>& ids) {
  j.begin_array();
  for (const int32_t id : ids) j.value(id);
  return j.end_array();
}

// Replication factor as Kafka's tools show it: the replica count of the partitions.
int32_t replication_factor(const TopicMetadata& t) {
  size_t rf = 0;
  for (const auto& p : t.partitions) rf = std::max(rf, p.replica_nodes.size());
  return static_cast<int32_t>(rf);
}

// Metadata of one topic; throws KafkaError if the broker has none for it.
TopicMetadata topic_metadata(client::Client& c, const std::string& name) {
  auto reply = c.metadata(std::vector<std::string>{name});
  for (auto& t : reply.body.topics) {
    if (t.name.value_or("") != name) continue;
    client::check(t.error_code, "topic " + name);
    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
    return std::move(t);
  }
  throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "topic " + name);
}

// ---- list -------------------------------------------------------------------------

struct ListOptions {
  CommonOptions common;
  bool internal = false;
};

int topic_list(const ListOptions& o) {
  client::Client c(o.common.client_options());
  auto reply = c.metadata(std::nullopt);
  auto& topics = reply.body.topics;
  std::erase_if(topics, [&](const TopicMetadata& t) {
    return !t.name || (t.is_internal && !o.internal);  // hidden by default, as rpk does
  });
  std::sort(topics.begin(), topics.end(),
            [](const TopicMetadata& a, const TopicMetadata& b) { return *a.name < *b.name; });
  Failures failures;
  Json j;
  j.begin_array();
  Table table({"NAME", "PARTITIONS", "REPLICAS", "INTERNAL"});
  for (const auto& t : topics) {
    failures.add(t.error_code, "topic " + *t.name);
    table.add({*t.name, std::to_string(t.partitions.size()), std::to_string(replication_factor(t)),
               t.is_internal ? "yes" : "no"});
    j.begin_object().key("name");
    text(j, *t.name).key("topic_id");
    t.topic_id.is_zero() ? j.null() : j.value(t.topic_id.to_base64());
    j.key("partitions").value(static_cast<int32_t>(t.partitions.size()));
    j.key("replication_factor").value(replication_factor(t));
    j.key("internal").value(t.is_internal);
    json_error(j, t.error_code, "topic " + *t.name, std::nullopt);
    j.end_object();
  }
  return report(o.common, j.end_array(), table, failures);
}

// ---- create -----------------------------------------------------------------------

struct CreateOptions {
  CommonOptions common;
  std::vector<std::string> names;
  int32_t partitions = -1;
  int32_t replication_factor = -1;
  std::vector<std::string> configs;
  bool if_not_exists = false;
  bool dry_run = false;
};

int topic_create(const CreateOptions& o) {
  protocol::CreateTopicsRequest request;
  for (const auto& name : o.names) {
    protocol::CreateTopicsRequest::CreatableTopic t;
    t.name = name;
    t.num_partitions = o.partitions;
    t.replication_factor = static_cast<int16_t>(o.replication_factor);
    for (const auto& pair : o.configs) {
      auto [key, value] = key_value(pair, "--config");
      t.configs.push_back({std::move(key), std::move(value), {}});
    }
    request.topics.push_back(std::move(t));
  }
  request.timeout_ms = broker_timeout(o.common);
  request.validate_only = o.dry_run;

  client::Client c(o.common.client_options());
  auto& conn = c.controller();
  const int16_t version = conn.version_for(protocol::CreateTopicsRequest::api_key);
  if (version >= 0 && version < 4 && (o.partitions == -1 || o.replication_factor == -1))
    throw std::invalid_argument(
        fmt::format("the broker speaks CreateTopics up to v{}, which has no broker defaults: give "
                    "--partitions and --replication-factor",
                    version));
  const auto reply = conn.call<protocol::CreateTopicsResponse>(request, version);

  Failures failures;
  Json j;
  j.begin_array();
  Table table({"TOPIC", "STATUS", "PARTITIONS", "REPLICAS", "ID"});
  for (const auto& r : reply.body.topics) {
    const std::string context = "topic " + r.name;
    const bool exists =
        r.error_code == static_cast<int16_t>(ErrorCode::TOPIC_ALREADY_EXISTS) && o.if_not_exists;
    const int16_t code = exists ? 0 : r.error_code;
    failures.add(code, context, r.error_message);
    // JSON status, and the text one (the error's name for a failure).
    const std::string status = code != 0   ? "error"
                               : exists    ? "exists"
                               : o.dry_run ? "valid"
                                           : "created";
    const std::string label = code != 0   ? std::string(error_name(static_cast<ErrorCode>(code)))
                              : o.dry_run ? status + " (dry run)"
                                          : status;
    // v5+ answers with what the broker resolved (its defaults for -1); older ones echo
    // nothing, so show what was asked.
    const bool made = code == 0 && !exists;
    const auto known = [&](int32_t v) { return made && v >= 0 ? std::optional(v) : std::nullopt; };
    const auto partitions = known(version >= 5 ? r.num_partitions : o.partitions);
    const auto replicas = known(version >= 5 ? r.replication_factor : o.replication_factor);
    const std::string id = made ? id_text(r.topic_id) : "";
    table.add({r.name, label, partitions ? std::to_string(*partitions) : "-",
               replicas ? std::to_string(*replicas) : "-", id.empty() ? "-" : id});
    j.begin_object().key("name");
    text(j, r.name).key("status").value(status).key("partitions");
    partitions ? j.value(*partitions) : j.null();
    j.key("replication_factor");
    replicas ? j.value(*replicas) : j.null();
    j.key("topic_id");
    id.empty() ? j.null() : j.value(id);
    json_error(j, code, context, r.error_message);
    j.end_object();
  }
  return report(o.common, j.end_array(), table, failures);
}

// ---- describe ---------------------------------------------------------------------

struct DescribeOptions {
  CommonOptions common;
  std::string name;
  bool all_configs = false;
};

std::string_view config_source_name(int8_t source) {
  switch (source) {
    case 1:
      return "DYNAMIC_TOPIC_CONFIG";
    case 2:
      return "DYNAMIC_BROKER_CONFIG";
    case 3:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4:
      return "STATIC_BROKER_CONFIG";
    case 5:
      return "DEFAULT_CONFIG";
    case 6:
      return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case 7:
      return "CLIENT_METRICS_CONFIG";
    case 8:
      return "GROUP_CONFIG";
    default:
      return "UNKNOWN";
  }
}

struct PartitionOffset {
  int64_t offset = -1;
  int16_t error = 0;
};

// The partitions of a topic by the node that leads them; leaderless ones under -1.
std::map<int32_t, std::vector<int32_t>> by_leader(const TopicMetadata& t,
                                                  const std::vector<int32_t>& partitions) {
  std::map<int32_t, std::vector<int32_t>> out;
  for (const auto& p : t.partitions)
    if (std::find(partitions.begin(), partitions.end(), p.partition_index) != partitions.end())
      out[p.leader_id < 0 ? -1 : p.leader_id].push_back(p.partition_index);
  return out;
}

// ListOffsets at `timestamp` for every partition of `t`, one request per leader (Kafka
// answers only for the partitions a broker leads).
std::map<int32_t, PartitionOffset> list_offsets(client::Client& c, const TopicMetadata& t,
                                                int64_t timestamp) {
  std::vector<int32_t> all;
  for (const auto& p : t.partitions) all.push_back(p.partition_index);
  std::map<int32_t, PartitionOffset> out;
  for (const auto& [leader, partitions] : by_leader(t, all)) {
    if (leader < 0) {
      for (const int32_t p : partitions)
        out[p].error = static_cast<int16_t>(ErrorCode::LEADER_NOT_AVAILABLE);
      continue;
    }
    protocol::ListOffsetsRequest request;
    request.replica_id = -1;      // a client, not a follower
    request.isolation_level = 0;  // read_uncommitted: latest is the high watermark
    auto& topic = request.topics.emplace_back();
    topic.name = *t.name;
    for (const int32_t p : partitions) {
      auto& part = topic.partitions.emplace_back();
      part.partition_index = p;
      part.timestamp = timestamp;
      out[p].error = static_cast<int16_t>(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);  // if unanswered
    }
    const auto reply = c.node(leader).call<protocol::ListOffsetsResponse>(request);
    for (const auto& rt : reply.body.topics) {
      if (rt.name != *t.name) continue;
      for (const auto& rp : rt.partitions) {
        if (!out.contains(rp.partition_index)) continue;
        out[rp.partition_index] = {rp.offset, rp.error_code};
      }
    }
  }
  return out;
}

// ListOffsets of a topic created a moment ago may meet leaders that do not serve yet.
std::map<int32_t, PartitionOffset> settled_offsets(client::Client& c, const TopicMetadata& t,
                                                   int64_t timestamp) {
  return until_leaders_serve([&] { return list_offsets(c, t, timestamp); },
                             [](const PartitionOffset& o) { return o.error; });
}

int topic_describe(const DescribeOptions& o) {
  client::Client c(o.common.client_options());
  const TopicMetadata t = topic_metadata(c, o.name);

  protocol::DescribeConfigsRequest request;
  auto& resource = request.resources.emplace_back();
  resource.resource_type = kTopicResource;
  resource.resource_name = o.name;
  resource.configuration_keys.reset();  // null: every key
  auto configs_reply = c.any().call<protocol::DescribeConfigsResponse>(request);
  if (configs_reply.body.results.empty())
    throw client::NetworkError("DescribeConfigs answered no result for topic " + o.name);
  auto& result = configs_reply.body.results.front();
  client::check(result.error_code, "configs of topic " + o.name, result.error_message);
  auto& configs = result.configs;
  if (!o.all_configs)
    std::erase_if(configs, [](const auto& e) { return e.config_source == kConfigSourceDefault; });
  std::sort(configs.begin(), configs.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });

  const auto earliest = settled_offsets(c, t, kEarliest);
  const auto latest = settled_offsets(c, t, kLatest);
  Failures failures;
  // A partition's first error: Metadata's, else the offset lookups'.
  const auto partition_error = [&](const MetadataResponse::MetadataResponsePartition& p) {
    if (p.error_code != 0) return p.error_code;
    const int16_t e = earliest.at(p.partition_index).error;
    return e != 0 ? e : latest.at(p.partition_index).error;
  };
  const auto offset = [](const std::map<int32_t, PartitionOffset>& m, int32_t p) {
    const auto& v = m.at(p);
    return v.error == 0 ? std::optional<int64_t>(v.offset) : std::nullopt;
  };
  const int32_t rf = replication_factor(t);

  if (o.common.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("name");
    text(j, o.name).key("topic_id");
    t.topic_id.is_zero() ? j.null() : j.value(t.topic_id.to_base64());
    j.key("internal").value(t.is_internal);
    j.key("partition_count").value(static_cast<int32_t>(t.partitions.size()));
    j.key("replication_factor").value(rf);
    j.key("configs").begin_array();
    for (const auto& e : configs) {
      j.begin_object().key("name");
      text(j, e.name).key("value");
      e.value ? text(j, *e.value) : j.null();
      j.key("source").value(config_source_name(e.config_source));
      j.key("read_only").value(e.read_only).key("sensitive").value(e.is_sensitive).end_object();
    }
    j.end_array().key("partitions").begin_array();
    for (const auto& p : t.partitions) {
      const int16_t error = partition_error(p);
      const std::string context = fmt::format("{}-{}", o.name, p.partition_index);
      failures.add(error, context);
      j.begin_object().key("partition").value(p.partition_index);
      j.key("leader").value(p.leader_id).key("leader_epoch").value(p.leader_epoch);
      int_array(j.key("replicas"), p.replica_nodes);
      int_array(j.key("isr"), p.isr_nodes);
      int_array(j.key("offline_replicas"), p.offline_replicas);
      for (const auto& [key, m] :
           {std::pair{"log_start_offset", &earliest}, std::pair{"high_watermark", &latest}}) {
        j.key(key);
        const auto v = offset(*m, p.partition_index);
        v ? j.value(*v) : j.null();
      }
      json_error(j, error, context, std::nullopt);
      j.end_object();
    }
    std::printf("%s\n", j.end_array().end_object().str().c_str());
    return failures.finish();
  }

  std::printf("SUMMARY\n");
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"name", o.name},
           {"id", t.topic_id.is_zero() ? "-" : t.topic_id.to_base64()},
           {"partitions", std::to_string(t.partitions.size())},
           {"replication factor", std::to_string(rf)},
           {"internal", t.is_internal ? "yes" : "no"}})
    std::printf("  %-20s%s\n", k.c_str(), v.c_str());

  std::printf("\nCONFIGS%s\n", o.all_configs ? "" : " (not defaults)");
  if (configs.empty()) {
    std::printf("  (none)\n");
  } else {
    Table table({"KEY", "VALUE", "SOURCE"});
    for (const auto& e : configs)
      table.add({e.name, e.value.value_or(e.is_sensitive ? "(sensitive)" : "(null)"),
                 std::string(config_source_name(e.config_source))});
    table.print(stdout);
  }

  std::printf("\nPARTITIONS\n");
  Table table(
      {"PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START-OFFSET", "HIGH-WATERMARK"});
  for (const auto& p : t.partitions) {
    const int16_t error = partition_error(p);
    failures.add(error, fmt::format("{}-{}", o.name, p.partition_index));
    const auto show = [&](const std::map<int32_t, PartitionOffset>& m) {
      const auto v = offset(m, p.partition_index);
      return v ? std::to_string(*v) : std::string("-");
    };
    table.add({std::to_string(p.partition_index), std::to_string(p.leader_id),
               std::to_string(p.leader_epoch), list_text(p.replica_nodes), list_text(p.isr_nodes),
               show(earliest), show(latest)});
  }
  table.print(stdout);
  return failures.finish();
}

// ---- alter-config -----------------------------------------------------------------

struct AlterOptions {
  CommonOptions common;
  std::string name;
  std::vector<std::string> set;
  std::vector<std::string> remove;
  bool dry_run = false;
};

int topic_alter_config(const AlterOptions& o) {
  if (o.set.empty() && o.remove.empty())
    throw std::invalid_argument("nothing to alter: give --set key=value or --delete key");
  protocol::IncrementalAlterConfigsRequest request;
  auto& resource = request.resources.emplace_back();
  resource.resource_type = kTopicResource;
  resource.resource_name = o.name;
  for (const auto& pair : o.set) {
    auto [key, value] = key_value(pair, "--set");
    resource.configs.push_back({std::move(key), kOpSet, std::move(value), {}});
  }
  for (const auto& key : o.remove) resource.configs.push_back({key, kOpDelete, std::nullopt, {}});
  request.validate_only = o.dry_run;

  client::Client c(o.common.client_options());
  const auto reply = c.any().call<protocol::IncrementalAlterConfigsResponse>(request);
  if (reply.body.responses.empty())
    throw client::NetworkError("IncrementalAlterConfigs answered nothing for topic " + o.name);
  Failures failures;
  for (const auto& r : reply.body.responses)
    failures.add(r.error_code, "configs of topic " + r.resource_name, r.error_message);
  Json j;
  j.begin_object().key("name");
  text(j, o.name).key("validate_only").value(o.dry_run).key("set").begin_object();
  for (const auto& pair : o.set) {
    const auto [key, value] = key_value(pair, "--set");
    text(j.key(key), value);
  }
  j.end_object().key("deleted").begin_array();
  for (const auto& key : o.remove) text(j, key);
  return report(o.common, j.end_array().end_object(),
                fmt::format("{} the config of topic {} ({} set, {} deleted)",
                            o.dry_run ? "validated the change to" : "altered", o.name, o.set.size(),
                            o.remove.size()),
                failures);
}

// ---- add-partitions ---------------------------------------------------------------

struct AddPartitionsOptions {
  CommonOptions common;
  std::string name;
  int32_t total = 0;
  bool dry_run = false;
};

int topic_add_partitions(const AddPartitionsOptions& o) {
  protocol::CreatePartitionsRequest request;
  auto& topic = request.topics.emplace_back();
  topic.name = o.name;
  topic.count = o.total;
  topic.assignments.reset();  // null: the broker places the new partitions
  request.timeout_ms = broker_timeout(o.common);
  request.validate_only = o.dry_run;

  client::Client c(o.common.client_options());
  const auto reply = c.controller().call<protocol::CreatePartitionsResponse>(request);
  if (reply.body.results.empty())
    throw client::NetworkError("CreatePartitions answered nothing for topic " + o.name);
  Failures failures;
  for (const auto& r : reply.body.results)
    failures.add(r.error_code, "topic " + r.name, r.error_message);
  Json j;
  j.begin_object().key("name");
  text(j, o.name).key("partitions").value(o.total).key("validate_only").value(o.dry_run);
  return report(o.common, j.end_object(),
                fmt::format("topic {} {} {} partitions", o.name,
                            o.dry_run ? "can grow to" : "now has", o.total),
                failures);
}

// ---- delete -----------------------------------------------------------------------

struct DeleteOptions {
  CommonOptions common;
  std::vector<std::string> names;
};

int topic_delete(const DeleteOptions& o) {
  client::Client c(o.common.client_options());
  const auto reply = delete_topics(c.controller(), o.names, broker_timeout(o.common));

  Failures failures;
  Json j;
  j.begin_array();
  Table table({"TOPIC", "STATUS"});
  for (const auto& r : reply.responses) {
    const std::string name = r.name ? *r.name : id_text(r.topic_id);
    const std::string context = "topic " + name;
    failures.add(r.error_code, context, r.error_message);
    const std::string status = r.error_code == 0
                                   ? "deleted"
                                   : std::string(error_name(static_cast<ErrorCode>(r.error_code)));
    table.add({name, status});
    j.begin_object().key("name");
    text(j, name).key("status").value(r.error_code == 0 ? "deleted" : "error");
    json_error(j, r.error_code, context, r.error_message);
    j.end_object();
  }
  return report(o.common, j.end_array(), table, failures);
}

// ---- trim -------------------------------------------------------------------------

struct TrimOptions {
  CommonOptions common;
  std::string name;
  int64_t offset = 0;
  std::optional<int32_t> partition;
};

// partition -> (low watermark, error)
using TrimResults = std::map<int32_t, std::pair<int64_t, int16_t>>;

// DeleteRecords below `o.offset` for `partitions` of `t`, one request per leader.
TrimResults delete_records(client::Client& c, const TopicMetadata& t,
                           const std::vector<int32_t>& partitions, const TrimOptions& o) {
  TrimResults results;
  for (const auto& [leader, mine] : by_leader(t, partitions)) {
    for (const int32_t p : mine)
      results[p] = {-1, static_cast<int16_t>(leader < 0 ? ErrorCode::LEADER_NOT_AVAILABLE
                                                        : ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)};
    if (leader < 0) continue;
    protocol::DeleteRecordsRequest request;
    auto& topic = request.topics.emplace_back();
    topic.name = o.name;
    for (const int32_t p : mine) topic.partitions.push_back({p, o.offset, {}});
    request.timeout_ms = broker_timeout(o.common);
    const auto reply = c.node(leader).call<protocol::DeleteRecordsResponse>(request);
    for (const auto& rt : reply.body.topics) {
      if (rt.name != o.name) continue;
      for (const auto& rp : rt.partitions)
        if (results.contains(rp.partition_index))
          results[rp.partition_index] = {rp.low_watermark, rp.error_code};
    }
  }
  return results;
}

int topic_trim(const TrimOptions& o) {
  client::Client c(o.common.client_options());
  TopicMetadata t = topic_metadata(c, o.name);
  std::vector<int32_t> pending;
  for (const auto& p : t.partitions)
    if (!o.partition || *o.partition == p.partition_index) pending.push_back(p.partition_index);
  if (pending.empty())
    throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                             fmt::format("{}-{}", o.name, o.partition.value_or(-1)));
  // Trimming to the same offset again changes nothing: the partitions whose leader was
  // not serving yet are asked again, with fresh metadata.
  TrimResults so_far;
  bool first = true;
  const TrimResults results = until_leaders_serve(
      [&] {
        if (!std::exchange(first, false)) t = topic_metadata(c, o.name);
        for (const auto& [p, r] : delete_records(c, t, pending, o)) so_far[p] = r;
        pending.clear();
        for (const auto& [p, r] : so_far)
          if (leader_settling(static_cast<ErrorCode>(r.second))) pending.push_back(p);
        return so_far;
      },
      [](const std::pair<int64_t, int16_t>& r) { return r.second; });

  Failures failures;
  Json j;
  j.begin_object().key("name");
  text(j, o.name).key("partitions").begin_array();
  Table table({"PARTITION", "LOW-WATERMARK", "STATUS"});
  for (const auto& [p, r] : results) {
    const auto& [low, error] = r;
    const std::string context = fmt::format("{}-{}", o.name, p);
    failures.add(error, context);
    table.add({std::to_string(p), error == 0 ? std::to_string(low) : "-",
               error == 0 ? "trimmed" : std::string(error_name(static_cast<ErrorCode>(error)))});
    j.begin_object().key("partition").value(p).key("low_watermark");
    error == 0 ? j.value(low) : j.null();
    json_error(j, error, context, std::nullopt);
    j.end_object();
  }
  return report(o.common, j.end_array().end_object(), table, failures);
}

// Registers `command`'s runner: when CLI11 picks it, `chosen` runs `body(*options)`.
template <class Options, class Body>
void on_chosen(CLI::App* command, std::shared_ptr<Options> options, Body body,
               std::function<int()>& chosen) {
  command->callback([options, body, &chosen] {
    chosen = [options, body] { return guarded([&] { return body(*options); }); };
  });
}

}  // namespace

void add_topic(CLI::App& app, std::function<int()>& chosen) {
  auto* topic = app.add_subcommand("topic", "list, create, describe, alter and delete topics");
  topic->require_subcommand(1);

  {
    auto o = std::make_shared<ListOptions>();
    auto* cmd = topic->add_subcommand("list", "topics with partitions and replication factor");
    add_common_options(*cmd, o->common);
    cmd->add_flag("-i,--internal", o->internal, "include internal topics (__consumer_offsets)");
    on_chosen(cmd, o, topic_list, chosen);
  }
  {
    auto o = std::make_shared<CreateOptions>();
    auto* cmd = topic->add_subcommand("create", "create topics");
    add_common_options(*cmd, o->common);
    cmd->add_option("names", o->names, "topic names")->required();
    cmd->add_option("-p,--partitions", o->partitions,
                    "partitions per topic (default -1: the broker's num.partitions)");
    cmd->add_option("-r,--replication-factor", o->replication_factor,
                    "replicas per partition (default -1: the broker's default)")
        ->check(CLI::Range(-1, static_cast<int>(std::numeric_limits<int16_t>::max())));
    cmd->add_option("-c,--config", o->configs, "topic config key=value (repeatable)");
    cmd->add_flag("--if-not-exists", o->if_not_exists, "an existing topic is not an error");
    cmd->add_flag("--dry-run", o->dry_run, "let the broker validate, create nothing");
    on_chosen(cmd, o, topic_create, chosen);
  }
  {
    auto o = std::make_shared<DescribeOptions>();
    auto* cmd = topic->add_subcommand(
        "describe", "a topic's id, non-default configs and partitions with offsets");
    add_common_options(*cmd, o->common);
    cmd->add_option("name", o->name, "topic name")->required();
    cmd->add_flag("-a,--all-configs", o->all_configs, "also list configs at their defaults");
    on_chosen(cmd, o, topic_describe, chosen);
  }
  {
    auto o = std::make_shared<AlterOptions>();
    auto* cmd = topic->add_subcommand("alter-config", "set or delete a topic's config overrides");
    add_common_options(*cmd, o->common);
    cmd->add_option("name", o->name, "topic name")->required();
    cmd->add_option("-s,--set", o->set, "key=value to set (repeatable)");
    cmd->add_option("-d,--delete", o->remove, "key to reset to its default (repeatable)");
    cmd->add_flag("--dry-run", o->dry_run, "let the broker validate, change nothing");
    on_chosen(cmd, o, topic_alter_config, chosen);
  }
  {
    auto o = std::make_shared<AddPartitionsOptions>();
    auto* cmd = topic->add_subcommand("add-partitions", "grow a topic to a new partition count");
    add_common_options(*cmd, o->common);
    cmd->add_option("name", o->name, "topic name")->required();
    cmd->add_option("-n,--num", o->total, "the new total number of partitions")->required();
    cmd->add_flag("--dry-run", o->dry_run, "let the broker validate, change nothing");
    on_chosen(cmd, o, topic_add_partitions, chosen);
  }
  {
    auto o = std::make_shared<DeleteOptions>();
    auto* cmd = topic->add_subcommand("delete", "delete topics and their data");
    add_common_options(*cmd, o->common);
    cmd->add_option("names", o->names, "topic names")->required();
    on_chosen(cmd, o, topic_delete, chosen);
  }
  {
    auto o = std::make_shared<TrimOptions>();
    auto* cmd = topic->add_subcommand(
        "trim", "delete records below an offset (DeleteRecords); prints the new log start");
    add_common_options(*cmd, o->common);
    cmd->add_option("name", o->name, "topic name")->required();
    cmd->add_option("-o,--offset", o->offset,
                    "records below this offset go; -1: all (up to the high watermark)")
        ->required()
        ->check(CLI::Range(int64_t{-1}, std::numeric_limits<int64_t>::max()));
    cmd->add_option("-p,--partition", o->partition, "only this partition (default: every one)")
        ->check(CLI::NonNegativeNumber);
    on_chosen(cmd, o, topic_trim, chosen);
  }
}

}  // namespace samsa::cli
