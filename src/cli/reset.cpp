// samsa reset: empties a broker shared by tests. Deletes every topic (not the internal
// ones) and every consumer group, or with --prefix only those whose names start with
// it (a prefix per test keeps tests on one broker apart). A group with active members
// cannot be deleted (NON_EMPTY_GROUP, as in Kafka): it is reported, and the exit code
// says so. Refuses to run without --yes.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "group_support.h"

namespace samsa::cli {

namespace {

struct ResetOptions {
  CommonOptions common;
  std::string prefix;
  bool yes = false;
};

struct Outcome {
  std::string kind;  // "topic" or "group"
  std::string name;
  std::optional<client::KafkaError> error;
};

bool starts_with(const std::string& name, const std::string& prefix) {
  return name.compare(0, prefix.size(), prefix) == 0;
}

void reset_topics(client::Client& client, const ResetOptions& o, std::vector<Outcome>& out) {
  auto reply = client.metadata(std::nullopt);
  std::vector<std::string> names;
  for (const auto& t : reply.body.topics) {
    if (t.name && !t.is_internal && starts_with(*t.name, o.prefix)) names.push_back(*t.name);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) return;
  const auto answer = delete_topics(client.controller(), names, broker_timeout(o.common));
  for (const auto& r : answer.responses) {
    Outcome x{"topic", r.name.value_or(""), std::nullopt};
    if (r.error_code != 0)
      x.error.emplace(static_cast<ErrorCode>(r.error_code), "topic " + x.name, r.error_message);
    out.push_back(std::move(x));
  }
}

void reset_groups(client::Client& client, const ResetOptions& o, std::vector<Outcome>& out) {
  client.metadata(std::vector<std::string>{});  // learns the brokers
  std::vector<std::string> ids;
  for (const auto& b : client.brokers()) {
    client::Connection& c = client.node(b.node_id);
    protocol::ListGroupsRequest request;
    const auto reply = group::retrying(o.common.timeout_ms, [&] {
      auto r = c.call<protocol::ListGroupsResponse>(request);
      client::check(r.body.error_code, fmt::format("listing groups on broker {}", b.node_id));
      return r;
    });
    for (const auto& g : reply.body.groups)
      if (starts_with(g.group_id, o.prefix)) ids.push_back(g.group_id);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    Outcome x{"group", id, std::nullopt};
    try {
      group::delete_group(client, id, o.common.timeout_ms);
    } catch (const client::KafkaError& e) {
      x.error = e;
    }
    out.push_back(std::move(x));
  }
}

int run_reset(const ResetOptions& o) {
  if (!o.yes) {
    std::fprintf(stderr, "error: samsa reset deletes every %s of the broker; add --yes to do it\n",
                 o.prefix.empty() ? "topic and group" : "topic and group with that prefix");
    return kExitUsage;
  }
  client::Client client(o.common.client_options());
  std::vector<Outcome> outcomes;
  // Groups first: their committed offsets name the topics.
  reset_groups(client, o, outcomes);
  reset_topics(client, o, outcomes);
  const bool failed = std::any_of(outcomes.begin(), outcomes.end(),
                                  [](const Outcome& x) { return x.error.has_value(); });
  for (const auto& x : outcomes)
    if (x.error) std::fprintf(stderr, "error: %s\n", x.error->what());
  if (o.common.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("deleted").begin_array();
    for (const auto& x : outcomes) {
      j.begin_object().key("kind").value(x.kind).key("name").raw(json_escape(x.name));
      j.key("deleted").value(!x.error).key("error");
      if (x.error) {
        j.value(error_name(x.error->code()));
      } else {
        j.null();
      }
      j.end_object();
    }
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
  } else if (outcomes.empty()) {
    std::printf("nothing to delete\n");
  } else {
    Table table({"KIND", "NAME", "STATUS"});
    for (const auto& x : outcomes)
      table.add({x.kind, group::printable(x.name),
                 x.error ? std::string(error_name(x.error->code())) : "deleted"});
    table.print(stdout);
  }
  return failed ? kExitKafkaError : kExitOk;
}

}  // namespace

void add_reset(CLI::App& app, std::function<int()>& chosen) {
  auto o = std::make_shared<ResetOptions>();
  auto* cmd = app.add_subcommand(
      "reset",
      "delete every topic (not internal ones) and consumer group, for a broker shared "
      "by tests");
  add_common_options(*cmd, o->common);
  cmd->add_option("--prefix", o->prefix, "only the topics and groups whose names start with it");
  cmd->add_flag("--yes", o->yes, "really delete them");
  cmd->callback([o, &chosen] { chosen = [o] { return guarded([&] { return run_reset(*o); }); }; });
}

}  // namespace samsa::cli
