// The instruments: counters, gauges, histograms with fixed bucket bounds, and Kafka's
// one-minute exponentially weighted rate. Plain values owned and fed on the broker's
// loop, except SharedHistogram, which any thread may feed (the flusher threads).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "samsa/metrics/text_format.h"

namespace samsa::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_ += n; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

class Gauge {
 public:
  void set(double value) { value_ = value; }
  void add(double delta) { value_ += delta; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

// Observations counted into buckets with fixed upper bounds (ascending, finite; +Inf
// is implied). `bounds` is viewed, not copied: a static array.
class Histogram {
 public:
  // Throws std::invalid_argument unless `bounds` ascend strictly and are finite.
  explicit Histogram(std::span<const double> bounds);

  // NaN is ignored.
  void observe(double value);

  std::span<const double> bounds() const { return bounds_; }
  // Per bucket (not cumulative), the +Inf bucket last.
  std::span<const uint64_t> counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // Its _bucket, _sum and _count lines in the open (histogram) family.
  void write(TextWriter& writer, Labels labels) const;

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// A histogram observed from any thread and written on the loop. Relaxed atomics: a
// scrape may see an observation in its bucket before its sum; the count it writes is
// the total of the buckets it read, so buckets and count always agree.
class SharedHistogram {
 public:
  explicit SharedHistogram(std::span<const double> bounds);

  void observe(double value);

  std::span<const double> bounds() const { return bounds_; }
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  void write(TextWriter& writer, Labels labels) const;

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// An exponentially weighted moving rate, as Kafka's meters report their OneMinuteRate
// (Dropwizard's EWMA): ticked every few seconds with the events counted since the last
// tick, each tick moving the rate towards the tick's own rate by 1 - e^(-interval/window).
// The first tick takes the tick's rate as it is.
class Ewma {
 public:
  Ewma() = default;  // one minute
  explicit Ewma(double window_seconds) : window_(window_seconds) {}
  void tick(uint64_t events, double interval_seconds);
  double rate() const { return rate_; }  // events per second

 private:
  double window_ = 60;
  double rate_ = 0;
  bool started_ = false;
};

}  // namespace samsa::metrics
