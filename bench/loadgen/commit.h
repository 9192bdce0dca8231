// The OffsetCommit load: N connections with K OffsetCommit requests in flight each,
// committing increasing offsets the way an admin tool does (member id "", generation
// -1, no group instance id), so no group membership is needed. Every partition's error
// code is checked, every request is timed, and at the end an OffsetFetch checks that
// what the broker kept is what was committed last.
#pragma once

#include <cstdint>
#include <string>

#include "admin.h"
#include "totals.h"

namespace samsa::bench {

struct CommitOptions {
  std::string host;
  uint16_t port = 0;
  std::string group = "samsa-loadgen";  // the group, or the prefix of one group per connection
  bool shared_group = false;            // every connection commits to `group` itself
  int connections = 1;
  int in_flight = 8;
  double duration_s = 10;
  double warmup_s = 1;  // answers received earlier are not counted
  int16_t version = 8;
  int16_t fetch_version = 8;  // OffsetFetch, for the final check; < 8 skips the check
};

struct CommitResult : AnswerTotals {
  int64_t commits = 0;  // partition offsets committed without error within the window
  double seconds = 0;   // the measured window
  // The final OffsetFetch: "ok", "skipped", or what did not match.
  std::string verified;
};

// Commits every partition of `topic` in each request.
CommitResult run_commit(const CommitOptions& options, const TopicInfo& topic);

}  // namespace samsa::bench
