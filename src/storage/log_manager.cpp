#include "samsa/storage/log_manager.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/util/durable_file.h"
#include "samsa/util/uuid.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace samsa::storage {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCleanShutdownFile = ".kafka_cleanshutdown";
constexpr const char* kMetaDir = "__samsa_topics";
constexpr const char* kPartitionMetadata = "partition.metadata";
constexpr int32_t kMaxPartitions = 100000;

std::map<std::string, std::string> read_key_values(const std::string& path, char sep) {
  std::map<std::string, std::string> kv;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find(sep);
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (sep == ':' && !value.empty() && value.front() == ' ') value.erase(0, 1);
    kv[line.substr(0, eq)] = value;
  }
  return kv;
}

}  // namespace

std::string topic_id_to_string(const TopicId& id) {
  return util::to_base64url(id);
}

std::optional<TopicId> topic_id_from_string(std::string_view text) {
  return util::from_base64url(text);
}

bool LogManager::valid_topic_name(std::string_view name, std::string& message) {
  if (name.empty() || name == "." || name == "..") {
    message = fmt::format("Topic name \"{}\" is illegal", name);
    return false;
  }
  if (name.size() > 249) {
    message = "Topic name is illegal, it can't be longer than 249 characters";
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      message = fmt::format(
          "Topic name \"{}\" is illegal, it contains a character other than ASCII "
          "alphanumerics, '.', '_' and '-'",
          name);
      return false;
    }
  }
  return true;
}

LogManager::LogManager(LogManagerOptions options) : options_(std::move(options)) {}

LogManager::~LogManager() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    spdlog::error("log manager shutdown failed: {}", e.what());
  }
}

std::unique_ptr<LogManager> LogManager::open(LogManagerOptions options) {
  std::unique_ptr<LogManager> m(new LogManager(std::move(options)));
  std::string dirs = m->options_.log_dirs;
  const size_t comma = dirs.find(',');
  if (comma != std::string::npos) {
    spdlog::warn("log.dirs lists several directories; samsa uses only the first: {}",
                 dirs.substr(0, comma));
    dirs = dirs.substr(0, comma);
  }
  if (dirs.empty()) throw std::runtime_error("log.dirs is empty");
  m->dir_ = dirs;
  std::string message;
  if (LogConfig::from_broker(m->options_.broker_config, m->defaults_, message) != ErrorCode::NONE)
    throw std::runtime_error(message);
  m->parse_cleaner_config();
  m->flusher_ = std::make_unique<Flusher>(m->options_.post_to_loop, Flusher::kDefaultThreads,
                                          m->options_.flush_metrics);
  struct rlimit limit {};
  const bool known = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  size_t capacity = m->options_.open_segment_files_max;
  if (capacity == 0) capacity = open_file_capacity_for_limit(known ? limit.rlim_cur : 1 << 20);
  m->file_cache_ = std::make_unique<OpenFileCache>(capacity);
  // Segment files beyond the cache are closed while idle: the limit bounds connections
  // and the working set, not the number of partitions.
  spdlog::info(
      "open-file limit {}: up to {} segment files stay open (samsa.log.open.files.max), others "
      "are reopened on demand; any number of partitions",
      known ? std::to_string(limit.rlim_cur) : std::string("unlimited"), capacity);
  m->load();
  m->cleaner_checkpoints_ = cleaner::read_checkpoints(m->dir_ + "/" + cleaner::kCheckpointFile);
  const int dir_fd = ::open(m->dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + m->dir_);
  m->dir_handle_ = std::make_shared<const FileHandle>(dir_fd);

  std::vector<StartGate::Step> steps;
  if (m->clean_start_) {
    steps.push_back([dir = m->dir_] {
      fs::remove(dir + "/" + kCleanShutdownFile);
      fsync_directory(dir);
    });
  }
  m->marker_is_only_start_step_ = m->clean_start_ && m->options_.before_first_write.empty();
  for (auto& step : m->options_.before_first_write) steps.push_back(std::move(step));
  m->options_.before_first_write.clear();
  m->gate_.arm(std::move(steps), std::move(m->options_.on_start_failure));
  return m;
}

std::string LogManager::partition_dir(const std::string& topic, int32_t p) const {
  return fmt::format("{}/{}-{}", dir_, topic, p);
}

std::string LogManager::meta_path(const std::string& topic) const {
  return fmt::format("{}/{}/{}.meta", dir_, kMetaDir, topic);
}

void LogManager::write_meta(const TopicMetadata& meta) {
  std::ostringstream out;
  out << "version=1\n"
      << "name=" << meta.name << "\n"
      << "topic_id=" << topic_id_to_string(meta.topic_id) << "\n"
      << "partitions=" << meta.partition_count << "\n";
  for (const auto& [k, v] : meta.config_overrides) out << "config." << k << "=" << v << "\n";
  write_file_durably(meta_path(meta.name), out.str());
}

void LogManager::write_partition_metadata(const std::string& dir, const TopicId& id, bool durable) {
  const std::string content = fmt::format("version: 0\ntopic_id: {}\n", topic_id_to_string(id));
  const std::string path = dir + "/" + kPartitionMetadata;
  durable ? write_file_durably(path, content) : write_file(path, content);
}

// A file and two fsyncs per partition took 10 ms each: 10,000 partitions blocked the
// loop for 100 s. The files are written plainly and one syncfs makes them all durable
// before the topic's .meta commits it; a crash before that leaves directories that the
// next start removes, as for any topic without .meta.
void LogManager::create_partition_logs(Topic& t, int32_t from, int32_t to) {
  for (int32_t p = from; p < to; ++p) {
    const std::string pdir = partition_dir(t.meta.name, p);
    fs::remove_all(pdir);  // a stale directory must not leak old data into the topic
    t.logs.push_back(open_partition(t, p, true));
    write_partition_metadata(pdir, t.meta.topic_id, false);
  }
  sync_filesystem(dir_);
}

std::unique_ptr<PartitionLog> LogManager::open_partition(const Topic& t, int32_t p, bool clean) {
  return PartitionLog::open(partition_dir(t.meta.name, p), t.meta.name, p, t.config, *flusher_,
                            clean, options_.now_ms, &gate_, file_cache_.get());
}

void LogManager::load() {
  const bool fresh = !fs::exists(dir_ + "/" + kMetaDir);
  fs::create_directories(dir_ + "/" + kMetaDir);
  clean_start_ = fs::exists(dir_ + "/" + kCleanShutdownFile);
  if (fresh)
    spdlog::info("{}: new data directory", dir_);
  else if (!clean_start_)
    spdlog::info("{}: no clean shutdown marker, recovering logs", dir_);

  for (const auto& entry : fs::directory_iterator(dir_ + "/" + kMetaDir)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".tmp") == 0) {
      fs::remove(entry.path());
      continue;
    }
    if (file.size() <= 5 || file.compare(file.size() - 5, 5, ".meta") != 0) continue;
    auto kv = read_key_values(entry.path().string(), '=');
    Topic t;
    t.meta.name = kv["name"];
    const auto id = topic_id_from_string(kv["topic_id"]);
    int32_t count = 0;
    std::from_chars(kv["partitions"].data(), kv["partitions"].data() + kv["partitions"].size(),
                    count);
    if (t.meta.name.empty() || !id || count < 1) {
      spdlog::error("{}: unreadable topic metadata, skipping", entry.path().string());
      continue;
    }
    t.meta.topic_id = *id;
    t.meta.partition_count = count;
    for (const auto& [k, v] : kv) {
      if (k.rfind("config.", 0) == 0) t.meta.config_overrides[k.substr(7)] = v;
    }
    std::string message;
    if (defaults_.with_overrides(t.meta.config_overrides, t.config, message) != ErrorCode::NONE) {
      spdlog::warn("topic {}: {}; using broker defaults", t.meta.name, message);
      t.config = defaults_;
    }
    for (int32_t p = 0; p < count; ++p) {
      const std::string pdir = partition_dir(t.meta.name, p);
      const bool existed = fs::exists(pdir);
      t.logs.push_back(open_partition(t, p, clean_start_));
      if (!existed || !fs::exists(pdir + "/" + kPartitionMetadata))
        write_partition_metadata(pdir, t.meta.topic_id);
    }
    topics_.emplace(t.meta.name, std::move(t));
  }

  // Directories of deleted topics, or of topic creations that never committed.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (name == kMetaDir) continue;
    const bool deleted = name.size() > 7 && name.compare(name.size() - 7, 7, "-delete") == 0;
    const size_t dash = name.rfind('-');
    bool orphan = false;
    if (!deleted && dash != std::string::npos && dash + 1 < name.size()) {
      int32_t p = -1;
      const auto [ptr, ec] = std::from_chars(name.data() + dash + 1, name.data() + name.size(), p);
      if (ec == std::errc() && ptr == name.data() + name.size()) {
        const auto it = topics_.find(std::string_view(name).substr(0, dash));
        orphan = it == topics_.end() || p >= it->second.meta.partition_count;
      }
    }
    if (deleted || orphan) {
      spdlog::info("{}: removing leftover directory {}", dir_, name);
      fs::remove_all(entry.path());
    }
  }
}

bool LogManager::writable(std::string& message) {
  if (gate_.pass()) return true;
  message = gate_.refusal("the log directory " + dir_);
  return false;
}

ErrorCode LogManager::create_topic(const std::string& name, int32_t partitions,
                                   const ConfigMap& configs, std::string& message,
                                   bool validate_only, std::optional<TopicId> topic_id) {
  if (!valid_topic_name(name, message)) return ErrorCode::INVALID_TOPIC_EXCEPTION;
  if (topics_.count(name)) {
    message = fmt::format("Topic '{}' already exists.", name);
    return ErrorCode::TOPIC_ALREADY_EXISTS;
  }
  // Kafka forbids names that differ only by '.' vs '_' (they collide in metric names).
  auto normalise = [](std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
  };
  for (const auto& [existing, _] : topics_) {
    if (normalise(existing) == normalise(name)) {
      message = fmt::format("Topic '{}' collides with existing topic: {}", name, existing);
      return ErrorCode::INVALID_TOPIC_EXCEPTION;
    }
  }
  if (partitions < 1 || partitions > kMaxPartitions) {
    message = fmt::format("Number of partitions must be between 1 and {}", kMaxPartitions);
    return ErrorCode::INVALID_PARTITIONS;
  }
  Topic t;
  if (const ErrorCode ec = defaults_.with_overrides(configs, t.config, message);
      ec != ErrorCode::NONE)
    return ec;
  if (validate_only) return ErrorCode::NONE;
  if (!writable(message)) return ErrorCode::KAFKA_STORAGE_ERROR;

  t.meta.name = name;
  t.meta.topic_id = topic_id.value_or(util::random_uuid());
  t.meta.partition_count = partitions;
  t.meta.config_overrides = configs;
  try {
    create_partition_logs(t, 0, partitions);
    write_meta(t.meta);  // the commit point
  } catch (const std::exception& e) {
    t.logs.clear();
    for (int32_t p = 0; p < partitions; ++p) {
      std::error_code ec;
      fs::remove_all(partition_dir(name, p), ec);
    }
    message = fmt::format("cannot create topic {}: {}", name, e.what());
    spdlog::error("{}", message);
    return ErrorCode::KAFKA_STORAGE_ERROR;
  }
  topics_.emplace(name, std::move(t));
  return ErrorCode::NONE;
}

void LogManager::remove_dir_async_safe(const std::string& dir) {
  // Kafka renames to `<topic>-<p>.<id>-delete` and deletes later; a rename is atomic,
  // so a crash mid-deletion leaves a dir that load() recognises and finishes.
  const std::string doomed =
      fmt::format("{}.{}-delete", dir, topic_id_to_string(util::random_uuid()));
  std::error_code ec;
  fs::rename(dir, doomed, ec);
  fs::remove_all(ec ? dir : doomed, ec);
  if (ec) spdlog::error("cannot remove {}: {}", dir, ec.message());
}

ErrorCode LogManager::delete_topic(const std::string& name) {
  const auto it = topics_.find(name);
  if (it == topics_.end()) return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  if (std::string message; !writable(message)) {
    spdlog::error("cannot delete topic {}: {}", name, message);
    return ErrorCode::KAFKA_STORAGE_ERROR;
  }
  try {
    fs::remove(meta_path(name));
    fsync_directory(dir_ + "/" + kMetaDir);  // the commit point of the deletion
  } catch (const std::exception& e) {
    spdlog::error("cannot delete topic {}: {}", name, e.what());
    return ErrorCode::KAFKA_STORAGE_ERROR;
  }
  // Before the directories go: no cleaner thread writes into them afterwards.
  cancel_cleans(name);
  Topic t = std::move(it->second);
  topics_.erase(it);
  std::erase_if(cleaner_checkpoints_, [&](const auto& e) { return e.first.first == name; });
  for (int32_t p = 0; p < t.meta.partition_count; ++p) {
    t.logs[static_cast<size_t>(p)].reset();
    remove_dir_async_safe(partition_dir(name, p));
  }
  return ErrorCode::NONE;
}

ErrorCode LogManager::create_partitions(const std::string& name, int32_t new_total,
                                        std::string& message, bool validate_only) {
  const auto it = topics_.find(name);
  if (it == topics_.end()) {
    message = fmt::format("Topic {} does not exist", name);
    return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  }
  Topic& t = it->second;
  if (new_total <= t.meta.partition_count || new_total > kMaxPartitions) {
    message = fmt::format("Topic currently has {} partitions, {} is not a valid new count",
                          t.meta.partition_count, new_total);
    return ErrorCode::INVALID_PARTITIONS;
  }
  if (validate_only) return ErrorCode::NONE;
  if (!writable(message)) return ErrorCode::KAFKA_STORAGE_ERROR;
  const int32_t old = t.meta.partition_count;
  try {
    create_partition_logs(t, old, new_total);
    TopicMetadata updated = t.meta;
    updated.partition_count = new_total;
    write_meta(updated);
    t.meta = std::move(updated);
  } catch (const std::exception& e) {
    t.logs.resize(static_cast<size_t>(old));
    message = fmt::format("cannot add partitions to {}: {}", name, e.what());
    return ErrorCode::KAFKA_STORAGE_ERROR;
  }
  return ErrorCode::NONE;
}

ErrorCode LogManager::set_topic_configs(const std::string& name, const ConfigMap& overrides,
                                        std::string& message, bool validate_only) {
  const auto it = topics_.find(name);
  if (it == topics_.end()) {
    message = fmt::format("Topic {} does not exist", name);
    return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  }
  LogConfig config;
  if (const ErrorCode ec = defaults_.with_overrides(overrides, config, message);
      ec != ErrorCode::NONE)
    return ec;
  if (validate_only) return ErrorCode::NONE;
  if (!writable(message)) return ErrorCode::KAFKA_STORAGE_ERROR;
  Topic& t = it->second;
  TopicMetadata updated = t.meta;
  updated.config_overrides = overrides;
  try {
    write_meta(updated);
  } catch (const std::exception& e) {
    message = e.what();
    return ErrorCode::KAFKA_STORAGE_ERROR;
  }
  t.meta = std::move(updated);
  t.config = config;
  for (auto& log : t.logs) log->set_config(config);
  return ErrorCode::NONE;
}

const TopicMetadata* LogManager::find_topic(std::string_view name) const {
  const auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second.meta;
}

const TopicMetadata* LogManager::find_topic(const TopicId& id) const {
  for (const auto& [_, t] : topics_) {
    if (t.meta.topic_id == id) return &t.meta;
  }
  return nullptr;
}

std::vector<const TopicMetadata*> LogManager::topics() const {
  std::vector<const TopicMetadata*> out;
  for (const auto& [_, t] : topics_) out.push_back(&t.meta);
  return out;
}

const LogConfig* LogManager::topic_config(std::string_view name) const {
  const auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second.config;
}

PartitionLog* LogManager::partition(std::string_view topic, int32_t index) {
  const auto it = topics_.find(topic);
  if (it == topics_.end() || index < 0 || index >= it->second.meta.partition_count) return nullptr;
  return it->second.logs[static_cast<size_t>(index)].get();
}

size_t LogManager::enforce_retention(int64_t now_ms) {
  size_t deleted = 0;
  for (auto& [_, t] : topics_)
    for (auto& log : t.logs) deleted += log->enforce_retention(now_ms);
  return deleted;
}

namespace {

// A broker setting of the cleaner: `props[key]` parsed whole as a T and accepted by
// `valid` into `out`; left as it is when absent. Throws std::runtime_error otherwise.
template <typename T, typename Valid>
void read_cleaner_setting(const ConfigMap& props, const char* key, Valid valid, T& out) {
  const auto it = props.find(key);
  if (it == props.end()) return;
  const std::string& text = it->second;
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !valid(v))
    throw std::runtime_error("Invalid value " + text + " for configuration " + key);
  out = v;
}

}  // namespace

void LogManager::parse_cleaner_config() {
  const ConfigMap& props = options_.broker_config;
  int64_t dedupe_bytes = static_cast<int64_t>(dedupe_buffer_bytes_);
  read_cleaner_setting(
      props, "log.cleaner.dedupe.buffer.size", [](int64_t v) { return v >= 24; }, dedupe_bytes);
  dedupe_buffer_bytes_ = static_cast<size_t>(dedupe_bytes);
  read_cleaner_setting(
      props, "log.cleaner.io.buffer.load.factor", [](double v) { return v > 0 && v <= 1; },
      dedupe_load_factor_);
  read_cleaner_setting(
      props, "log.cleaner.threads", [](int v) { return v >= 1 && v <= 64; }, cleaner_thread_count_);
  read_cleaner_setting(
      props, "log.cleaner.io.max.bytes.per.second", [](double v) { return v >= 1; },
      cleaner_io_max_bytes_per_second_);
  if (const auto it = props.find("log.cleaner.enable"); it != props.end()) {
    if (it->second != "true" && it->second != "false")
      throw std::runtime_error("Invalid value " + it->second +
                               " for configuration log.cleaner.enable");
    cleaner_enabled_ = it->second == "true";
  }
}

int64_t LogManager::cleaner_checkpoint(const std::string& topic, int32_t partition) const {
  const auto it = cleaner_checkpoints_.find({topic, partition});
  return it == cleaner_checkpoints_.end() ? -1 : it->second;
}

LogCleanOptions LogManager::clean_options(const Topic& t, const cleaner::CleanableRange& range,
                                          int64_t now_ms) const {
  LogCleanOptions o;
  o.now_ms = now_ms;
  // As Kafka: the threads share the dedupe buffer.
  o.dedupe_buffer_bytes =
      std::max<size_t>(dedupe_buffer_bytes_ / static_cast<size_t>(cleaner_thread_count_), 24);
  o.load_factor = dedupe_load_factor_;
  o.first_dirty_offset = range.first_dirty_offset;
  o.end_offset = range.first_uncleanable_offset;
  o.delete_retention_ms = t.config.delete_retention_ms;
  return o;
}

bool LogManager::update_cleaner_checkpoint(const PartitionKey& key, int64_t checkpoint,
                                           int64_t first_dirty_offset) {
  if (first_dirty_offset == checkpoint || first_dirty_offset < 0) return false;
  cleaner_checkpoints_[key] = first_dirty_offset;
  return true;
}

void LogManager::write_cleaner_checkpoints() {
  // Only partitions that still exist.
  std::erase_if(cleaner_checkpoints_, [&](const auto& e) {
    const auto it = topics_.find(e.first.first);
    return it == topics_.end() || e.first.second >= it->second.meta.partition_count;
  });
  try {
    cleaner::write_checkpoints(dir_ + "/" + cleaner::kCheckpointFile, cleaner_checkpoints_);
  } catch (const std::exception& e) {
    // The logs are consistent whatever the file says; a stale one costs a longer clean.
    spdlog::error("{}: cannot write {}: {}", dir_, cleaner::kCheckpointFile, e.what());
  }
}

LogCleanerSummary LogManager::clean_now(int64_t now_ms, bool force) {
  LogCleanerSummary summary;
  bool changed = false;
  for (auto& [name, t] : topics_) {
    if (!t.config.compacts()) continue;
    for (size_t i = 0; i < t.logs.size(); ++i) {
      PartitionLog& log = *t.logs[i];
      const PartitionKey key{name, static_cast<int32_t>(i)};
      if (cleaning_.count(key)) continue;  // a background clean has it
      const int64_t checkpoint = cleaner_checkpoint(name, key.second);
      const cleaner::CleanableRange range = cleaner::cleanable_range(log, checkpoint, now_ms);
      if (force ? range.dirty_bytes == 0 : !range.due(t.config)) continue;
      const LogCleanResult r = log.clean(clean_options(t, range, now_ms));
      if (r.error != ErrorCode::NONE) {
        ++summary.logs_failed;
        continue;
      }
      if (r.cleaned) ++summary.logs_cleaned;
      summary.stats += r.stats;
      changed |= update_cleaner_checkpoint(key, checkpoint, r.first_dirty_offset);
    }
  }
  if (changed) write_cleaner_checkpoints();
  return summary;
}

void LogManager::start_cleaner(std::function<int64_t()> now_ms) {
  if (!cleaner_enabled_ || cleaner_threads_ || shut_down_) return;
  cleaner_clock_ = std::move(now_ms);
  cleaner_threads_ = std::make_unique<cleaner::CleanerThreads>(
      cleaner_thread_count_, cleaner_io_max_bytes_per_second_, options_.post_to_loop);
  spdlog::debug("log cleaner: {} thread(s), dedupe buffer {} bytes, I/O bound {}",
                cleaner_thread_count_, dedupe_buffer_bytes_,
                cleaner_io_max_bytes_per_second_ >= cleaner::IoThrottle::kUnlimited
                    ? std::string("none")
                    : fmt::format("{:.0f} bytes/s", cleaner_io_max_bytes_per_second_));
}

size_t LogManager::schedule_cleaning(int64_t now_ms) {
  if (!cleaner_threads_ || shut_down_) return 0;
  int idle = cleaner_threads_->idle();
  if (idle == 0) return 0;
  // The due logs not being cleaned, filthiest first: past max.compaction.lag.ms first,
  // then by dirty ratio (Kafka's grabFilthiestCompactedLog).
  struct Candidate {
    Topic* topic;
    int32_t partition;
    cleaner::CleanableRange range;
  };
  std::vector<Candidate> due;
  double max_dirty_ratio = 0;
  for (auto& [name, t] : topics_) {
    if (!t.config.compacts()) continue;
    for (size_t i = 0; i < t.logs.size(); ++i) {
      const auto p = static_cast<int32_t>(i);
      if (cleaning_.count({name, p})) continue;
      if (auto f = clean_failures_.find({name, p});
          f != clean_failures_.end() && now_ms < f->second.retry_at_ms)
        continue;
      cleaner::CleanableRange range =
          cleaner::cleanable_range(*t.logs[i], cleaner_checkpoint(name, p), now_ms);
      max_dirty_ratio = std::max(max_dirty_ratio, range.dirty_ratio);
      if (range.due(t.config)) due.push_back({&t, p, range});
    }
  }
  if (options_.cleaner_metrics) options_.cleaner_metrics->set_max_dirty_ratio(max_dirty_ratio);
  std::sort(due.begin(), due.end(), [](const Candidate& a, const Candidate& b) {
    return std::pair(a.range.max_lag_exceeded, a.range.dirty_ratio) >
           std::pair(b.range.max_lag_exceeded, b.range.dirty_ratio);
  });
  size_t started = 0;
  for (const Candidate& c : due) {
    if (idle == 0) break;
    const PartitionKey key{c.topic->meta.name, c.partition};
    LogCleanResult early;
    std::optional<cleaner::CleanPlan> plan =
        c.topic->logs[static_cast<size_t>(c.partition)]->plan_clean(
            clean_options(*c.topic, c.range, now_ms), early);
    if (!plan) {  // nothing cleanable after all, or an error (logged)
      if (early.error != ErrorCode::NONE) note_clean_failure(key, now_ms);
      continue;
    }
    auto shared = std::make_shared<const cleaner::CleanPlan>(std::move(*plan));
    InFlightClean& slot = cleaning_[key];
    slot.plan = shared;
    slot.checkpoint = cleaner_checkpoint(key.first, key.second);
    slot.id =
        cleaner_threads_->submit(shared, [this, alive = std::weak_ptr<int>(alive_), key,
                                          plan = shared.get()](cleaner::CleanOutcome outcome) {
          if (alive.expired()) return;
          on_clean_done(key, plan, std::move(outcome));
        });
    --idle;
    ++started;
  }
  if (options_.cleaner_metrics) options_.cleaner_metrics->set_in_flight(cleaning_.size());
  return started;
}

void LogManager::on_clean_done(const PartitionKey& key, const cleaner::CleanPlan* plan,
                               cleaner::CleanOutcome&& outcome) {
  // Not ours when the clean was cancelled meanwhile (its topic deleted, perhaps re-created).
  const auto it = cleaning_.find(key);
  if (it == cleaning_.end() || it->second.plan.get() != plan || shut_down_) return;
  const InFlightClean done = std::move(it->second);
  cleaning_.erase(it);
  PartitionLog* log = partition(key.first, key.second);
  if (log == nullptr) return;
  const double took_s = double(outcome.took.count()) / 1000.0;
  const double utilization = outcome.map_utilization;
  const LogCleanResult r = log->finish_clean(*done.plan, std::move(outcome));
  if (auto* metrics = options_.cleaner_metrics) {
    metrics->clean_finished({r.error != ErrorCode::NONE, r.stats.bytes_read, r.stats.bytes_written,
                             r.stats.records_removed, took_s, utilization});
    metrics->set_in_flight(cleaning_.size());
  }
  const int64_t now_ms = cleaner_clock_ ? cleaner_clock_() : done.plan->now_ms;
  if (r.error != ErrorCode::NONE)
    note_clean_failure(key, now_ms);
  else
    clean_failures_.erase(key);
  const bool progressed = r.error == ErrorCode::NONE &&
                          update_cleaner_checkpoint(key, done.checkpoint, r.first_dirty_offset);
  if (progressed) write_cleaner_checkpoints();
  // A backlog is worked through at once; a log that made no progress (an error, a key
  // map too small) waits for the next tick rather than spinning.
  if (progressed || r.cleaned) schedule_cleaning(now_ms);
}

void LogManager::note_clean_failure(const PartitionKey& key, int64_t now_ms) {
  CleanFailures& f = clean_failures_[key];
  ++f.count;
  int64_t delay = kCleanRetryFirstMs;
  for (int i = 1; i < f.count && delay < kCleanRetryMaxMs; ++i) delay *= 2;
  delay = std::min(delay, kCleanRetryMaxMs);
  f.retry_at_ms = now_ms + delay;
  spdlog::warn("{}-{}: clean failed ({} in a row); the cleaner tries this log again in {} s",
               key.first, key.second, f.count, delay / 1000);
}

void LogManager::cancel_cleans(const std::string& topic) {
  std::erase_if(clean_failures_, [&](const auto& e) { return e.first.first == topic; });
  for (auto it = cleaning_.lower_bound({topic, INT32_MIN});
       it != cleaning_.end() && it->first.first == topic;) {
    if (cleaner_threads_) cleaner_threads_->cancel(it->second.id);
    it = cleaning_.erase(it);
  }
}

void LogManager::flush_on_timer(int64_t now_ms) {
  for (auto& [_, t] : topics_)
    for (auto& log : t.logs) log->maybe_flush_for_time(now_ms);
}

void LogManager::shutdown() {
  if (shut_down_ || !flusher_) return;
  shut_down_ = true;
  // A clean in flight is abandoned: a running one's thread removes what it wrote; one
  // that finished but was not swapped in yet left `.cleaned` files, removed here as the
  // next start would.
  if (cleaner_threads_) cleaner_threads_->stop();
  for (const auto& [key, clean] : cleaning_) {
    try {
      cleaner::recover_interrupted_clean(clean.plan->dir);
    } catch (const std::exception& e) {
      spdlog::warn("{}: {}", clean.plan->dir, e.what());
    }
  }
  cleaning_.clear();
  // After a clean start that nothing wrote to, the logs are as the marker on disk
  // vouches: it stays, and there is nothing to sync. Otherwise a broker that never wrote
  // still owes its start-up steps (a first meta.properties).
  const bool untouched = gate_.is_armed() && marker_is_only_start_step_;
  const bool writable = untouched || gate_.pass();
  for (auto& [_, t] : topics_)
    for (auto& log : t.logs) log->close(/*sync=*/false);
  flusher_->stop();
  if (!writable) return;  // after a failed start the logs did not change
  if (::syncfs(dir_handle_->fd()) != 0) {
    spdlog::error(
        "{}: syncing the logs at shutdown failed ({}); the next start will recover "
        "every log",
        dir_, std::strerror(errno));
    std::error_code ignored;
    fs::remove(dir_ + "/" + kCleanShutdownFile, ignored);
    return;
  }
  if (!untouched) write_file_durably(dir_ + "/" + kCleanShutdownFile, "");
}

}  // namespace samsa::storage
