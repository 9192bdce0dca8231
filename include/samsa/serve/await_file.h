// Waits for a file that someone else writes after the process started: `samsa serve
// --await-config PATH`. A container started by Testcontainers learns its host-mapped port
// only once it runs, and the broker must advertise that port; samsa's image has no shell
// to wait in a start script, so the broker waits itself and then reads the file as a
// configuration layer (config::LoadOptions::late_file).
//
// Polling, not inotify: the file is usually copied in from outside the container (the
// Docker API's archive upload), through an overlay mount whose events are not promised to
// reach a watch inside; 20 ms polls of one stat() cost nothing and add at most 20 ms.
#pragma once

#include <chrono>
#include <filesystem>

namespace samsa::serve {

enum class AwaitOutcome {
  kArrived,      // the file exists and has stopped changing
  kTimedOut,     // not there (or still changing) when the time was up
  kInterrupted,  // SIGINT or SIGTERM arrived meanwhile
};

struct AwaitResult {
  AwaitOutcome outcome = AwaitOutcome::kTimedOut;
  std::chrono::milliseconds waited{0};
};

// Waits until `path` exists and shows the same size and modification time in two polls
// in a row, at most `timeout`. Two alike, because a file unpacked from a tar archive is
// created empty and written afterwards: the broker must not read half of it.
// SIGINT and SIGTERM are caught meanwhile and end the wait: as PID 1 of a container the
// process would otherwise not die of them, and `docker stop` would wait its 10 s grace.
// The previous handlers are restored before it returns.
AwaitResult await_file(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20));

}  // namespace samsa::serve
