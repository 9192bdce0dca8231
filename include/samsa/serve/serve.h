// One `samsa serve` process. This module owns what runs around the broker: the
// configuration layers, the broker and its HTTP console on one event loop, the signals
// that stop them, and what a process started by a test harness needs:
//   - an ephemeral data directory, removed at exit (ephemeral_dir.h);
//   - a ready file, and a ready line on stdout, announcing what was bound once the
//     broker answers (ready_file.h);
//   - a watch on the parent process, or on stdin, that stops the broker when the harness
//     goes away, even by SIGKILL (parent_watch.h);
//   - a wait for a configuration file written after the start, e.g. by Testcontainers
//     once it knows the container's host-mapped port (await_file.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "samsa/config/sources.h"

namespace samsa::serve {

struct ServeOptions {
  std::optional<std::string> config_file;
  std::vector<std::string> overrides;  // key=value
  // A fresh temporary data directory, removed at exit, and ephemeral_defaults().
  bool ephemeral = false;
  std::optional<std::string> ready_file;  // written atomically once the broker answers
  bool print_ready = false;               // the same JSON as one line on stdout
  std::optional<long> parent_pid;         // stop when this process exits
  bool watch_stdin = false;               // stop when stdin reaches its end
  // Wait for this server.properties layer before loading the configuration; it wins over
  // the file and the environment, not over the overrides. Exit 1 when it has not come
  // within the timeout.
  std::optional<std::string> await_config;
  long await_config_timeout_ms = 60000;
};

// The settings under the file, environment and overrides of an ephemeral broker: every
// listener on a free loopback port, no initial rebalance delay, small segments, acks=all
// answered without waiting for fsync.
config::KeyValues ephemeral_defaults();

// Runs the broker until a signal, the parent's exit or stdin's end; returns the exit
// code (0, 1 on a failure to start or run or an awaited file that never came, 2 on a bad
// configuration).
int serve(const ServeOptions& options);

}  // namespace samsa::serve
