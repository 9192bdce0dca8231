#include "samsa/config/meta_properties.h"

#include <fmt/format.h>

#include "samsa/config/error.h"
#include "samsa/config/properties.h"
#include "samsa/util/durable_file.h"
#include "samsa/util/uuid.h"

namespace samsa::config {
namespace {

constexpr const char* kFileName = "meta.properties";

}  // namespace

std::string generate_cluster_id() {
  return util::to_base64url(util::random_uuid());
}

std::optional<MetaProperties> read_meta_properties(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  Properties props = Properties::load_file(path);
  const std::string* node = props.find("node.id");
  if (!node) node = props.find("broker.id");
  const std::string* cluster = props.find("cluster.id");
  if (!node || !cluster || cluster->empty()) {
    throw ConfigError(fmt::format("{} lacks node.id or cluster.id", path.string()));
  }
  MetaProperties meta;
  try {
    size_t used = 0;
    meta.node_id = std::stoi(*node, &used);
    if (used != node->size()) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    throw ConfigError(fmt::format("{}: node.id '{}' is not a number", path.string(), *node));
  }
  meta.cluster_id = *cluster;
  return meta;
}

void check_meta_properties(const MetaProperties& existing, const std::filesystem::path& dir,
                           int32_t node_id,
                           const std::optional<std::string>& configured_cluster_id) {
  if (existing.node_id != node_id) {
    throw ConfigError(fmt::format(
        "node.id={} does not match node.id={} in {}; this directory belongs to another node",
        node_id, existing.node_id, (dir / kFileName).string()));
  }
  if (configured_cluster_id && *configured_cluster_id != existing.cluster_id) {
    throw ConfigError(fmt::format(
        "cluster.id={} does not match cluster.id={} in {}; this directory belongs to another "
        "cluster",
        *configured_cluster_id, existing.cluster_id, (dir / kFileName).string()));
  }
}

void write_meta_properties(const std::filesystem::path& dir, const MetaProperties& meta) {
  const std::string text = fmt::format(
      "#\n# Written by samsa when this log directory was first used. Do not edit.\nversion=1\n"
      "node.id={}\ncluster.id={}\n",
      meta.node_id, meta.cluster_id);
  try {
    write_file_durably(dir / kFileName, text);
  } catch (const std::system_error& e) {
    throw ConfigError(e.what());
  }
}

}  // namespace samsa::config
