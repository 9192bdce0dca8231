#include "samsa/storage/producer_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "samsa/storage/crc32c.h"

namespace samsa::storage {
namespace {

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return int64_t(next_seq) == int64_t(last_seq) + 1 || (next_seq == 0 && last_seq == INT32_MAX);
}

constexpr uint32_t kSnapshotMagic = 0x534d5053;  // "SMPS"
// 1: epochs and batches. 2: also each producer's ongoing transaction and coordinator
// epoch.
constexpr uint32_t kSnapshotVersion = 3;
constexpr uint32_t kSnapshotVersionV1 = 1;

// Working copies mark a transaction that a batch of the append in progress begins;
// its first offset is known once offsets are assigned.
constexpr int64_t kTxnBegunInThisAppend = -2;

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

template <typename T>
bool get(const std::vector<uint8_t>& in, size_t& pos, T& v) {
  if (in.size() - pos < sizeof(T)) return false;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

}  // namespace

const ProducerBatchMeta* ProducerEntry::find(int32_t first_seq, int32_t last_seq) const {
  for (uint8_t i = 0; i < batch_count; ++i) {
    if (batches[i].first_seq == first_seq && batches[i].last_seq == last_seq) return &batches[i];
  }
  return nullptr;
}

void ProducerEntry::add(int16_t new_epoch, const ProducerBatchMeta& meta) {
  if (new_epoch != epoch) {
    epoch = new_epoch;
    batch_count = 0;
  }
  last_timestamp = meta.timestamp;
  if (batch_count == kMaxBatches) {
    std::memmove(&batches[0], &batches[1], sizeof(ProducerBatchMeta) * (kMaxBatches - 1));
    --batch_count;
  }
  batches[batch_count++] = meta;
}

ProducerEntry* ProducerStateManager::staged_entry_for(int64_t producer_id) {
  for (auto& e : staged_entries_) {
    if (e.producer_id == producer_id) return &e;
  }
  const auto it = producers_.find(producer_id);
  if (it != producers_.end()) {
    staged_entries_.push_back(it->second);
  } else {
    ProducerEntry e;
    e.producer_id = producer_id;
    staged_entries_.push_back(e);
  }
  return &staged_entries_.back();
}

ProducerCheck ProducerStateManager::check_and_stage(const BatchHeader& b) {
  ProducerCheck result;
  const auto committed = producers_.find(b.producer_id);
  const int16_t committed_epoch = committed == producers_.end() ? -1 : committed->second.epoch;
  ProducerEntry* entry = staged_entry_for(b.producer_id);
  const int32_t first_seq = b.base_sequence;
  const int32_t last_seq = b.last_sequence();

  if (entry->epoch != -1 && b.producer_epoch < entry->epoch) {
    result.error = ErrorCode::INVALID_PRODUCER_EPOCH;
    result.message = fmt::format("producer {} epoch {} is older than the current epoch {}",
                                 b.producer_id, b.producer_epoch, entry->epoch);
    return result;
  }
  // A retry of one of the last batches: answer with where it was written.
  if (b.producer_epoch == entry->epoch) {
    if (const ProducerBatchMeta* dup = entry->find(first_seq, last_seq)) {
      result.duplicate = *dup;
      return result;
    }
  }
  if (b.producer_epoch != entry->epoch) {
    // A bumped epoch restarts the sequence at 0 (unless the producer is unknown here).
    if (first_seq != 0 && entry->epoch != -1) {
      result.error = ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER;
      result.message = fmt::format("producer {} new epoch {} must start at sequence 0, got {}",
                                   b.producer_id, b.producer_epoch, first_seq);
      return result;
    }
  } else if (committed_epoch != -1) {
    // Kafka accepts any sequence when it has no state (e.g. it was removed by
    // retention or DeleteRecords); otherwise the sequence must follow on.
    const ProducerBatchMeta* last = entry->last();
    const int32_t last_seq_seen = last ? last->last_seq : -1;
    if (!in_sequence(last_seq_seen, first_seq)) {
      result.error = ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER;
      result.message = fmt::format("producer {} sequence {} does not follow {}", b.producer_id,
                                   first_seq, last_seq_seen);
      return result;
    }
  }
  if (!check_txn_state(*entry, b, result)) return result;
  ProducerBatchMeta meta{first_seq, last_seq, -1, -1, b.max_timestamp};
  entry->add(b.producer_epoch, meta);
  staged_.push_back(
      {b.producer_id, b.producer_epoch, meta, StagedKind::kData, b.is_transactional(), {}});
  return result;
}

bool ProducerStateManager::check_txn_state(ProducerEntry& entry, const BatchHeader& b,
                                           ProducerCheck& result) {
  const bool ongoing = entry.current_txn_first_offset != -1;
  if (ongoing && !b.is_transactional()) {
    result.error = ErrorCode::INVALID_TXN_STATE;
    result.message = entry.current_txn_first_offset >= 0
                         ? fmt::format(
                               "Expected transactional write from producer {}: its transaction "
                               "started at offset {} is still ongoing",
                               b.producer_id, entry.current_txn_first_offset)
                         : fmt::format(
                               "Expected transactional write from producer {}: an earlier batch of "
                               "this request started a transaction",
                               b.producer_id);
    return false;
  }
  if (!ongoing && b.is_transactional()) entry.current_txn_first_offset = kTxnBegunInThisAppend;
  return true;
}

ProducerCheck ProducerStateManager::check_epoch_and_stage(const BatchHeader& b) {
  ProducerCheck result;
  ProducerEntry* entry = staged_entry_for(b.producer_id);
  if (entry->epoch != -1 && b.producer_epoch < entry->epoch) {
    result.error = ErrorCode::INVALID_PRODUCER_EPOCH;
    result.message = fmt::format("producer {} epoch {} is older than the current epoch {}",
                                 b.producer_id, b.producer_epoch, entry->epoch);
    return result;
  }
  if (!check_txn_state(*entry, b, result)) return result;
  if (b.producer_epoch != entry->epoch) {
    entry->epoch = b.producer_epoch;
    entry->batch_count = 0;
  }
  staged_.push_back(
      {b.producer_id, b.producer_epoch, {}, StagedKind::kEpochOnly, b.is_transactional(), {}});
  return result;
}

ProducerCheck ProducerStateManager::check_marker_and_stage(const BatchHeader& b,
                                                           const TxnMarker& marker) {
  ProducerCheck result;
  ProducerEntry* entry = staged_entry_for(b.producer_id);
  if (entry->epoch != -1 && b.producer_epoch < entry->epoch) {
    result.error = ErrorCode::INVALID_PRODUCER_EPOCH;
    result.message =
        fmt::format("Epoch of producer {} is {}, which is smaller than the last seen epoch {}",
                    b.producer_id, b.producer_epoch, entry->epoch);
    return result;
  }
  if (entry->coordinator_epoch > marker.coordinator_epoch) {
    result.error = ErrorCode::TRANSACTION_COORDINATOR_FENCED;
    result.message =
        fmt::format("Invalid coordinator epoch for producerId {}: {} (zombie), {} (current)",
                    b.producer_id, marker.coordinator_epoch, entry->coordinator_epoch);
    return result;
  }
  // The marker ends the transaction; a bumped epoch restarts the sequences at 0.
  entry->current_txn_first_offset = -1;
  entry->coordinator_epoch = marker.coordinator_epoch;
  if (b.producer_epoch != entry->epoch) {
    entry->epoch = b.producer_epoch;
    entry->batch_count = 0;
  }
  staged_.push_back({b.producer_id, b.producer_epoch, {}, StagedKind::kMarker, true, marker});
  return result;
}

void ProducerStateManager::set_staged_offsets(size_t index, int64_t first_offset,
                                              int64_t last_offset, int64_t max_timestamp) {
  Staged& s = staged_[index];
  s.meta.first_offset = first_offset;
  s.meta.last_offset = last_offset;
  s.meta.timestamp = max_timestamp;
}

void ProducerStateManager::commit(std::vector<CompletedTxn>* completed) {
  // Re-apply the staged batches with their final offsets; the working copies only
  // served the checks.
  for (const Staged& s : staged_) {
    std::optional<CompletedTxn> done = apply(s);
    if (done && completed) completed->push_back(*done);
  }
  abort();
}

void ProducerStateManager::begin_txn(ProducerEntry& e, int64_t first_offset) {
  e.current_txn_first_offset = first_offset;
  ongoing_.insert(first_offset);
}

std::optional<CompletedTxn> ProducerStateManager::apply(const Staged& s) {
  ProducerEntry& e = producers_[s.producer_id];
  e.producer_id = s.producer_id;
  switch (s.kind) {
    case StagedKind::kData:
      e.add(s.epoch, s.meta);
      break;
    case StagedKind::kEpochOnly:
      if (s.epoch > e.epoch) {
        e.epoch = s.epoch;
        e.batch_count = 0;
      }
      break;
    case StagedKind::kMarker: {
      std::optional<CompletedTxn> done;
      if (e.current_txn_first_offset >= 0) {
        if (const auto it = ongoing_.find(e.current_txn_first_offset); it != ongoing_.end())
          ongoing_.erase(it);
        const int64_t marker_offset = s.meta.first_offset;
        done = CompletedTxn{s.producer_id, e.current_txn_first_offset, marker_offset,
                            s.marker.type == MarkerType::kAbort,
                            ongoing_.empty() ? marker_offset + 1 : *ongoing_.begin()};
      }
      e.current_txn_first_offset = -1;
      e.coordinator_epoch = s.marker.coordinator_epoch;
      e.last_timestamp = s.meta.timestamp;
      if (s.epoch > e.epoch) {
        e.epoch = s.epoch;
        e.batch_count = 0;
      }
      return done;
    }
  }
  if (s.transactional && e.current_txn_first_offset < 0) begin_txn(e, s.meta.first_offset);
  return std::nullopt;
}

void ProducerStateManager::abort() {
  staged_.clear();
  staged_entries_.clear();
}

std::vector<ProducerEntry> ProducerStateManager::entries() const {
  std::vector<ProducerEntry> all;
  all.reserve(producers_.size());
  for (const auto& [_, e] : producers_) all.push_back(e);
  std::sort(all.begin(), all.end(), [](const ProducerEntry& a, const ProducerEntry& b) {
    return a.producer_id < b.producer_id;
  });
  return all;
}

std::optional<CompletedTxn> ProducerStateManager::replay(const BatchHeader& b,
                                                         const TxnMarker* marker) {
  if (!b.has_producer_id()) return std::nullopt;
  Staged s{b.producer_id,
           b.producer_epoch,
           {b.base_sequence, b.last_sequence(), b.base_offset, b.last_offset(), b.max_timestamp},
           StagedKind::kData,
           b.is_transactional(),
           {}};
  if (b.is_control()) {
    // A control batch that is no marker only carries the epoch.
    s.kind = marker ? StagedKind::kMarker : StagedKind::kEpochOnly;
    s.transactional = false;
    if (marker) s.marker = *marker;
  } else if (b.base_sequence < 0) {
    s.kind = StagedKind::kEpochOnly;
  }
  return apply(s);
}

const ProducerEntry* ProducerStateManager::find(int64_t producer_id) const {
  const auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

// Layout (host byte order, our own file): magic u32, version u32, crc u32 over the
// rest, offset i64, count u32, then per producer: id i64, epoch i16, n u8, n batches,
// from version 2 the ongoing transaction's first offset i64 (-1: none) and the
// coordinator epoch i32, from version 3 the last timestamp i64.
bool ProducerStateManager::write_snapshot(const std::string& path, int64_t offset) const {
  std::vector<uint8_t> body;
  put(body, offset);
  put(body, static_cast<uint32_t>(producers_.size()));
  for (const auto& [id, e] : producers_) {
    put(body, id);
    put(body, e.epoch);
    put(body, e.batch_count);
    for (uint8_t i = 0; i < e.batch_count; ++i) {
      const ProducerBatchMeta& m = e.batches[i];
      put(body, m.first_seq);
      put(body, m.last_seq);
      put(body, m.first_offset);
      put(body, m.last_offset);
      put(body, m.timestamp);
    }
    put(body, e.current_txn_first_offset);
    put(body, e.coordinator_epoch);
    put(body, e.last_timestamp);
  }
  std::vector<uint8_t> file;
  put(file, kSnapshotMagic);
  put(file, kSnapshotVersion);
  put(file, crc32c(body));
  file.insert(file.end(), body.begin(), body.end());

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok = ::write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size());
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

bool ProducerStateManager::load_snapshot(const std::string& path, int64_t& offset) {
  clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::vector<uint8_t> data;
  uint8_t buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) data.insert(data.end(), buf, buf + n);
  ::close(fd);
  size_t pos = 0;
  uint32_t magic, version, crc;
  if (!get(data, pos, magic) || !get(data, pos, version) || !get(data, pos, crc) ||
      magic != kSnapshotMagic || version < kSnapshotVersionV1 || version > kSnapshotVersion ||
      crc32c(0, data.data() + pos, data.size() - pos) != crc)
    return false;
  uint32_t count;
  if (!get(data, pos, offset) || !get(data, pos, count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    ProducerEntry e;
    if (!get(data, pos, e.producer_id) || !get(data, pos, e.epoch) ||
        !get(data, pos, e.batch_count) || e.batch_count > ProducerEntry::kMaxBatches) {
      producers_.clear();
      return false;
    }
    for (uint8_t b = 0; b < e.batch_count; ++b) {
      ProducerBatchMeta& m = e.batches[b];
      if (!get(data, pos, m.first_seq) || !get(data, pos, m.last_seq) ||
          !get(data, pos, m.first_offset) || !get(data, pos, m.last_offset) ||
          !get(data, pos, m.timestamp)) {
        producers_.clear();
        return false;
      }
    }
    if (version >= 2 && (!get(data, pos, e.current_txn_first_offset) ||
                         !get(data, pos, e.coordinator_epoch) || e.current_txn_first_offset < -1)) {
      producers_.clear();
      return false;
    }
    if (version >= 3) {
      if (!get(data, pos, e.last_timestamp)) {
        producers_.clear();
        return false;
      }
    } else if (const ProducerBatchMeta* last = e.last()) {
      e.last_timestamp = last->timestamp;  // older snapshots kept the batches' only
    }
    producers_[e.producer_id] = e;
  }
  for (const auto& [_, e] : producers_) {
    if (e.current_txn_first_offset >= 0) ongoing_.insert(e.current_txn_first_offset);
  }
  return true;
}

}  // namespace samsa::storage
