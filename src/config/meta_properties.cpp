#include "samsa/config/meta_properties.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "samsa/config/error.h"
#include "samsa/config/properties.h"

namespace samsa::config {
namespace {

constexpr const char* kFileName = "meta.properties";

void write_all_and_sync(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw ConfigError(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw ConfigError(fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    throw ConfigError(fmt::format("cannot fsync {}: {}", path.string(), std::strerror(err)));
  }
  ::close(fd);
}

void sync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::string generate_cluster_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  uint8_t bytes[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t r = rd();
    std::memcpy(bytes + i, &r, 4);
  }
  // Version 4 / variant bits, as a random java.util.UUID has.
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;  // 128 bits -> 22 characters, no padding
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

MetaProperties ensure_meta_properties(const std::filesystem::path& dir, int32_t node_id,
                                      const std::optional<std::string>& configured_cluster_id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw ConfigError(
        fmt::format("log.dirs: cannot create directory {}: {}", dir.string(), ec.message()));
  }
  if (auto existing = read_meta_properties(dir)) {
    if (existing->node_id != node_id) {
      throw ConfigError(fmt::format(
          "node.id={} does not match node.id={} in {}; this directory belongs to another node",
          node_id, existing->node_id, (dir / kFileName).string()));
    }
    if (configured_cluster_id && *configured_cluster_id != existing->cluster_id) {
      throw ConfigError(fmt::format(
          "cluster.id={} does not match cluster.id={} in {}; this directory belongs to another "
          "cluster",
          *configured_cluster_id, existing->cluster_id, (dir / kFileName).string()));
    }
    return *existing;
  }
  MetaProperties meta{node_id, configured_cluster_id.value_or(generate_cluster_id())};
  std::string text = fmt::format(
      "#\n# Written by samsa when this log directory was first used. Do not edit.\nversion=1\n"
      "node.id={}\ncluster.id={}\n",
      meta.node_id, meta.cluster_id);
  std::filesystem::path tmp = dir / (std::string(kFileName) + ".tmp");
  write_all_and_sync(tmp, text);
  std::filesystem::rename(tmp, dir / kFileName, ec);
  if (ec) {
    throw ConfigError(fmt::format("cannot rename {}: {}", tmp.string(), ec.message()));
  }
  sync_dir(dir);
  return meta;
}

}  // namespace samsa::config
