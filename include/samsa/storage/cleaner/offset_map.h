// The log cleaner's key map: for every key seen in the dirty part of a log, the offset
// of its newest record. Like Kafka's SkimpyOffsetMap it holds only a 16-byte MD5 digest
// of each key and an offset (24 bytes an entry) in one array sized once from a byte
// budget (log.cleaner.dedupe.buffer.size), filled up to a load factor
// (log.cleaner.io.buffer.load.factor): the memory of a clean is bounded whatever the
// number of keys, and a full map just means the clean stops earlier.
//
// Two keys with the same digest would share an entry (the older record of one could be
// dropped for the other's newer one); with MD5 that is as unlikely as Kafka accepts.
// Open addressing: a few probes derived from the digest, then linear probing; nothing
// is ever removed, so the probe sequence ends at the first empty slot.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace samsa::storage::cleaner {

using KeyDigest = std::array<uint8_t, 16>;

KeyDigest digest_key(std::span<const uint8_t> key);

class OffsetMap {
 public:
  static constexpr size_t kEntryBytes = sizeof(KeyDigest) + sizeof(int64_t);

  // `memory_bytes` gives memory_bytes / 24 slots (at least one); at most
  // slots * load_factor of them are filled.
  explicit OffsetMap(size_t memory_bytes, double load_factor = 0.9);

  enum class PutResult : uint8_t {
    kInserted,   // a new key
    kUpdated,    // a known key, now at this larger offset
    kUnchanged,  // a known key already at this or a larger offset
    kFull,       // a new key, and no room left: nothing stored
  };
  // Records `offset` for the key, keeping the larger of it and the one stored.
  PutResult put(const KeyDigest& digest, int64_t offset);
  PutResult put(std::span<const uint8_t> key, int64_t offset) {
    return put(digest_key(key), offset);
  }
  // The offset stored for the key, or -1.
  int64_t get(const KeyDigest& digest) const;
  int64_t get(std::span<const uint8_t> key) const { return get(digest_key(key)); }

  size_t size() const { return size_; }
  size_t slots() const { return slots_.size(); }
  // How many keys fit before put() reports kFull.
  size_t max_entries() const { return max_entries_; }
  bool full() const { return size_ >= max_entries_; }
  // The largest offset put since the last clear(), or -1.
  int64_t latest_offset() const { return latest_offset_; }
  double utilization() const { return slots_.empty() ? 0 : double(size_) / double(slots_.size()); }
  // Average slots looked at per put() or get() (for the cleaner's log line).
  double average_probes() const { return lookups_ ? double(probes_) / double(lookups_) : 0; }
  void clear();

 private:
  struct Slot {
    KeyDigest digest;
    int64_t offset;  // -1: empty
  };
  static_assert(sizeof(Slot) == kEntryBytes);
  // The slot holding `digest`, or the empty slot where it would go.
  size_t find(const KeyDigest& digest) const;

  std::vector<Slot> slots_;
  size_t max_entries_ = 0;
  size_t size_ = 0;
  int64_t latest_offset_ = -1;
  mutable uint64_t lookups_ = 0;
  mutable uint64_t probes_ = 0;
};

}  // namespace samsa::storage::cleaner
