// Browsing a topic's records for the console (GET /api/topics/{name}/messages): reads
// the partitions' stored batches directly (PartitionLog::read, as Fetch does), decodes
// them (record_view.h), filters by key or text, and keeps the records asked for.
//
// The work is bounded twice: per call (max_bytes of batches read, max_records records
// decoded; then the answer says truncated) and per step: step() does at most
// step_bytes / step_records and the caller posts the next step to the loop, so Kafka
// requests run in between. A start "from a timestamp" is found with the time index
// (PartitionLog::offset_for_timestamp), never by scanning.
//
// Which records: `from` earliest, offset or timestamp reads forward from there and keeps
// the first `limit` records (of all partitions together: the earliest by timestamp);
// `from` latest reads backward from the log end (windows growing from the end, each read
// forward) and keeps the last `limit`. `newest_first` only sorts the page.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "record_view.h"
#include "samsa/protocol/error_code.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

struct BrowseQuery {
  enum class From { kEarliest, kLatest, kOffset, kTimestamp };
  std::optional<int32_t> partition;  // nullopt: every partition
  From from = From::kLatest;
  int64_t offset = 0;     // kOffset
  int64_t timestamp = 0;  // kTimestamp, ms
  bool newest_first = true;
  int32_t limit = 50;
  std::optional<std::string> key;       // records whose key equals this
  std::optional<std::string> contains;  // records whose key, value or a header value holds this
};

struct BrowseLimits {
  uint64_t max_bytes = 16u << 20;  // batch bytes read per call
  uint64_t max_records = 100'000;  // records decoded per call
  uint64_t step_bytes = 1u << 20;  // per step
  uint64_t step_records = 10'000;
  size_t max_uncompressed = 64u << 20;  // one batch decompressed; larger ones are skipped
  // Bytes of keys, values and header values shown, shared by the `limit` records: each
  // field shows at most max(min_shown, shown_budget / limit), at most max_shown.
  size_t shown_budget = 8u << 20;
  size_t min_shown = 4096;
  size_t max_shown = 2u << 20;
};

class MessageBrowser {
 public:
  // Plans the scan. UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or partition;
  // `message` says which.
  static std::unique_ptr<MessageBrowser> create(storage::LogManager& logs, const std::string& topic,
                                                const BrowseQuery& query,
                                                const BrowseLimits& limits, ErrorCode& error,
                                                std::string& message);
  ~MessageBrowser();

  // Reads up to one step's budget; true once the scan is finished.
  bool step();
  // {"messages": [...], "scanned": N, "truncated": bool}; call once finished.
  nlohmann::json result() const;

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t scanned() const { return scanned_; }

 private:
  struct Match;
  struct Cursor;
  MessageBrowser(storage::LogManager& logs, std::string topic, BrowseQuery query,
                 BrowseLimits limits);
  // Reads one chunk of `c`'s range; returns the bytes it read.
  uint64_t read_chunk(Cursor& c, uint64_t max_bytes, uint64_t max_records);
  void end_window(Cursor& c, storage::PartitionLog& log);
  bool matches(const DecodedRecord& record) const;
  bool topic_still_there() const;

  storage::LogManager& logs_;
  std::string topic_;
  storage::TopicId topic_id_{};
  BrowseQuery query_;
  BrowseLimits limits_;
  size_t shown_per_field_ = 0;
  std::vector<Cursor> cursors_;
  uint64_t bytes_read_ = 0;
  uint64_t scanned_ = 0;
  bool truncated_ = false;
  bool finished_ = false;
  std::vector<uint8_t> buffer_;   // batches read
  std::vector<uint8_t> scratch_;  // a decompressed batch
};

}  // namespace samsa::http
