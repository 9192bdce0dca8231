// The log cleaner's own throughput, without the network: `fill` writes a compacted
// partition of keyed records (KEYS distinct keys, each written many times, in a scattered
// order), `clean` opens that log directory and times full cleans of it with the code the
// cleaner threads run (plan, run_clean, finish), until nothing is dirty. bench/cleaner.sh
// drives it and then measures produce latency while a broker cleans the same log.
//
//   samsa-cleaner-bench fill DIR [--bytes B] [--keys N] [--value-size V]
//                               [--segment-bytes S] [--compression none|gzip|snappy|lz4|zstd]
//   samsa-cleaner-bench clean DIR [--dedupe-buffer B]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"

namespace {

using namespace samsa::storage;
using samsa::ErrorCode;
using Clock = std::chrono::steady_clock;

constexpr const char* kTopic = "compacted";
constexpr int kRecordsPerBatch = 100;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The flusher's completions; nothing here waits on them but shutdown, which drains.
struct Loop {
  std::mutex mu;
  std::deque<std::function<void()>> queue;
  PostToLoop poster() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(mu);
      queue.push_back(std::move(fn));
    };
  }
  void drain() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard lock(mu);
        if (queue.empty()) return;
        fn = std::move(queue.front());
        queue.pop_front();
      }
      fn();
    }
  }
};

std::unique_ptr<LogManager> open_logs(const std::string& dir, Loop& loop, ConfigMap broker = {}) {
  LogManagerOptions o;
  o.log_dirs = dir;
  o.broker_config = std::move(broker);
  o.post_to_loop = loop.poster();
  o.now_ms = wall_ms();
  return LogManager::open(std::move(o));
}

Compression parse_codec(const std::string& name) {
  if (name == "none") return Compression::kNone;
  if (name == "gzip") return Compression::kGzip;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "lz4") return Compression::kLz4;
  if (name == "zstd") return Compression::kZstd;
  std::fprintf(stderr, "unknown codec %s\n", name.c_str());
  std::exit(2);
}

int fill(const std::string& dir, uint64_t bytes, uint64_t keys, size_t value_size,
         const std::string& segment_bytes, Compression codec) {
  Loop loop;
  auto logs = open_logs(dir, loop);
  std::string message;
  if (logs->create_topic(kTopic, 1,
                         {{"cleanup.policy", "compact"}, {"segment.bytes", segment_bytes}},
                         message) != ErrorCode::NONE) {
    std::fprintf(stderr, "create topic: %s\n", message.c_str());
    return 1;
  }
  PartitionLog& log = *logs->partition(kTopic, 0);
  std::string value(value_size, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + (i * 7) % 26);
  std::vector<std::string> key_text(kRecordsPerBatch);
  std::vector<RecordSpec> records(kRecordsPerBatch);
  BatchSpec spec;
  spec.compression = codec;
  uint64_t n = 0;
  const auto started = Clock::now();
  while (log.size_bytes() < bytes) {
    const int64_t now = wall_ms();
    for (int r = 0; r < kRecordsPerBatch; ++r, ++n) {
      // A scattered order over the key space (Knuth's multiplicative hash).
      key_text[r] = "key-" + std::to_string((n * 2654435761u) % keys);
      records[r].key = key_text[r];
      records[r].value = value;
      records[r].timestamp = now;
    }
    auto batch = build_batch(spec, records);
    AppendOptions o;
    o.now_ms = now;
    if (log.append(batch, o).error != ErrorCode::NONE) {
      std::fprintf(stderr, "append failed\n");
      return 1;
    }
    loop.drain();
  }
  const double s = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("filled %s: %llu records over %llu keys, %.0f MB in %zu segments (%.1f s)\n",
              dir.c_str(), static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(keys), double(log.size_bytes()) / 1e6,
              log.segment_count(), s);
  logs->shutdown();
  loop.drain();
  return 0;
}

int clean(const std::string& dir, const std::string& dedupe_buffer) {
  Loop loop;
  ConfigMap broker;
  if (!dedupe_buffer.empty()) broker["log.cleaner.dedupe.buffer.size"] = dedupe_buffer;
  auto logs = open_logs(dir, loop, broker);
  PartitionLog& log = *logs->partition(kTopic, 0);
  const uint64_t before = log.size_bytes();
  const auto started = Clock::now();
  cleaner::CleanStats total;
  int passes = 0;
  for (;;) {
    const LogCleanerSummary s = logs->clean_now(wall_ms(), /*force=*/true);
    loop.drain();
    if (s.logs_failed) {
      std::fprintf(stderr, "clean failed\n");
      return 1;
    }
    if (s.logs_cleaned == 0) break;
    total += s.stats;
    ++passes;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf(
      "RESULT passes=%d seconds=%.2f bytes_read=%llu bytes_written=%llu records_read=%llu "
      "records_removed=%llu mb_per_s=%.1f records_per_s=%.0f size_before=%llu size_after=%llu\n",
      passes, secs, static_cast<unsigned long long>(total.bytes_read),
      static_cast<unsigned long long>(total.bytes_written),
      static_cast<unsigned long long>(total.records_read),
      static_cast<unsigned long long>(total.records_removed), double(total.bytes_read) / 1e6 / secs,
      double(total.records_read) / secs, static_cast<unsigned long long>(before),
      static_cast<unsigned long long>(log.size_bytes()));
  logs->shutdown();
  loop.drain();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: samsa-cleaner-bench fill|clean DIR [--bytes B] [--keys N] "
                 "[--value-size V] [--segment-bytes S] [--compression C] [--dedupe-buffer B]\n");
    return 2;
  }
  const std::string mode = argv[1], dir = argv[2];
  uint64_t bytes = 1'000'000'000, keys = 1'000'000;
  size_t value_size = 200;
  std::string segment_bytes = "104857600", dedupe_buffer, codec = "none";
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--bytes")
      bytes = std::stoull(v);
    else if (k == "--keys")
      keys = std::stoull(v);
    else if (k == "--value-size")
      value_size = std::stoul(v);
    else if (k == "--segment-bytes")
      segment_bytes = v;
    else if (k == "--compression")
      codec = v;
    else if (k == "--dedupe-buffer")
      dedupe_buffer = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (mode == "fill")
      return fill(dir, bytes, keys, value_size, segment_bytes, parse_codec(codec));
    if (mode == "clean") return clean(dir, dedupe_buffer);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
