// The coordinator module owns the broker's cluster-wide bookkeeping that is not a
// partition log: producer id allocation (here), later consumer groups and transactions.
//
// ProducerIdManager hands out idempotent-producer ids that are never reused, not even
// after a crash: ids are reserved in blocks, and a block is made durable (temp file,
// fsync, rename, directory fsync) before its first id leaves the broker. A crash loses
// at most the unused rest of a block, which is the price Kafka pays too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace samsa::coordinator {

class ProducerIdManager {
 public:
  static constexpr int64_t kDefaultBlockSize = 1000;
  // Lives in the log directory, next to meta.properties.
  static constexpr const char* kFileName = "__samsa_producer_ids";

  // Reads the reservation state from `dir` (a missing file starts at id 0). Throws
  // std::runtime_error on a corrupt file: starting over could hand out ids again.
  explicit ProducerIdManager(std::filesystem::path dir, int64_t block_size = kDefaultBlockSize);
  ProducerIdManager(const ProducerIdManager&) = delete;
  ProducerIdManager& operator=(const ProducerIdManager&) = delete;

  // A producer id never returned before by this or any earlier run, or nullopt when the
  // next block could not be made durable (disk full, I/O error: logged; callers answer
  // with a retriable error) or the id space is exhausted.
  std::optional<int64_t> next_id();

  // Makes sure every later id is greater than `id` (ids seen elsewhere, e.g. in logs
  // written before this file existed). False if that could not be persisted.
  bool ensure_above(int64_t id);

  // Ids below this are reserved durably (handed out, or lost to a restart).
  int64_t reserved_until() const { return block_end_; }

 private:
  bool reserve_block_from(int64_t start);
  bool persist(int64_t block_end);

  std::filesystem::path dir_;
  std::filesystem::path path_;
  int64_t block_size_;
  int64_t next_ = 0;       // next id to hand out
  int64_t block_end_ = 0;  // first id not covered by the durable reservation
};

}  // namespace samsa::coordinator
