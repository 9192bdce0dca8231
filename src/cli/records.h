// What `samsa produce` and `samsa consume` share: Kafka's default partitioner hash,
// reading the v2 batches of a Fetch answer record by record (with their headers, which
// storage's RecordIterator skips), making bytes safe for JSON, bounded retries and a
// clean stop on SIGINT/SIGTERM.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/client/client.h"
#include "samsa/storage/record_batch.h"

namespace samsa::cli {

// The Java client's Utils.murmur2 (seed 0x9747b28c), bit for bit.
int32_t murmur2(std::string_view data) noexcept;
// The partition Kafka's default partitioner gives a non-null key:
// toPositive(murmur2(key)) % partitions.
int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept;

struct RecordHeader {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One record of a fetched batch; the views point into the fetch frame or the
// decompression buffer, valid until the next batch is decoded.
struct FetchedRecord {
  int64_t offset = 0;
  int64_t timestamp = -1;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeader> headers;
};

// Walks the batches of one partition's Fetch records. A broker may end the data with a
// partial batch (it cuts at the byte limit); that one is left for the next fetch.
class BatchWalker {
 public:
  explicit BatchWalker(std::span<const uint8_t> records) : rest_(records) {}
  // The next complete batch, or false. Throws KafkaError(CORRUPT_MESSAGE) on a batch
  // whose header is impossible, and UNSUPPORTED_FOR_MESSAGE_FORMAT on magic 0/1.
  bool next(storage::BatchHeader& header, std::span<const uint8_t>& batch);

 private:
  std::span<const uint8_t> rest_;
};

// Decodes every record of one v2 batch (checking its CRC, decompressing into `scratch`)
// into `out`, replacing its contents. Throws KafkaError(CORRUPT_MESSAGE) naming
// `where` when the batch does not decode.
void decode_batch(std::span<const uint8_t> batch, const storage::BatchHeader& header,
                  const std::string& where, std::vector<uint8_t>& scratch,
                  std::vector<FetchedRecord>& out);

bool valid_utf8(std::string_view text) noexcept;
std::string base64(std::string_view bytes);

// Errors after which the same request may succeed once metadata is refreshed or the
// leader has settled (Kafka's RetriableException family, as far as produce and fetch
// meet it).
bool retriable(ErrorCode code) noexcept;

// The tools' client, retried: attempts run until one succeeds, with a backoff of
// 100 ms doubling to 1 s between them. After a NetworkError the client is replaced (a
// broken Connection does not reopen), unless no broker ever answered; after a retriable
// KafkaError the topic's metadata is read again, as leaders may have moved. Other
// errors propagate at once, and the last one does after `retries` failed attempts in a
// row.
class Session {
 public:
  Session(client::ClientOptions options, std::string topic, int retries);
  client::Client& client() { return *client_; }
  // Counts the clients replaced so far: a Connection& taken from client() stays valid
  // while this does not change.
  int reconnects() const noexcept { return reconnects_; }
  // An attempt that made partial progress must record it, so the next one resumes.
  void run(const std::function<void()>& attempt);

 private:
  void failed(const std::exception_ptr& error);

  client::ClientOptions options_;
  std::string topic_;
  int retries_;
  std::unique_ptr<client::Client> client_;
  int reconnects_ = 0;
  bool reconnect_ = false;
  bool reached_ = false;  // some attempt got an answer from the cluster
  int failures_ = 0;
  std::chrono::milliseconds delay_{100};
};

// A topic as produce and consume need it from Metadata: its partition count and id
// (zero where the broker names no ids).
struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  protocol::Uuid id;

  // Throws KafkaError(UNKNOWN_TOPIC_OR_PARTITION) naming the valid range unless the
  // topic has `partition`.
  void check_partition(int32_t partition) const;
};

// Asks Metadata through `session`, again while the topic has no partitions yet (created
// a moment ago). A topic that does not exist fails at once with
// KafkaError(UNKNOWN_TOPIC_OR_PARTITION): waiting will not create it.
TopicInfo topic_info(Session& session, const std::string& topic);

// SIGINT and SIGTERM set a flag instead of killing the process, so a tool can finish
// what it holds (flush, print a summary) and exit 0; blocking reads return EINTR. The
// handler resets itself: a second Ctrl-C kills at once.
void install_stop_handler();
bool stop_requested() noexcept;

}  // namespace samsa::cli
