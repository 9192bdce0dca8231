// Per-request latency samples. Every sample is kept (a run produces at most a few
// million), so percentiles are exact rather than bucketed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace samsa::bench {

class LatencySamples {
 public:
  void reserve(size_t n) { ns_.reserve(n); }
  void add(int64_t nanoseconds) { ns_.push_back(nanoseconds); }
  void merge(const LatencySamples& other) {
    ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
  }
  size_t count() const { return ns_.size(); }

  // Sorts; call once after the last add/merge, before percentile().
  void finish() { std::sort(ns_.begin(), ns_.end()); }

  // The q-quantile (0 < q <= 1) in microseconds, nearest-rank; 0 when empty.
  double percentile_us(double q) const {
    if (ns_.empty()) return 0;
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns_.size())));
    rank = std::clamp<size_t>(rank, 1, ns_.size());
    return static_cast<double>(ns_[rank - 1]) / 1000.0;
  }

 private:
  std::vector<int64_t> ns_;
};

}  // namespace samsa::bench
