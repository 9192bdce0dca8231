// Transaction markers and the aborted-transaction index (KIP-98), as Kafka lays them
// out: a marker is a control batch holding one record (key: version int16 0, type
// int16; value: version int16 0, coordinator epoch int32); `<base>.txnindex` lists the
// transactions aborted by markers in that segment, 34 big-endian bytes each (version
// int16 0, producer id, first offset, last offset, last stable offset, all int64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace samsa::storage {

// The control record key's type: what a transaction marker says.
enum class MarkerType : int16_t { kAbort = 0, kCommit = 1 };

struct TxnMarker {
  MarkerType type = MarkerType::kAbort;
  int32_t coordinator_epoch = -1;
};

// Reads the end-transaction marker of a whole control batch. False when the batch is
// compressed, holds no record, or its record is not an abort or commit marker.
bool parse_txn_marker(std::span<const uint8_t> batch, TxnMarker& out);

// A control batch carrying `marker` (offset 0, for PartitionLog::append to place).
std::vector<uint8_t> build_txn_marker_batch(int64_t producer_id, int16_t producer_epoch,
                                            const TxnMarker& marker, int64_t timestamp);

// One .txnindex entry. `last_offset` is the abort marker's offset; `last_stable_offset`
// the partition's LSO once the transaction ended: every later entry's first offset is
// at or above it, which lets a lookup stop early (Kafka's TxnIndexSearchResult).
struct AbortedTxnEntry {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t last_stable_offset = -1;

  bool operator==(const AbortedTxnEntry&) const = default;
};

inline constexpr size_t kTxnIndexEntrySize = 34;
inline constexpr int16_t kTxnIndexVersion = 0;

void encode_txn_index_entry(const AbortedTxnEntry& entry, uint8_t* out);
// False when the entry's version is unknown or its offsets are inconsistent.
bool decode_txn_index_entry(const uint8_t* in, AbortedTxnEntry& out);

}  // namespace samsa::storage
