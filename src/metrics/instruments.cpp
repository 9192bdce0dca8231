#include "samsa/metrics/instruments.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace samsa::metrics {

namespace {

void check_bounds(std::span<const double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
  }
}

// The bucket of `value`: the first bound at or above it (le is inclusive), or +Inf.
size_t bucket_of(std::span<const double> bounds, double value) {
  return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                             bounds.begin());
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds) : bounds_(bounds) {
  check_bounds(bounds);
  counts_.assign(bounds.size() + 1, 0);
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  ++counts_[bucket_of(bounds_, value)];
  ++count_;
  sum_ += value;
}

void Histogram::write(TextWriter& writer, Labels labels) const {
  writer.histogram(labels, bounds_, counts_, sum_);
}

SharedHistogram::SharedHistogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  check_bounds(bounds);
  for (size_t i = 0; i <= bounds.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void SharedHistogram::observe(double value) {
  if (std::isnan(value)) return;
  counts_[bucket_of(bounds_, value)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

uint64_t SharedHistogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) total += counts_[i].load(std::memory_order_relaxed);
  return total;
}

void SharedHistogram::write(TextWriter& writer, Labels labels) const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  writer.histogram(labels, bounds_, counts, sum());
}

void Ewma::tick(uint64_t events, double interval_seconds) {
  if (interval_seconds <= 0) return;
  const double instant = static_cast<double>(events) / interval_seconds;
  if (!started_) {
    rate_ = instant;
    started_ = true;
    return;
  }
  const double alpha = 1 - std::exp(-interval_seconds / window_);
  rate_ += alpha * (instant - rate_);
}

}  // namespace samsa::metrics
