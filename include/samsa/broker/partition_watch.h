// Wakes requests that wait for data: a Fetch long poll registers interest in some
// partitions and is called back after any of them is appended to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace samsa::broker {

class PartitionWatch {
 public:
  using Callback = std::function<void()>;
  // A registration; destroying or cancel()ing it unregisters.
  class Subscription {
   public:
    Subscription() = default;
    explicit Subscription(std::shared_ptr<Callback> cb) : callback_(std::move(cb)) {}
    void cancel() {
      if (callback_) *callback_ = nullptr;
      callback_.reset();
    }
    ~Subscription() { cancel(); }
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&& o) noexcept {
      cancel();
      callback_ = std::move(o.callback_);
      return *this;
    }

   private:
    std::shared_ptr<Callback> callback_;
  };

  // `callback` runs (at most once per registration) after the next append to any
  // of the partitions.
  Subscription watch(const std::vector<std::pair<std::string, int32_t>>& partitions,
                     Callback callback);
  // Called by Produce after an append.
  void notify(const std::string& topic, int32_t partition);

 private:
  struct Key {
    std::string topic;
    int32_t partition;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<std::string>()(k.topic) * 31 + std::hash<int32_t>()(k.partition);
    }
  };
  std::unordered_map<Key, std::vector<std::weak_ptr<Callback>>, KeyHash> watchers_;
};

}  // namespace samsa::broker
