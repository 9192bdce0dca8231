#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/util/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "samsa/util/log.h"

namespace samsa::coordinator {
namespace {

// One line: "<magic> <format version> <first id not yet reserved>".
constexpr std::string_view kMagic = "samsa-producer-ids";
constexpr int kFormatVersion = 1;

// Writes all of `data` to `fd`; false with errno set on failure.

int64_t parse_state(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::string magic, version, value, extra;
  in >> magic >> version >> value;
  if (magic != kMagic || version != std::to_string(kFormatVersion) || (in >> extra)) {
    throw std::runtime_error("corrupt producer id state in " + path.string() +
                             "; refusing to start (ids could be reused). Restore it or set it to "
                             "a value above every producer id in use");
  }
  int64_t block_end = -1;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), block_end);
  if (ec != std::errc() || ptr != value.data() + value.size() || block_end < 0) {
    throw std::runtime_error("corrupt producer id value '" + value + "' in " + path.string());
  }
  return block_end;
}

}  // namespace

ProducerIdManager::ProducerIdManager(std::filesystem::path dir, int64_t block_size)
    : dir_(std::move(dir)), path_(dir_ / kFileName), block_size_(block_size > 0 ? block_size : 1) {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    // Everything below the stored mark may have been handed out before the restart.
    next_ = block_end_ = parse_state(path_);
  } else if (ec) {
    throw std::runtime_error("cannot stat " + path_.string() + ": " + ec.message());
  }
  // A temp file left by a crash mid-persist is garbage: the rename never happened. Look
  // before unlinking: it is almost never there, and an unlink locks the directory.
  const auto tmp = dir_ / (std::string(kFileName) + ".tmp");
  if (std::filesystem::exists(tmp, ec)) std::filesystem::remove(tmp, ec);
}

std::optional<int64_t> ProducerIdManager::next_id() {
  if (next_ >= block_end_ && !reserve_block_from(next_)) return std::nullopt;
  return next_++;
}

bool ProducerIdManager::ensure_above(int64_t id) {
  if (id < next_) return true;
  if (id == std::numeric_limits<int64_t>::max()) return false;
  if (id < block_end_) {
    next_ = id + 1;
    return true;
  }
  return reserve_block_from(id + 1);
}

bool ProducerIdManager::reserve_block_from(int64_t start) {
  if (start > std::numeric_limits<int64_t>::max() - block_size_) {
    spdlog::error("producer id space exhausted at {}", start);
    return false;
  }
  const int64_t end = start + block_size_;
  if (!persist(end)) return false;
  next_ = start;
  block_end_ = end;
  return true;
}

bool ProducerIdManager::persist(int64_t block_end) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::ostringstream text;
  text << kMagic << ' ' << kFormatVersion << ' ' << block_end << '\n';
  try {
    write_file_durably(path_, text.str());
  } catch (const std::system_error& e) {
    spdlog::error("cannot persist the producer id reservation: {}", e.what());
    return false;
  }
  return true;
}

}  // namespace samsa::coordinator
