// The start gate defers start-up's durable steps to the first change of the logs, so
// that the broker listens and answers without waiting for the disk.
//
// Two steps need it. Removing the clean-shutdown marker: the marker vouches that the
// logs need no recovery, so it must be gone from the disk before any log changes, or a
// crash could leave it vouching for a torn tail. And a first start's meta.properties:
// nothing is stored in a directory that does not yet say which cluster it belongs to.
// Each costs an fsync or two (0.5-1.5 ms here). Clients' first requests (ApiVersions,
// Metadata) do not need them; the first write runs them, once, before it proceeds. A
// broker killed before any write leaves the marker in place, and it is still true.
//
// Like the rest of the log manager, the gate belongs to the event loop thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::storage {

class StartGate {
 public:
  using Step = std::function<void()>;  // throws to report a failure
  using Failed = std::function<void(const std::string& why)>;

  // Steps to run, in order, at the first pass(). A step that throws closes the gate for
  // good and calls `on_failure` once. Without steps the gate is open.
  void arm(std::vector<Step> steps, Failed on_failure = {});

  // Runs the pending steps the first time; false when one failed (`failure()` says why),
  // and then the logs must not change.
  bool pass() { return state_ == State::kOpen || run_steps(); }
  bool is_open() const { return state_ == State::kOpen; }
  bool is_armed() const { return state_ == State::kArmed; }
  const std::string& failure() const { return why_; }
  // The error message for a change of `what` that a failed gate refuses.
  std::string refusal(std::string_view what) const;

 private:
  enum class State { kOpen, kArmed, kFailed };
  bool run_steps();

  State state_ = State::kOpen;
  std::vector<Step> steps_;
  Failed on_failure_;
  std::string why_;
};

}  // namespace samsa::storage
