#include "samsa/storage/cleaner/txn_tracker.h"

#include <algorithm>

namespace samsa::storage::cleaner {

TxnTracker::TxnTracker(std::vector<AbortedTxnEntry> aborted) {
  std::sort(aborted.begin(), aborted.end(), [](const AbortedTxnEntry& a, const AbortedTxnEntry& b) {
    return a.first_offset < b.first_offset;
  });
  pending_.assign(aborted.begin(), aborted.end());
}

void TxnTracker::start_up_to(int64_t offset) {
  while (!pending_.empty() && pending_.front().first_offset <= offset) {
    aborted_[pending_.front().producer_id] = Ongoing{pending_.front(), false};
    pending_.pop_front();
  }
}

bool TxnTracker::on_data_batch(const BatchHeader& h) {
  start_up_to(h.last_offset());
  if (!h.is_transactional()) return false;
  const auto it = aborted_.find(h.producer_id);
  if (it != aborted_.end()) {
    it->second.data_seen = true;
    return true;
  }
  committed_.insert(h.producer_id);
  return false;
}

bool TxnTracker::on_control_batch(const BatchHeader& h, std::span<const uint8_t> batch) {
  start_up_to(h.last_offset());
  if (h.record_count == 0) return true;  // a marker an earlier clean emptied
  TxnMarker marker;
  if (!parse_txn_marker(batch, marker)) {
    keep_entries_of(h);
    return false;
  }
  if (marker.type == MarkerType::kCommit) return committed_.erase(h.producer_id) == 0;
  const auto it = aborted_.find(h.producer_id);
  if (it == aborted_.end()) {
    // No entry in the index: the marker ended no transaction here, unless data of the
    // producer was seen (an index that lost the entry), which keeps the marker.
    return committed_.erase(h.producer_id) == 0;
  }
  const bool data_seen = it->second.data_seen;
  if (data_seen) kept_.push_back(it->second.entry);
  aborted_.erase(it);
  return !data_seen;
}

void TxnTracker::keep_entries_of(const BatchHeader& h) {
  start_up_to(h.last_offset());
  for (auto it = aborted_.begin(); it != aborted_.end();) {
    const int64_t marker = it->second.entry.last_offset;
    if (marker >= h.base_offset && marker <= h.last_offset()) {
      kept_.push_back(it->second.entry);
      it = aborted_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<AbortedTxnEntry> TxnTracker::take_kept_entries() {
  std::vector<AbortedTxnEntry> out;
  out.swap(kept_);
  std::sort(out.begin(), out.end(), [](const AbortedTxnEntry& a, const AbortedTxnEntry& b) {
    return a.last_offset < b.last_offset;
  });
  return out;
}

}  // namespace samsa::storage::cleaner
