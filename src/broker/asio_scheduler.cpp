#include "asio_scheduler.h"

#include <boost/asio/post.hpp>
#include <chrono>

namespace samsa::broker {

int64_t AsioScheduler::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Scheduler::TaskId AsioScheduler::schedule_after(int64_t delay_ms, std::function<void()> task) {
  const TaskId id = next_id_++;
  auto timer = std::make_shared<boost::asio::steady_timer>(
      io_, std::chrono::milliseconds(delay_ms < 0 ? 0 : delay_ms));
  timers_.emplace(id, timer);
  timer->async_wait([this, id, timer, task = std::move(task)](boost::system::error_code ec) {
    // A timer cancelled after it expired still runs its handler with success; the
    // erase tells the two apart.
    if (ec || timers_.erase(id) == 0) return;
    task();
  });
  return id;
}

bool AsioScheduler::cancel(TaskId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  it->second->cancel();
  timers_.erase(it);
  return true;
}

void AsioScheduler::post(std::function<void()> task) {
  boost::asio::post(io_, std::move(task));
}

void AsioScheduler::cancel_all() {
  for (auto& [id, timer] : timers_) timer->cancel();
  timers_.clear();
}

}  // namespace samsa::broker
