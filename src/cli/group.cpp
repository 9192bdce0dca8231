// samsa group: consumer groups, as kafka-consumer-groups.sh and rpk group show and
// manage them.
//   list                      every group, its state and type (ListGroups to each broker)
//   describe GROUP...         members, committed offsets, lag (group_describe.cpp)
//   reset-offsets GROUP ...   plan or commit new offsets (group_reset.cpp)
//   delete GROUP...           DeleteGroups; only groups without members
//   delete-offsets GROUP --topic T[:P,...]   OffsetDelete of some committed offsets
#include <fmt/format.h>
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "group_support.h"

namespace samsa::cli {

namespace {

using group::printable;
using group::retrying;

void put_text_or_null(Json& j, const std::string& text) {
  if (text.empty()) {
    j.null();
  } else {
    j.raw(json_escape(text));
  }
}

// ----------------------------------------------------------------------------- list

struct ListOptions {
  CommonOptions common;
  std::vector<std::string> states;
  std::vector<std::string> types;
};

struct Listed {
  std::string group_id;
  std::string state;  // "" when the broker speaks ListGroups below v4
  std::string type;   // "" below v5
  std::string protocol_type;
  int32_t coordinator = -1;
};

bool matches(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::any_of(filter.begin(), filter.end(), [&](const std::string& f) {
           return f.size() == value.size() &&
                  std::equal(f.begin(), f.end(), value.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                  });
         });
}

int run_list(const ListOptions& o) {
  client::Client client(o.common.client_options());
  client.metadata(std::vector<std::string>{});
  const auto brokers = client.brokers();
  std::vector<Listed> rows;
  // Each broker lists the groups it coordinates.
  for (const auto& b : brokers) {
    client::Connection& c = client.node(b.node_id);
    const int16_t version = c.version_for(protocol::ListGroupsRequest::api_key);
    protocol::ListGroupsRequest request;
    if (version >= 4) request.states_filter = o.states;
    if (version >= 5) request.types_filter = o.types;
    const auto reply = retrying(o.common.timeout_ms, [&] {
      auto r = c.call<protocol::ListGroupsResponse>(request, version);
      client::check(r.body.error_code, fmt::format("listing groups on broker {}", b.node_id));
      return r;
    });
    for (const auto& g : reply.body.groups) {
      Listed l{g.group_id, g.group_state, g.group_type, g.protocol_type, b.node_id};
      // Older brokers cannot filter: do it here (what they do not tell cannot match).
      if (!matches(o.states, l.state) || !matches(o.types, l.type)) continue;
      rows.push_back(std::move(l));
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const Listed& a, const Listed& b) { return a.group_id < b.group_id; });

  if (o.common.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("groups").begin_array();
    for (const auto& r : rows) {
      j.begin_object().key("group").raw(json_escape(r.group_id)).key("state");
      put_text_or_null(j, r.state);
      j.key("type");
      put_text_or_null(j, r.type);
      j.key("protocol_type").raw(json_escape(r.protocol_type));
      j.key("coordinator").value(r.coordinator).end_object();
    }
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
    return kExitOk;
  }
  Table table({"GROUP", "STATE", "TYPE", "PROTOCOL-TYPE", "COORDINATOR"});
  for (const auto& r : rows)
    table.add({printable(r.group_id), r.state.empty() ? "-" : printable(r.state),
               r.type.empty() ? "-" : printable(r.type),
               r.protocol_type.empty() ? "-" : printable(r.protocol_type),
               std::to_string(r.coordinator)});
  table.print(stdout);
  return kExitOk;
}

// --------------------------------------------------------------------------- delete

struct DeleteOptions {
  CommonOptions common;
  std::vector<std::string> groups;
};

int run_delete(const DeleteOptions& o) {
  client::Client client(o.common.client_options());
  struct Result {
    std::string group;
    std::optional<client::KafkaError> error;
  };
  std::vector<Result> results;
  for (const auto& id : o.groups) {
    Result r{id, std::nullopt};
    try {
      group::delete_group(client, id, o.common.timeout_ms);
    } catch (const client::KafkaError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      r.error = e;
    }
    results.push_back(std::move(r));
  }
  const bool failed = std::any_of(results.begin(), results.end(),
                                  [](const Result& r) { return r.error.has_value(); });
  if (o.common.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("groups").begin_array();
    for (const auto& r : results) {
      j.begin_object().key("group").raw(json_escape(r.group));
      j.key("deleted").value(!r.error).key("error");
      if (r.error) {
        j.value(error_name(r.error->code())).key("message").value(r.error->what());
      } else {
        j.null();
      }
      j.end_object();
    }
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    Table table({"GROUP", "STATUS"});
    for (const auto& r : results)
      table.add(
          {printable(r.group), r.error ? std::string(error_name(r.error->code())) : "deleted"});
    table.print(stdout);
  }
  return failed ? kExitKafkaError : kExitOk;
}

// ------------------------------------------------------------------- delete-offsets

struct DeleteOffsetsOptions {
  CommonOptions common;
  std::string group;
  std::vector<std::string> topics;
};

int run_delete_offsets(const DeleteOffsetsOptions& o) {
  client::Client client(o.common.client_options());
  protocol::OffsetDeleteRequest request;
  request.group_id = o.group;
  for (const auto& spec : o.topics) {
    auto [topic, ids] = group::parse_topic_spec(spec);
    if (ids.empty()) ids = group::topic_partitions(client, topic);
    protocol::OffsetDeleteRequest::OffsetDeleteRequestTopic t;
    t.name = topic;
    for (const int32_t id : ids) t.partitions.push_back({id, {}});
    request.topics.push_back(std::move(t));
  }
  const auto reply = retrying(o.common.timeout_ms, [&] {
    auto r = client.group_coordinator(o.group).call<protocol::OffsetDeleteResponse>(request);
    client::check(r.body.error_code, "group " + o.group);
    return r;
  });
  bool failed = false;
  Json j;
  j.begin_object().key("group").raw(json_escape(o.group)).key("partitions").begin_array();
  Table table({"TOPIC", "PARTITION", "STATUS"});
  for (const auto& t : reply.body.topics) {
    for (const auto& p : t.partitions) {
      const auto code = static_cast<ErrorCode>(p.error_code);
      if (code != ErrorCode::NONE) {
        failed = true;
        std::fprintf(
            stderr, "error: %s\n",
            client::KafkaError(code, fmt::format("{}-{}", t.name, p.partition_index)).what());
      }
      j.begin_object()
          .key("topic")
          .raw(json_escape(t.name))
          .key("partition")
          .value(p.partition_index)
          .key("error");
      if (code == ErrorCode::NONE) {
        j.null();
      } else {
        j.value(error_name(code));
      }
      j.end_object();
      table.add({printable(t.name), std::to_string(p.partition_index),
                 code == ErrorCode::NONE ? "deleted" : std::string(error_name(code))});
    }
  }
  j.end_array().end_object();
  if (o.common.output_format() == Format::kJson) {
    std::printf("%s\n", j.str().c_str());
  } else {
    table.print(stdout);
  }
  return failed ? kExitKafkaError : kExitOk;
}

}  // namespace

void add_group(CLI::App& app, std::function<int()>& chosen) {
  auto* group =
      app.add_subcommand("group", "consumer groups: list, describe, reset offsets, delete");
  group->require_subcommand(1);

  auto list = std::make_shared<ListOptions>();
  auto* list_cmd = group->add_subcommand("list", "every group with its state and type");
  list_cmd
      ->add_option("--state", list->states,
                   "only groups in this state (Stable, Empty, ...; repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  list_cmd->add_option("--type", list->types, "only classic or consumer (KIP-848) groups")
      ->check(CLI::IsMember({"classic", "consumer"}, CLI::ignore_case))
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_common_options(*list_cmd, list->common);
  list_cmd->callback(
      [list, &chosen] { chosen = [list] { return guarded([&] { return run_list(*list); }); }; });

  group::add_describe(*group, chosen);
  group::add_reset_offsets(*group, chosen);

  auto del = std::make_shared<DeleteOptions>();
  auto* del_cmd = group->add_subcommand("delete", "delete groups that have no members");
  del_cmd->add_option("groups", del->groups, "group ids")->required();
  add_common_options(*del_cmd, del->common);
  del_cmd->callback(
      [del, &chosen] { chosen = [del] { return guarded([&] { return run_delete(*del); }); }; });

  auto offs = std::make_shared<DeleteOffsetsOptions>();
  auto* offs_cmd =
      group->add_subcommand("delete-offsets", "delete a group's committed offsets of topics");
  offs_cmd->add_option("group", offs->group, "group id")->required();
  offs_cmd->add_option("--topic", offs->topics, "TOPIC or TOPIC:P,P,... (repeatable)")
      ->required()
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_common_options(*offs_cmd, offs->common);
  offs_cmd->callback([offs, &chosen] {
    chosen = [offs] { return guarded([&] { return run_delete_offsets(*offs); }); };
  });
}

}  // namespace samsa::cli
