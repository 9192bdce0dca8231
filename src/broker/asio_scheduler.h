// Scheduler on the broker's event loop (Asio timers).
#pragma once

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>

#include "samsa/util/scheduler.h"

namespace samsa::broker {

class AsioScheduler final : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
  ~AsioScheduler() override { cancel_all(); }

  int64_t now_ms() const override;
  TaskId schedule_after(int64_t delay_ms, std::function<void()> task) override;
  bool cancel(TaskId id) override;
  void post(std::function<void()> task) override;
  void cancel_all();

 private:
  boost::asio::io_context& io_;
  TaskId next_id_ = 1;
  std::unordered_map<TaskId, std::shared_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace samsa::broker
