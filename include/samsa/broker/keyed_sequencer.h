// Runs tasks one at a time per key, in the order they were given. A task receives a
// `done` to call once it has finished (at once, or later from a callback); the next
// task of that key starts then. A key with nothing running costs nothing.
//
// Transactional produces of one producer use it (key: the transactional id): a Produce
// v12 that first adds its partition to the transaction finishes later than it started,
// and the requests the producer pipelined behind it must not be appended before it,
// or their sequence numbers would arrive out of order.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

namespace samsa::broker {

class KeyedSequencer {
 public:
  using Done = std::function<void()>;
  using Task = std::function<void(Done)>;

  void run(const std::string& key, Task task) {
    auto [it, idle] = waiting_.try_emplace(key);
    if (!idle) {
      it->second.push_back(std::move(task));
      return;
    }
    start(key, std::move(task));
  }

  size_t busy_keys() const { return waiting_.size(); }

 private:
  void start(const std::string& key, Task task) {
    task([this, key] { finish(key); });
  }
  void finish(const std::string& key) {
    const auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    if (it->second.empty()) {
      waiting_.erase(it);
      return;
    }
    Task next = std::move(it->second.front());
    it->second.pop_front();
    start(key, std::move(next));
  }

  // An entry exists while a task of the key runs; it holds the tasks queued behind it.
  std::unordered_map<std::string, std::deque<Task>> waiting_;
};

}  // namespace samsa::broker
