// samsa cluster info: the cluster id, the controller and the brokers with their
// addresses, and how many topics and partitions the cluster holds.
#include <cstdio>

#include "commands.h"

namespace samsa::cli {

namespace {

int cluster_info(const CommonOptions& options) {
  client::Client c(options.client_options());
  const auto reply = c.metadata(std::nullopt);
  const auto& m = reply.body;
  size_t partitions = 0;
  size_t internal = 0;
  for (const auto& t : m.topics) {
    partitions += t.partitions.size();
    if (t.is_internal) ++internal;
  }
  const std::string cluster_id = m.cluster_id.value_or("");
  if (options.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("cluster_id");
    if (m.cluster_id) {
      j.value(*m.cluster_id);
    } else {
      j.null();
    }
    j.key("controller_id").value(m.controller_id).key("brokers").begin_array();
    for (const auto& b : m.brokers) {
      j.begin_object().key("node_id").value(b.node_id).key("host").value(b.host);
      j.key("port").value(b.port).key("rack");
      if (b.rack) {
        j.value(*b.rack);
      } else {
        j.null();
      }
      j.end_object();
    }
    j.end_array();
    j.key("topics").value(static_cast<int64_t>(m.topics.size()));
    j.key("internal_topics").value(static_cast<int64_t>(internal));
    j.key("partitions").value(static_cast<int64_t>(partitions)).end_object();
    std::printf("%s\n", j.str().c_str());
    return kExitOk;
  }
  std::printf("CLUSTER\n  id          %s\n  controller  %d\n  topics      %zu (%zu internal)\n"
              "  partitions  %zu\n\nBROKERS\n",
              cluster_id.empty() ? "-" : cluster_id.c_str(), m.controller_id, m.topics.size(),
              internal, partitions);
  Table table({"ID", "HOST", "PORT", "RACK"});
  for (const auto& b : m.brokers)
    table.add({(b.node_id == m.controller_id ? std::to_string(b.node_id) + "*"
                                             : std::to_string(b.node_id)),
               b.host, std::to_string(b.port), b.rack.value_or("-")});
  table.print(stdout);
  return kExitOk;
}

}  // namespace

void add_cluster(CLI::App& app, std::function<int()>& chosen) {
  auto* cluster = app.add_subcommand("cluster", "the cluster: id, controller, brokers");
  cluster->require_subcommand(1);
  auto options = std::make_shared<CommonOptions>();
  auto* info = cluster->add_subcommand("info", "cluster id, controller, brokers, topic counts");
  add_common_options(*info, *options);
  info->callback([options, &chosen] {
    chosen = [options] { return guarded([&] { return cluster_info(*options); }); };
  });
}

}  // namespace samsa::cli
