// Helpers shared by the storage tests: temp dirs, a fake event loop, batch builders.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/flusher.h"

namespace samsa::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("samsa-storage-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Stands in for the event loop: posted tasks run when the test calls run_until().
class TestLoop {
 public:
  PostToLoop poster() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(fn));
      cv_.notify_all();
    };
  }
  // Runs posted tasks until `done()` holds; false on timeout (5 s).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [this] { return !queue_.empty(); })) return false;
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
    }
    return true;
  }
  void drain() {
    while (true) {
      std::unique_lock lock(mu_);
      if (queue_.empty()) return;
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

// A batch of `count` records with values "v<i>" and timestamps ts, ts+1, ...
inline std::vector<uint8_t> make_batch(int count, int64_t ts = 1000, BatchSpec spec = {},
                                       size_t value_size = 0) {
  std::vector<std::string> values;
  std::vector<RecordSpec> records;
  values.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string v = "v" + std::to_string(i);
    if (value_size > v.size()) v.resize(value_size, 'x');
    values.push_back(std::move(v));
  }
  for (int i = 0; i < count; ++i) {
    RecordSpec r;
    r.key = "k";
    r.value = values[static_cast<size_t>(i)];
    r.timestamp = ts + i;
    records.push_back(r);
  }
  return build_batch(spec, records);
}

inline BatchSpec idempotent(int64_t pid, int16_t epoch, int32_t seq) {
  BatchSpec s;
  s.producer_id = pid;
  s.producer_epoch = epoch;
  s.base_sequence = seq;
  return s;
}

}  // namespace samsa::storage::testing
