#include "samsa/serve/await_file.h"

#include <signal.h>
#include <sys/stat.h>

#include <csignal>
#include <optional>
#include <thread>

namespace samsa::serve {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal_number) {
  g_stop_signal = signal_number;
}

// Catches SIGINT and SIGTERM for its lifetime, then puts the previous handlers back (the
// broker's own signal_set installs its handlers later).
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous_int_);
    ::sigaction(SIGTERM, &action, &previous_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  bool received() const { return g_stop_signal != 0; }

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// What tells a file still being written from a finished one.
struct Snapshot {
  off_t size = 0;
  long mtime_sec = 0;
  long mtime_nsec = 0;
  bool operator==(const Snapshot&) const = default;
};

std::optional<Snapshot> snapshot(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return Snapshot{st.st_size, static_cast<long>(st.st_mtim.tv_sec),
                  static_cast<long>(st.st_mtim.tv_nsec)};
}

}  // namespace

AwaitResult await_file(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll) {
  using Clock = std::chrono::steady_clock;
  const StopSignals signals;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const auto waited = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  };
  std::optional<Snapshot> previous;
  for (;;) {
    if (signals.received()) return {AwaitOutcome::kInterrupted, waited()};
    const auto now = snapshot(path);
    if (now && previous && *now == *previous) return {AwaitOutcome::kArrived, waited()};
    // A file seen for the first time gets its second look even past the deadline: one
    // that is there from the start (a restarted container keeps it) never times out.
    const bool first_sight = now && !previous;
    previous = now;
    if (Clock::now() >= deadline && !first_sight) return {AwaitOutcome::kTimedOut, waited()};
    std::this_thread::sleep_for(poll);  // a stop signal is seen within one poll
  }
}

}  // namespace samsa::serve
