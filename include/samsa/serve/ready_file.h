// What a harness learns once the broker answers: one JSON object, written atomically to
// the --ready-file (a temporary file renamed over it, so a reader never sees half of
// it; removed at exit) and printed as one line on stdout with --print-ready (the log
// then goes to stderr). Its first member is "samsa": "ready":
//   {"samsa":"ready","version":"0.1.0","pid":4242,"bootstrap_servers":"127.0.0.1:40321",
//    "listeners":{"PLAINTEXT":"127.0.0.1:40321"},"http":"127.0.0.1:40322",
//    "data_dir":"/tmp/samsa-ephemeral-a1b2c3","ephemeral":true}
// bootstrap_servers is the first listener's advertised address; "http" is null when the
// console is off.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace samsa::serve {

struct ReadyInfo {
  std::string version;
  long pid = 0;
  std::vector<std::pair<std::string, std::string>> listeners;  // name, advertised host:port
  std::string http;                                            // host:port; empty: off
  std::string data_dir;
  bool ephemeral = false;
};

std::string ready_json(const ReadyInfo& info);  // one line, no newline
// Writes `json` and a newline to `path` atomically. Throws std::system_error.
void write_ready_file(const std::string& path, const std::string& json);

}  // namespace samsa::serve
