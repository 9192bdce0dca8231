#include "samsa/serve/parent_watch.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace samsa::serve {
namespace asio = boost::asio;

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

int open_pidfd(long pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

bool process_exists(long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace

// Shared with the pending handlers, so that a handler running after stop() (already
// queued) finds `stopped` rather than a destroyed watch.
struct ParentWatch::State {
  explicit State(asio::io_context& io_context, OnGone callback)
      : io(io_context), on_gone(std::move(callback)), timer(io_context) {}

  void gone(const std::string& reason) {
    if (stopped) return;
    stopped = true;
    on_gone(reason);
  }

  void poll(long pid) {
    timer.expires_after(kPollInterval);
    timer.async_wait([self = this, pid, keep = weak](const boost::system::error_code& ec) {
      const auto alive = keep.lock();
      if (ec || !alive || self->stopped) return;
      if (!process_exists(pid)) {
        self->gone(fmt::format("process {} exited", pid));
      } else {
        self->poll(pid);
      }
    });
  }

  void read_stdin() {
    stdin_stream->async_read_some(
        asio::buffer(discard), [this, keep = weak](const boost::system::error_code& ec, size_t) {
          const auto alive = keep.lock();
          if (!alive || stopped) return;
          if (ec == asio::error::operation_aborted) return;
          if (ec) {
            gone(ec == asio::error::eof ? "stdin closed" : "stdin: " + ec.message());
          } else {
            read_stdin();  // what the harness writes is ignored
          }
        });
  }

  asio::io_context& io;
  OnGone on_gone;
  bool stopped = false;
  asio::steady_timer timer;
  std::optional<asio::posix::stream_descriptor> pidfd;
  std::optional<asio::posix::stream_descriptor> stdin_stream;
  std::array<char, 512> discard{};
  std::weak_ptr<State> weak;
};

ParentWatch::ParentWatch(asio::io_context& io, OnGone on_gone)
    : state_(std::make_shared<State>(io, std::move(on_gone))) {
  state_->weak = state_;
}

ParentWatch::~ParentWatch() {
  stop();
}

bool ParentWatch::watch_process(long pid) {
  if (pid <= 0 || !process_exists(pid)) return false;
  const int fd = open_pidfd(pid);
  if (fd < 0) {
    if (errno == ESRCH) return false;
    spdlog::info("watching process {} by polling (no pidfd: {})", pid, std::strerror(errno));
    state_->poll(pid);
    return true;
  }
  state_->pidfd.emplace(state_->io, fd);
  state_->pidfd->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [self = state_.get(), pid, keep = state_->weak](const boost::system::error_code& ec) {
        const auto alive = keep.lock();
        if (!alive || ec == asio::error::operation_aborted) return;
        self->gone(fmt::format("process {} exited", pid));
      });
  return true;
}

bool ParentWatch::watch_stdin() {
  const int fd = ::dup(STDIN_FILENO);
  if (fd < 0) return false;
  try {
    state_->stdin_stream.emplace(state_->io, fd);
  } catch (const boost::system::system_error& e) {
    spdlog::warn("cannot watch stdin: {}", e.what());
    state_->stdin_stream.reset();
    ::close(fd);
    return false;
  }
  state_->read_stdin();
  return true;
}

void ParentWatch::stop() {
  if (!state_) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->timer.cancel();
  if (state_->pidfd) state_->pidfd->close(ignored);
  if (state_->stdin_stream) state_->stdin_stream->close(ignored);
}

}  // namespace samsa::serve
