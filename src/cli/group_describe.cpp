// samsa group describe GROUP...: state, protocol and assignor, coordinator, members
// with their partitions, and per partition the committed offset, the log end offset
// and the lag (kafka-consumer-groups --describe, rpk group describe).
#include <cstdio>
#include <fmt/format.h>

#include "commands.h"
#include "group_support.h"

namespace samsa::cli::group {

namespace {

struct PartitionRow {
  TopicPartition tp;
  std::optional<int64_t> current;   // committed offset, if any
  std::optional<int64_t> log_end;   // unknown if the leader could not answer
  ErrorCode log_end_error = ErrorCode::NONE;
  int member = -1;                  // index of the member assigned the partition

  std::optional<int64_t> lag() const {
    if (!current || !log_end) return std::nullopt;
    return std::max<int64_t>(0, *log_end - *current);
  }
};

struct Description {
  GroupInfo info;
  std::vector<PartitionRow> rows;  // sorted by topic and partition
  int64_t total_lag = 0;
};

Description describe(client::Client& client, const std::string& group_id, int timeout_ms) {
  Description d;
  std::map<TopicPartition, int64_t> committed;
  retrying(timeout_ms, [&] {
    d.info = describe_group(client, group_id);
    committed = committed_offsets(client, group_id);
  });
  if (!d.info.exists && committed.empty())
    throw client::KafkaError(ErrorCode::GROUP_ID_NOT_FOUND, "group " + group_id);

  // Every partition with a committed offset or an owner.
  std::map<TopicPartition, PartitionRow> rows;
  for (const auto& [tp, offset] : committed) rows[tp].current = offset;
  for (size_t i = 0; i < d.info.members.size(); ++i)
    for (const auto& tp : d.info.members[i].assigned) rows[tp].member = static_cast<int>(i);
  std::vector<TopicPartition> partitions;
  for (auto& [tp, row] : rows) {
    row.tp = tp;
    partitions.push_back(tp);
  }
  // A partition created a moment ago may have a leader that does not serve it yet.
  const auto log_ends =
      until_leaders_serve([&] { return list_offsets(client, partitions, kLatest); },
                          [](const OffsetResult& r) { return r.error; });
  for (const auto& [tp, result] : log_ends) {
    auto& row = rows[tp];
    row.log_end_error = result.error;
    if (result.error == ErrorCode::NONE) row.log_end = result.offset;
  }
  for (auto& [_, row] : rows) {
    d.total_lag += row.lag().value_or(0);
    d.rows.push_back(row);
  }
  return d;
}

std::string cell(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

void print_text(const Description& d) {
  const GroupInfo& g = d.info;
  std::string protocol = g.protocol_type.empty() ? "-" : printable(g.protocol_type);
  if (!g.assignor.empty()) protocol += " (" + printable(g.assignor) + ")";
  std::printf("GROUP        %s\nCOORDINATOR  %s\nSTATE        %s\nTYPE         %s\n"
              "PROTOCOL     %s\nMEMBERS      %zu\nTOTAL-LAG    %lld\n",
              printable(g.group_id).c_str(),
              fmt::format("{} ({})", g.coordinator_id, g.coordinator.to_string()).c_str(),
              g.state.c_str(), g.type.c_str(), protocol.c_str(), g.members.size(),
              static_cast<long long>(d.total_lag));
  if (!g.members.empty()) {
    std::printf("\n");
    const bool instances = std::any_of(g.members.begin(), g.members.end(),
                                       [](const Member& m) { return m.instance_id.has_value(); });
    std::vector<std::string> headings{"MEMBER-ID", "CLIENT-ID", "HOST", "PARTITIONS"};
    if (instances) headings.insert(headings.begin() + 1, "INSTANCE-ID");
    Table members(headings);
    for (const auto& m : g.members) {
      std::vector<std::string> row{printable(m.member_id), printable(m.client_id),
                                   printable(m.host), join_partitions(m.assigned)};
      if (instances) row.insert(row.begin() + 1, printable(m.instance_id.value_or("-")));
      members.add(std::move(row));
    }
    members.print(stdout);
  }
  if (!d.rows.empty()) {
    std::printf("\n");
    Table partitions({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                      "MEMBER-ID", "CLIENT-ID"});
    for (const auto& r : d.rows) {
      const Member* owner = r.member >= 0 ? &g.members[static_cast<size_t>(r.member)] : nullptr;
      const std::string log_end =
          r.log_end ? std::to_string(*r.log_end) : std::string(error_name(r.log_end_error));
      partitions.add({printable(r.tp.topic), std::to_string(r.tp.partition), cell(r.current),
                      log_end, cell(r.lag()), owner ? printable(owner->member_id) : "-",
                      owner ? printable(owner->client_id) : "-"});
    }
    partitions.print(stdout);
  }
}

void put(Json& j, const std::optional<int64_t>& value) {
  if (value) {
    j.value(*value);
  } else {
    j.null();
  }
}

void put_json(Json& j, const Description& d) {
  const GroupInfo& g = d.info;
  j.begin_object();
  j.key("group").raw(json_escape(g.group_id));
  j.key("state").raw(json_escape(g.state));
  j.key("type").raw(json_escape(g.type));
  j.key("protocol_type").raw(json_escape(g.protocol_type));
  j.key("assignor").raw(json_escape(g.assignor));
  j.key("coordinator").begin_object().key("id").value(g.coordinator_id);
  j.key("host").raw(json_escape(g.coordinator.host));
  j.key("port").value(static_cast<int32_t>(g.coordinator.port)).end_object();
  j.key("total_lag").value(d.total_lag);
  j.key("members").begin_array();
  for (const auto& m : g.members) {
    j.begin_object().key("member_id").raw(json_escape(m.member_id)).key("instance_id");
    if (m.instance_id) {
      j.raw(json_escape(*m.instance_id));
    } else {
      j.null();
    }
    j.key("client_id").raw(json_escape(m.client_id));
    j.key("host").raw(json_escape(m.host));
    j.key("assignment").begin_array();
    for (const auto& tp : m.assigned)
      j.begin_object().key("topic").raw(json_escape(tp.topic)).key("partition")
          .value(tp.partition).end_object();
    j.end_array().end_object();
  }
  j.end_array();
  j.key("partitions").begin_array();
  for (const auto& r : d.rows) {
    j.begin_object().key("topic").raw(json_escape(r.tp.topic));
    j.key("partition").value(r.tp.partition);
    j.key("current_offset");
    put(j, r.current);
    j.key("log_end_offset");
    put(j, r.log_end);
    j.key("lag");
    put(j, r.lag());
    j.key("member_id");
    if (r.member >= 0) {
      j.raw(json_escape(g.members[static_cast<size_t>(r.member)].member_id));
    } else {
      j.null();
    }
    if (!r.log_end) j.key("error").value(error_name(r.log_end_error));
    j.end_object();
  }
  j.end_array().end_object();
}

struct DescribeOptions {
  CommonOptions common;
  std::vector<std::string> groups;
};

// Describes each group; a group that fails is reported on stderr (and in the JSON
// "errors") and makes the exit code 1, without hiding the others.
int run_describe(const DescribeOptions& o) {
  client::Client client(o.common.client_options());
  const bool json = o.common.output_format() == Format::kJson;
  Json j;
  if (json) j.begin_object().key("groups").begin_array();
  std::vector<std::pair<std::string, client::KafkaError>> failures;
  bool first = true;
  for (const auto& id : o.groups) {
    try {
      const Description d = describe(client, id, o.common.timeout_ms);
      if (json) {
        put_json(j, d);
      } else {
        if (!first) std::printf("\n");
        print_text(d);
        first = false;
      }
    } catch (const client::KafkaError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      failures.emplace_back(id, e);
    }
  }
  if (json) {
    j.end_array().key("errors").begin_array();
    for (const auto& [id, e] : failures)
      j.begin_object().key("group").raw(json_escape(id)).key("error").value(error_name(e.code()))
          .key("message").value(e.what()).end_object();
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
  }
  return failures.empty() ? kExitOk : kExitKafkaError;
}

}  // namespace

void add_describe(CLI::App& group, std::function<int()>& chosen) {
  auto o = std::make_shared<DescribeOptions>();
  auto* cmd = group.add_subcommand(
      "describe", "state, members, committed offsets, log end offsets and lag of groups");
  cmd->add_option("groups", o->groups, "group ids")->required();
  add_common_options(*cmd, o->common);
  cmd->callback([o, &chosen] {
    chosen = [o] { return guarded([&] { return run_describe(*o); }); };
  });
}

}  // namespace samsa::cli::group
