// What one clean has seen of transactions, batch by batch in offset order (Kafka's
// CleanedTransactionMetadata): which data batches belong to an aborted transaction and
// go, and which transaction markers may go.
//
// Markers outlive their data: a marker only becomes removable in a clean that saw no
// batch of its transaction before it (the data is gone, by compaction or as aborted
// data in an earlier clean), and is then kept until its batch's delete horizon passes,
// as tombstones are (KIP-534), so that a consumer that read the data before the clean
// still meets the marker. An abort marker whose data this clean saw (and removed) keeps
// its .txnindex entry; a removable one loses it, since nothing is left for a
// read_committed fetch to skip.
//
// One tracker walks the whole cleaned range (every group of one clean, in order): its
// decisions for a marker depend on the batches before it, wherever they lie.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "samsa/storage/record_batch.h"
#include "samsa/storage/txn_index.h"

namespace samsa::storage::cleaner {

class TxnTracker {
 public:
  TxnTracker() = default;
  // Every aborted transaction of the log (the transaction indexes), in any order.
  explicit TxnTracker(std::vector<AbortedTxnEntry> aborted);

  // A data batch, in offset order: true when it belongs to an aborted transaction.
  bool on_data_batch(const BatchHeader& h);
  // A whole control batch, in offset order: true when its transaction has no data left
  // before it, so that the marker may go once its delete horizon has passed. An emptied
  // control batch may always go; one holding no readable marker stays.
  bool on_control_batch(const BatchHeader& h, std::span<const uint8_t> batch);
  // The aborted transactions whose abort markers were kept with their entry since the
  // last call: the .txnindex of the segment being written. Also those of a control
  // batch the clean could not read and copies as it is (keep_entries_of).
  std::vector<AbortedTxnEntry> take_kept_entries();
  // A batch copied unread: any aborted transaction whose marker lies in it keeps its entry.
  void keep_entries_of(const BatchHeader& h);

 private:
  struct Ongoing {
    AbortedTxnEntry entry;
    bool data_seen = false;
  };
  void start_up_to(int64_t offset);

  std::deque<AbortedTxnEntry> pending_;           // not started yet, by first offset
  std::unordered_map<int64_t, Ongoing> aborted_;  // by producer id
  std::unordered_set<int64_t> committed_;  // producers with a batch of an open, not aborted txn
  std::vector<AbortedTxnEntry> kept_;
};

}  // namespace samsa::storage::cleaner
