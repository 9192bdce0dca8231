#include "samsa/http/loop_share.h"

#include <gtest/gtest.h>

namespace samsa::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(LoopShareTest, WorkWithinTheBurstDoesNotWait) {
  LoopShare share(0.25, milliseconds(20));
  const auto t0 = LoopShare::Clock::now();
  EXPECT_EQ(share.wait_needed(t0), microseconds(0));
  share.charge(milliseconds(15), t0);
  EXPECT_EQ(share.wait_needed(t0), microseconds(0));
}

TEST(LoopShareTest, OverspendingWaitsUntilTheShareHasPaidItBack) {
  LoopShare share(0.25, milliseconds(20));
  const auto t0 = LoopShare::Clock::now();
  share.wait_needed(t0);
  share.charge(milliseconds(30), t0);  // 10 ms past the burst
  // At 25 %, 10 ms of console time is earned back in 40 ms of wall time.
  const auto wait = share.wait_needed(t0);
  EXPECT_GE(wait, milliseconds(39));
  EXPECT_LE(wait, milliseconds(41));
  EXPECT_GT(share.wait_needed(t0 + milliseconds(30)), microseconds(0));
  EXPECT_EQ(share.wait_needed(t0 + milliseconds(41)), microseconds(0));
}

TEST(LoopShareTest, SustainedUseIsHeldToTheShare) {
  LoopShare share(0.25, milliseconds(20));
  auto now = LoopShare::Clock::now();
  share.wait_needed(now);
  // A client that asks again the moment it is allowed, each request taking 2 ms: over
  // 10 s of wall time, the console gets at most 25 % of it (plus the first burst).
  const auto end = now + std::chrono::seconds(10);
  microseconds used{0};
  while (now < end) {
    now += share.wait_needed(now);
    share.charge(milliseconds(2), now + milliseconds(2));
    used += milliseconds(2);
    now += milliseconds(2);
  }
  EXPECT_LE(used, milliseconds(2500 + 20 + 2));
  EXPECT_GE(used, milliseconds(2400));
  EXPECT_EQ(share.charged(), used);
}

TEST(LoopShareTest, SavedTimeIsCappedAtTheBurst) {
  LoopShare share(0.5, milliseconds(10));
  const auto t0 = LoopShare::Clock::now();
  share.wait_needed(t0);
  // An hour idle saves no more than the burst.
  const auto later = t0 + std::chrono::hours(1);
  share.charge(milliseconds(11), later);
  EXPECT_GT(share.wait_needed(later), microseconds(0));
}

TEST(LoopShareTest, FullShareNeverWaits) {
  LoopShare share(1.0, milliseconds(1));
  const auto t0 = LoopShare::Clock::now();
  share.charge(std::chrono::seconds(5), t0);
  EXPECT_EQ(share.wait_needed(t0), microseconds(0));
}

}  // namespace
}  // namespace samsa::http
