#include "fetch.h"

#include <chrono>
#include <map>

#include "samsa/protocol/messages/fetch_request.h"
#include "samsa/protocol/messages/fetch_response.h"
#include "samsa/storage/crc32c.h"

namespace samsa::bench {

namespace {

uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Offsets of v2 record-batch header fields that the consumer side needs.
constexpr size_t kLengthOffset = 8;
constexpr size_t kCrcOffset = 17;
constexpr size_t kAttributesOffset = 21;
constexpr size_t kLastOffsetDeltaOffset = 23;
constexpr size_t kRecordCountOffset = 57;
constexpr size_t kHeaderSize = 61;

struct Progress {
  int64_t next_offset = 0;
  int64_t end_offset = -1;  // high watermark at the first answer
};

// Walks the complete batches of one partition's records (a trailing partial batch is
// allowed, as in Kafka) and advances `progress`.
void consume(std::span<const uint8_t> data, bool verify_crc, Progress& progress,
             FetchResult& result) {
  size_t pos = 0;
  while (pos + kHeaderSize <= data.size()) {
    const uint8_t* b = data.data() + pos;
    const size_t size = 12 + static_cast<uint32_t>(load_be(b + kLengthOffset, 4));
    if (pos + size > data.size()) break;
    if (verify_crc) {
      const auto crc = static_cast<uint32_t>(load_be(b + kCrcOffset, 4));
      if (storage::crc32c(0, b + kAttributesOffset, size - kAttributesOffset) != crc) {
        ++result.bad_batches;
      }
    }
    const auto base = static_cast<int64_t>(load_be(b, 8));
    const auto last_delta = static_cast<int32_t>(load_be(b + kLastOffsetDeltaOffset, 4));
    progress.next_offset = base + last_delta + 1;
    result.records += static_cast<int32_t>(load_be(b + kRecordCountOffset, 4));
    result.bytes += static_cast<int64_t>(size);
    pos += size;
  }
}

}  // namespace

FetchResult run_fetch(const FetchOptions& options, const TopicInfo& topic) {
  Connection conn(options.host, options.port, std::chrono::milliseconds(5000));
  std::map<int32_t, Progress> progress;
  for (int32_t p : topic.partitions) progress[p];

  FetchResult result;
  std::vector<uint8_t> body;
  int stalled_rounds = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int32_t correlation_id = 0;; ++correlation_id) {
    protocol::FetchRequest request;
    request.max_wait_ms = 100;
    request.min_bytes = 1;
    request.max_bytes = options.max_bytes;
    auto& t = request.topics.emplace_back();
    t.topic = topic.name;
    t.topic_id = topic.id;
    for (const auto& [index, p] : progress) {
      if (p.end_offset >= 0 && p.next_offset >= p.end_offset) continue;
      auto& fp = t.partitions.emplace_back();
      fp.partition = index;
      fp.fetch_offset = p.next_offset;
      fp.partition_max_bytes = options.partition_max_bytes;
    }
    if (t.partitions.empty()) break;

    conn.send_all(encode_request(request, options.version, correlation_id));
    conn.read_frame(body);
    protocol::Reader reader(body);
    if (read_response_header(reader, protocol::FetchRequest::api_key, options.version) !=
        correlation_id) {
      throw WireError("Fetch answer with an unexpected correlation id");
    }
    protocol::FetchResponse response;
    response.decode(reader, options.version);
    ++result.requests;
    if (response.error_code != 0) ++result.errors;
    bool advanced = false;
    for (const auto& rt : response.responses) {
      for (const auto& pd : rt.partitions) {
        auto it = progress.find(pd.partition_index);
        if (it == progress.end()) continue;
        if (pd.error_code != 0) {
          ++result.errors;
          continue;
        }
        auto& p = it->second;
        if (p.end_offset < 0) p.end_offset = pd.high_watermark;
        const int64_t before = p.next_offset;
        consume(pd.records.view, options.verify_crc, p, result);
        advanced = advanced || p.next_offset > before;
      }
    }
    if (result.errors > 0) break;
    // The first round learns the high watermarks; later rounds must make progress.
    stalled_rounds = advanced ? 0 : stalled_rounds + 1;
    if (stalled_rounds > 20) throw WireError("fetch made no progress for 20 rounds");
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace samsa::bench
