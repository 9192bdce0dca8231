#include "samsa/serve/parent_watch.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace samsa::serve {
namespace {
using namespace std::chrono_literals;

// Runs `io` until the watch fires or 5 s pass; answers the reason, or nullopt.
std::optional<std::string> run_until_gone(boost::asio::io_context& io,
                                          std::optional<std::string>& reason) {
  boost::asio::steady_timer limit(io, 5s);
  limit.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  while (!reason && !io.stopped()) io.run_one();
  return reason;
}

TEST(ParentWatch, FiresWhenTheProcessExitsEvenIfItIsNotOurChild) {
  // A child that sleeps until killed: its exit is what the watch must see.
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  boost::asio::io_context io;
  std::optional<std::string> reason;
  ParentWatch watch(io, [&](const std::string& why) { reason = why; });
  ASSERT_TRUE(watch.watch_process(child));
  io.poll();
  EXPECT_FALSE(reason);  // alive
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  const auto got = run_until_gone(io, reason);
  ASSERT_TRUE(got);
  EXPECT_NE(got->find(std::to_string(child)), std::string::npos) << *got;
}

TEST(ParentWatch, NoSuchProcessIsRefused) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  boost::asio::io_context io;
  ParentWatch watch(io, [](const std::string&) {});
  EXPECT_FALSE(watch.watch_process(child));
  EXPECT_FALSE(watch.watch_process(-1));
}

TEST(ParentWatch, FiresWhenStdinReachesItsEndAndIgnoresWhatIsWritten) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  boost::asio::io_context io;
  std::optional<std::string> reason;
  ParentWatch watch(io, [&](const std::string& why) { reason = why; });
  const bool watching = watch.watch_stdin();
  ::dup2(saved, STDIN_FILENO);  // the watch holds its own duplicate
  ::close(saved);
  ASSERT_TRUE(watching);
  ASSERT_EQ(::write(fds[1], "keepalive\n", 10), 10);
  io.poll();
  io.restart();
  EXPECT_FALSE(reason);
  ::close(fds[1]);  // the harness is gone
  const auto got = run_until_gone(io, reason);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "stdin closed");
}

TEST(ParentWatch, StoppedWatchDoesNotFire) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  boost::asio::io_context io;
  bool fired = false;
  {
    ParentWatch watch(io, [&](const std::string&) { fired = true; });
    ASSERT_TRUE(watch.watch_process(child));
    watch.stop();
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    io.run_for(300ms);
  }
  io.restart();
  io.run_for(100ms);
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace samsa::serve
