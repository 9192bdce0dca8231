// meta.properties in the log directory: the cluster id and node id a data directory
// belongs to, written once like Kafka's `kafka-storage format` (version=1 layout).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace samsa::config {

struct MetaProperties {
  int32_t node_id = 0;
  std::string cluster_id;
};

// A new random cluster id: 16 random bytes in unpadded base64url (22 characters), the
// shape of Kafka's Uuid-based cluster ids.
std::string generate_cluster_id();

// Reads <dir>/meta.properties; nullopt if it does not exist. Throws ConfigError if it is
// unreadable or lacks node.id / cluster.id.
std::optional<MetaProperties> read_meta_properties(const std::filesystem::path& dir);

// Throws ConfigError unless `existing` (read from `dir`) names node_id and, if given,
// configured_cluster_id: Kafka refuses a directory of another node or cluster.
void check_meta_properties(const MetaProperties& existing, const std::filesystem::path& dir,
                           int32_t node_id,
                           const std::optional<std::string>& configured_cluster_id);

// Writes <dir>/meta.properties for `meta` atomically (temp file, fsync, rename, directory
// fsync). Throws ConfigError on I/O failure.
void write_meta_properties(const std::filesystem::path& dir, const MetaProperties& meta);

}  // namespace samsa::config
