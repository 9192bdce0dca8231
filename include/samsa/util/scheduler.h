// Time and deferred work, behind an interface so that coordinators and handlers
// with timeouts (rebalances, sessions, long polls) run on a fake clock in tests.
// The broker's implementation runs everything on its event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace samsa {

class Scheduler {
 public:
  using TaskId = uint64_t;
  virtual ~Scheduler() = default;
  // Wall clock, milliseconds since the epoch.
  virtual int64_t now_ms() const = 0;
  // Runs `task` on the loop after `delay_ms` (0: as soon as possible).
  virtual TaskId schedule_after(int64_t delay_ms, std::function<void()> task) = 0;
  // True if the task was pending and will not run.
  virtual bool cancel(TaskId id) = 0;
  // Runs `task` on the loop soon, after what is running now.
  virtual void post(std::function<void()> task) { schedule_after(0, std::move(task)); }
};

// A deterministic scheduler for tests: time moves only through advance().
class ManualScheduler final : public Scheduler {
 public:
  explicit ManualScheduler(int64_t start_ms = 1'000'000) : now_(start_ms) {}

  int64_t now_ms() const override { return now_; }
  TaskId schedule_after(int64_t delay_ms, std::function<void()> task) override {
    const TaskId id = next_id_++;
    tasks_.emplace(std::pair{now_ + (delay_ms < 0 ? 0 : delay_ms), id}, std::move(task));
    return id;
  }
  bool cancel(TaskId id) override {
    for (auto it = tasks_.begin(); it != tasks_.end(); ++it)
      if (it->first.second == id) {
        tasks_.erase(it);
        return true;
      }
    return false;
  }
  // Moves the clock forward, running every task that falls due, in due-time order
  // (tasks scheduled by tasks run too if they fall due within the window).
  void advance(int64_t ms) {
    const int64_t until = now_ + ms;
    while (!tasks_.empty() && tasks_.begin()->first.first <= until) {
      auto it = tasks_.begin();
      now_ = std::max(now_, it->first.first);
      auto task = std::move(it->second);
      tasks_.erase(it);
      task();
    }
    now_ = until;
  }
  // Runs tasks already due without moving the clock.
  void run_ready() { advance(0); }
  size_t pending() const { return tasks_.size(); }

 private:
  int64_t now_;
  TaskId next_id_ = 1;
  std::map<std::pair<int64_t, TaskId>, std::function<void()>> tasks_;
};

}  // namespace samsa
