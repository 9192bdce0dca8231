// run_sliced (api.h): long answers in slices of the loop, within the console's share.
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "api.h"
#include "samsa/util/log.h"

namespace samsa::http {

namespace {

using Clock = std::chrono::steady_clock;

// Work per turn of the loop: long enough that the per-slice overhead is small, short
// enough that a Kafka request arriving meanwhile barely notices.
constexpr auto kSlice = std::chrono::microseconds(1000);

struct SlicedJob {
  std::function<bool()> step;
  std::function<void()> done;
  Reply on_failure;
};

void run_slice(ApiContext& api, std::shared_ptr<SlicedJob> job) {
  if (api.loop_share) {
    if (const auto wait = api.loop_share->wait_needed(Clock::now()); wait.count() > 0) {
      const int64_t ms = (wait.count() + 999) / 1000;
      api.services.scheduler.schedule_after(ms, [&api, job] { run_slice(api, job); });
      return;
    }
  }
  const auto start = Clock::now();
  bool finished = false;
  try {
    do {
      finished = job->step();
    } while (!finished && Clock::now() - start < kSlice);
    if (finished) job->done();
  } catch (const std::exception& e) {
    spdlog::error("console: an answer failed mid-way: {}", e.what());
    finished = true;
    job->on_failure(internal_error(e.what()));
  }
  const auto end = Clock::now();
  if (api.loop_share)
    api.loop_share->charge(std::chrono::duration_cast<std::chrono::microseconds>(end - start), end);
  if (!finished) api.services.scheduler.post([&api, job] { run_slice(api, job); });
}

}  // namespace

void run_sliced(ApiContext& api, std::function<bool()> step, std::function<void()> done,
                Reply on_failure) {
  auto job = std::make_shared<SlicedJob>(
      SlicedJob{std::move(step), std::move(done), std::move(on_failure)});
  // Not now: the request that asked is being charged to the share as it is handled.
  api.services.scheduler.post([&api, job] { run_slice(api, job); });
}

}  // namespace samsa::http
