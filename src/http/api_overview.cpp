// GET /api/overview: the broker at a glance (the console's first page), and the
// console's own files.
#include <sys/statvfs.h>

#include <chrono>

#include "api.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/http/assets.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"

namespace samsa::http {

namespace {

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json overview(ApiContext& api) {
  auto& services = api.services;
  const auto& config = services.config;
  const int64_t now = wall_clock_ms();

  Json listeners = Json::array();
  for (const auto& l : services.advertised)
    listeners.push_back({{"name", l.name}, {"host", l.host}, {"port", l.port}});

  uint64_t size_bytes = 0;
  size_t partitions = 0;
  services.logs.for_each_partition(
      [&](const storage::TopicMetadata&, int32_t, storage::PartitionLog& log) {
        size_bytes += log.size_bytes();
        ++partitions;
      });
  Json data_dir{{"path", services.logs.log_dir()}, {"size_bytes", size_bytes}};
  struct statvfs fs {};
  if (::statvfs(services.logs.log_dir().c_str(), &fs) == 0) {
    data_dir["fs_total_bytes"] = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
    data_dir["fs_free_bytes"] = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  }

  const size_t groups = services.groups ? services.groups->list_groups({}, {}).size() : 0;
  return Json{
      {"broker",
       {{"node_id", config.node_id},
        {"cluster_id", services.cluster_id},
        {"version", SAMSA_VERSION},
        {"started_at_ms", api.started_at_ms},
        {"uptime_ms", now - api.started_at_ms}}},
      {"listeners", listeners},
      {"http", api.http_address},
      {"data_dir", data_dir},
      {"counts",
       {{"topics", services.logs.topics().size()},
        {"partitions", partitions},
        {"groups", groups},
        {"connections", api.kafka_connection_count ? api.kafka_connection_count() : 0}}},
      {"settings",
       {{"delete_topic_enable", config.delete_topic_enable},
        {"auto_create_topics_enable", config.auto_create_topics_enable}}},
  };
}

}  // namespace

void add_overview_routes(Router& router, ApiContext& api) {
  router.add("GET", "/api/overview",
             [&api](const Request&, const Reply& reply) { reply(ok(overview(api))); });
}

void add_asset_routes(Router& router) {
  auto serve = [](const std::string& path, const Reply& reply) {
    for (const auto& asset : assets()) {
      if (asset.path == path) {
        Response response{200, std::string(asset.content_type), std::string(asset.bytes), {}};
        // Revalidated each time: the files change with the binary, and are small.
        response.headers.emplace_back("Cache-Control", "no-cache");
        return reply(std::move(response));
      }
    }
    reply(Response::error(404, "NOT_FOUND", "nothing at " + path));
  };
  router.add("GET", "/",
             [serve](const Request&, const Reply& reply) { serve("/index.html", reply); });
  router.add("GET", "/{path...}", [serve](const Request& request, const Reply& reply) {
    serve("/" + request.params.at("path"), reply);
  });
}

}  // namespace samsa::http
