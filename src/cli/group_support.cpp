#include "group_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "consumer_protocol.h"

namespace samsa::cli::group {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A classic consumer's assignment, sorted. Bytes that do not decode yield none:
// describing a group must not fail on one member's bytes.
std::vector<TopicPartition> decode_consumer_assignment(const std::vector<uint8_t>& bytes) {
  std::vector<TopicPartition> out;
  try {
    for (const auto& [topic, partitions] : consumer_protocol::decode_assignment(bytes).partitions)
      for (const int32_t p : partitions) out.push_back({topic, p});
  } catch (const protocol::DecodeError&) {
    return {};
  }
  std::sort(out.begin(), out.end());
  return out;
}

void locate_coordinator(client::Client& client, client::Connection& c, GroupInfo& info) {
  info.coordinator = c.address();
  for (const auto& b : client.brokers())
    if (b.address.host == c.address().host && b.address.port == c.address().port)
      info.coordinator_id = b.node_id;
}

// Fills `info` from ConsumerGroupDescribe; false if the broker knows no such
// consumer group.
bool describe_consumer_group(client::Connection& c, GroupInfo& info) {
  protocol::ConsumerGroupDescribeRequest request;
  request.group_ids = {info.group_id};
  const auto reply = c.call<protocol::ConsumerGroupDescribeResponse>(request);
  for (const auto& g : reply.body.groups) {
    if (g.group_id != info.group_id) continue;
    if (static_cast<ErrorCode>(g.error_code) == ErrorCode::GROUP_ID_NOT_FOUND) return false;
    client::check(g.error_code, "group " + info.group_id, g.error_message);
    info.exists = true;
    info.type = "consumer";
    info.protocol_type = "consumer";
    info.state = g.group_state;
    info.assignor = g.assignor_name;
    for (const auto& m : g.members) {
      Member member{m.member_id, m.instance_id, m.client_id, m.client_host, {}};
      for (const auto& t : m.assignment.topic_partitions)
        for (const int32_t p : t.partitions) member.assigned.push_back({t.topic_name, p});
      std::sort(member.assigned.begin(), member.assigned.end());
      info.members.push_back(std::move(member));
    }
    return true;
  }
  throw client::NetworkError("ConsumerGroupDescribe answered without group " + info.group_id);
}

}  // namespace

bool GroupInfo::inactive() const {
  return members.empty() && (iequals(state, "Empty") || iequals(state, "Dead"));
}

GroupInfo describe_group(client::Client& client, const std::string& group_id) {
  client::Connection& c = client.group_coordinator(group_id);
  GroupInfo info;
  info.group_id = group_id;
  locate_coordinator(client, c, info);

  protocol::DescribeGroupsRequest request;
  request.groups = {group_id};
  const auto reply = c.call<protocol::DescribeGroupsResponse>(request);
  const auto it = std::find_if(reply.body.groups.begin(), reply.body.groups.end(),
                               [&](const auto& g) { return g.group_id == group_id; });
  if (it == reply.body.groups.end())
    throw client::NetworkError("DescribeGroups answered without group " + group_id);
  const auto& g = *it;
  const auto error = static_cast<ErrorCode>(g.error_code);
  // Kafka 3.x describes a KIP-848 group to DescribeGroups as Dead without members;
  // Kafka 4 answers GROUP_ID_NOT_FOUND ("not a classic group"). Either way, ask
  // ConsumerGroupDescribe before concluding the group does not exist.
  const bool classic_found =
      error == ErrorCode::NONE && !(g.group_state == "Dead" && g.members.empty());
  if (!classic_found && (error == ErrorCode::NONE || error == ErrorCode::GROUP_ID_NOT_FOUND)) {
    if (c.version_for(protocol::ConsumerGroupDescribeRequest::api_key) >= 0 &&
        describe_consumer_group(c, info))
      return info;
    info.state = "Dead";
    info.type = "classic";
    return info;
  }
  client::check(g.error_code, "group " + group_id);
  info.exists = true;
  info.type = "classic";
  info.state = g.group_state;
  info.protocol_type = g.protocol_type;
  info.assignor = g.protocol_data;
  for (const auto& m : g.members) {
    Member member{m.member_id, m.group_instance_id, m.client_id, m.client_host, {}};
    // Other protocol types (connect, streams' own) carry assignments we cannot read.
    if (g.protocol_type == "consumer")
      member.assigned = decode_consumer_assignment(m.member_assignment);
    info.members.push_back(std::move(member));
  }
  return info;
}

std::map<TopicPartition, int64_t> committed_offsets(client::Client& client,
                                                    const std::string& group_id) {
  client::Connection& c = client.group_coordinator(group_id);
  const int16_t version = c.version_for(protocol::OffsetFetchRequest::api_key);
  // v0-1 cannot ask for "every partition of the group".
  if (version < 2)
    throw client::KafkaError(ErrorCode::UNSUPPORTED_VERSION,
                             "the broker speaks OffsetFetch below v2, which cannot list a "
                             "group's offsets");
  protocol::OffsetFetchRequest request;
  if (version >= 8) {
    protocol::OffsetFetchRequest::OffsetFetchRequestGroup g;
    g.group_id = group_id;
    g.topics.reset();  // null: every partition with an offset
    request.groups.push_back(std::move(g));
  } else {
    request.group_id = group_id;
    request.topics.reset();
  }
  const auto reply = c.call<protocol::OffsetFetchResponse>(request, version);
  std::map<TopicPartition, int64_t> out;
  auto take = [&](const std::string& topic, const auto& p) {
    client::check(p.error_code, fmt::format("committed offset of {}-{}", topic, p.partition_index));
    if (p.committed_offset >= 0) out[{topic, p.partition_index}] = p.committed_offset;
  };
  if (version >= 8) {
    for (const auto& g : reply.body.groups) {
      if (g.group_id != group_id) continue;
      client::check(g.error_code, "offsets of group " + group_id);
      for (const auto& t : g.topics)
        for (const auto& p : t.partitions) take(t.name, p);
    }
  } else {
    client::check(reply.body.error_code, "offsets of group " + group_id);
    for (const auto& t : reply.body.topics)
      for (const auto& p : t.partitions) take(t.name, p);
  }
  return out;
}

std::map<TopicPartition, OffsetResult> list_offsets(client::Client& client,
                                                    const std::vector<TopicPartition>& partitions,
                                                    int64_t spec) {
  std::map<TopicPartition, OffsetResult> out;
  std::map<client::Connection*, std::map<std::string, std::vector<int32_t>>> by_leader;
  for (const auto& tp : partitions) {
    // Until a leader answers for it, a partition counts as unanswered.
    out[tp].error = ErrorCode::UNKNOWN_SERVER_ERROR;
    try {
      by_leader[&client.leader(tp.topic, tp.partition)][tp.topic].push_back(tp.partition);
    } catch (const client::KafkaError& e) {
      out[tp].error = e.code();  // a deleted topic must not hide the other partitions
    }
  }
  for (auto& [leader, topics] : by_leader) {
    protocol::ListOffsetsRequest request;
    request.replica_id = -1;      // a consumer, not a follower
    request.isolation_level = 0;  // read_uncommitted, as Kafka's tool computes lag
    for (const auto& [topic, ids] : topics) {
      protocol::ListOffsetsRequest::ListOffsetsTopic t;
      t.name = topic;
      for (const int32_t id : ids) {
        protocol::ListOffsetsRequest::ListOffsetsPartition p;
        p.partition_index = id;
        p.timestamp = spec;
        t.partitions.push_back(p);
      }
      request.topics.push_back(std::move(t));
    }
    const auto reply = leader->call<protocol::ListOffsetsResponse>(request);
    for (const auto& t : reply.body.topics) {
      for (const auto& p : t.partitions) {
        const auto it = out.find({t.name, p.partition_index});
        if (it == out.end()) continue;
        it->second.error = static_cast<ErrorCode>(p.error_code);
        it->second.offset = p.offset;
      }
    }
  }
  return out;
}

void delete_group(client::Client& client, const std::string& group_id, int timeout_ms) {
  // One request per group: a retried one then only repeats what was not done.
  retrying(timeout_ms, [&] {
    protocol::DeleteGroupsRequest request;
    request.groups_names = {group_id};
    const auto reply =
        client.group_coordinator(group_id).call<protocol::DeleteGroupsResponse>(request);
    const auto it = std::find_if(reply.body.results.begin(), reply.body.results.end(),
                                 [&](const auto& x) { return x.group_id == group_id; });
    if (it == reply.body.results.end())
      throw client::NetworkError("DeleteGroups answered without group " + group_id);
    client::check(it->error_code, "group " + group_id);
  });
}

std::vector<int32_t> topic_partitions(client::Client& client, const std::string& topic) {
  const auto reply = client.metadata(std::vector<std::string>{topic});
  for (const auto& t : reply.body.topics) {
    if (!t.name || *t.name != topic) continue;
    client::check(t.error_code, "topic " + topic);
    std::vector<int32_t> ids;
    for (const auto& p : t.partitions) ids.push_back(p.partition_index);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "topic " + topic);
}

std::pair<std::string, std::vector<int32_t>> parse_topic_spec(const std::string& spec) {
  const size_t colon = spec.find(':');
  std::string topic = spec.substr(0, colon);
  if (topic.empty()) throw std::invalid_argument("--topic '" + spec + "': no topic name");
  std::vector<int32_t> ids;
  if (colon == std::string::npos) return {topic, ids};
  std::string_view rest = std::string_view(spec).substr(colon + 1);
  while (true) {
    const size_t comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    size_t used = 0;
    int value = -1;
    try {
      value = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || value < 0)
      throw std::invalid_argument("--topic '" + spec + "': '" + item +
                                  "' is not a partition number (write TOPIC:0,1,2)");
    ids.push_back(value);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return {topic, ids};
}

std::string printable(std::string_view bytes) {
  std::string out(bytes);
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return out;
}

std::string join_partitions(const std::vector<TopicPartition>& partitions) {
  // "t:0,1 u:2" - one entry per topic, as the partitions are sorted by topic.
  std::string out;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (i == 0 || partitions[i].topic != partitions[i - 1].topic) {
      if (i > 0) out += ' ';
      out += printable(partitions[i].topic) + ':';
    } else {
      out += ',';
    }
    out += std::to_string(partitions[i].partition);
  }
  return out.empty() ? "-" : out;
}

bool retriable_coordinator_error(ErrorCode code) {
  return code == ErrorCode::COORDINATOR_LOAD_IN_PROGRESS ||
         code == ErrorCode::COORDINATOR_NOT_AVAILABLE || code == ErrorCode::NOT_COORDINATOR;
}

}  // namespace samsa::cli::group
