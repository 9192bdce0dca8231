#include "samsa/storage/cleaner/offset_map.h"

#include <algorithm>
#include <cstring>

#include <boost/uuid/detail/md5.hpp>

namespace samsa::storage::cleaner {
namespace {

uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Probes derived from the digest before falling back to linear probing: spreads the
// keys that collide on their first slot, which linear probing alone would cluster.
constexpr int kHashedProbes = 8;

}  // namespace

KeyDigest digest_key(std::span<const uint8_t> key) {
  boost::uuids::detail::md5 md5;
  md5.process_bytes(key.data(), key.size());
  boost::uuids::detail::md5::digest_type words;
  md5.get_digest(words);
  // Boost 1.74 gives the digest as four words whose big-endian bytes are MD5's.
  KeyDigest out;
  for (int i = 0; i < 4; ++i) {
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(words[i] >> (24 - 8 * b));
  }
  return out;
}

OffsetMap::OffsetMap(size_t memory_bytes, double load_factor) {
  const size_t slots = std::max<size_t>(1, memory_bytes / kEntryBytes);
  slots_.assign(slots, Slot{{}, -1});
  // Never every slot: find() relies on an empty one to end a probe sequence.
  max_entries_ = std::min(slots - 1, static_cast<size_t>(double(slots) * load_factor));
}

size_t OffsetMap::find(const KeyDigest& digest) const {
  const size_t n = slots_.size();
  const uint64_t h1 = load_u64(digest.data());
  const uint64_t h2 = load_u64(digest.data() + 8) | 1;
  ++lookups_;
  size_t at = h1 % n;
  for (int k = 0;; ++k) {
    ++probes_;
    const Slot& s = slots_[at];
    if (s.offset < 0 || s.digest == digest) return at;
    at = k < kHashedProbes ? (h1 + (k + 1) * h2) % n : (at + 1) % n;
  }
}

OffsetMap::PutResult OffsetMap::put(const KeyDigest& digest, int64_t offset) {
  Slot& s = slots_[find(digest)];
  PutResult result;
  if (s.offset < 0) {
    if (size_ >= max_entries_) return PutResult::kFull;
    s.digest = digest;
    s.offset = offset;
    ++size_;
    result = PutResult::kInserted;
  } else if (offset > s.offset) {
    s.offset = offset;
    result = PutResult::kUpdated;
  } else {
    result = PutResult::kUnchanged;
  }
  latest_offset_ = std::max(latest_offset_, offset);
  return result;
}

int64_t OffsetMap::get(const KeyDigest& digest) const {
  return slots_[find(digest)].offset;
}

void OffsetMap::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{{}, -1});
  size_ = 0;
  latest_offset_ = -1;
  lookups_ = probes_ = 0;
}

}  // namespace samsa::storage::cleaner
