// Stops a broker whose harness went away: calls `on_gone` once, on the io_context's
// thread, when the watched process exits (a pidfd, readable at its exit; where the
// kernel has none, kill(pid, 0) every 200 ms) or when stdin reaches its end (a harness
// that holds the write end of a pipe: the kernel closes it when the harness dies, however
// it dies). PR_SET_PDEATHSIG is not used: it fires when the *thread* that forked exits,
// which in a JVM is not the process exiting.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace samsa::serve {

class ParentWatch {
 public:
  using OnGone = std::function<void(const std::string& reason)>;
  ParentWatch(boost::asio::io_context& io, OnGone on_gone);
  ~ParentWatch();
  ParentWatch(const ParentWatch&) = delete;
  ParentWatch& operator=(const ParentWatch&) = delete;

  // False when there is no such process (nothing is watched then).
  bool watch_process(long pid);
  // Stdin at its end stops the broker: a harness that gives /dev/null or a file reaches
  // it at once. False when stdin is closed.
  bool watch_stdin();
  // Cancels the watches; on_gone is not called afterwards.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace samsa::serve
