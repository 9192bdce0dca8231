#include "samsa/storage/start_gate.h"

#include <exception>
#include <utility>

#include <fmt/format.h>

namespace samsa::storage {

void StartGate::arm(std::vector<Step> steps, Failed on_failure) {
  if (steps.empty()) return;
  steps_ = std::move(steps);
  on_failure_ = std::move(on_failure);
  state_ = State::kArmed;
}

std::string StartGate::refusal(std::string_view what) const {
  return fmt::format("{} is read-only: start-up failed: {}", what, why_);
}

bool StartGate::run_steps() {
  if (state_ == State::kFailed) return false;
  const std::vector<Step> steps = std::move(steps_);
  steps_.clear();
  for (const Step& step : steps) {
    try {
      step();
    } catch (const std::exception& e) {
      state_ = State::kFailed;
      why_ = e.what();
      if (on_failure_) std::exchange(on_failure_, nullptr)(why_);
      return false;
    }
  }
  state_ = State::kOpen;
  return true;
}

}  // namespace samsa::storage
