// The console's share of the broker's event loop.
//
// HTTP requests run on the same loop as the Kafka listener, so every microsecond the
// console spends is one a producer or consumer waits. LoopShare is a token bucket of
// loop time: console work is charged as it runs, the bucket refills at `share` of wall
// time (up to `burst` saved), and while it is empty the console's next piece of work
// waits. Kafka requests are never delayed by it: a console hammered by scripts or many
// browser tabs gets at most `share` of the loop, the Kafka side keeps the rest.
#pragma once

#include <algorithm>
#include <chrono>

namespace samsa::http {

class LoopShare {
 public:
  using Clock = std::chrono::steady_clock;
  using Micros = std::chrono::microseconds;

  // `share` in (0, 1]; 1 turns the limit off.
  LoopShare(double share, Micros burst) : share_(std::clamp(share, 0.01, 1.0)), burst_(burst) {
    tokens_ = static_cast<double>(burst_.count());
  }

  // How long the next piece of console work must wait (zero when within budget).
  Micros wait_needed(Clock::time_point now) {
    refill(now);
    if (share_ >= 1.0 || tokens_ >= 0) return Micros(0);
    return Micros(static_cast<int64_t>(-tokens_ / share_) + 1);
  }

  // Records `used` of loop time spent on console work ending at `now`.
  void charge(Micros used, Clock::time_point now) {
    refill(now);
    tokens_ -= static_cast<double>(used.count());
    charged_ += used;
  }

  // Measures the loop time of one piece of work and charges it.
  template <typename Fn>
  void run_charged(Fn&& fn) {
    const auto start = Clock::now();
    struct Charge {
      LoopShare& share;
      Clock::time_point start;
      ~Charge() {
        const auto end = Clock::now();
        share.charge(std::chrono::duration_cast<Micros>(end - start), end);
      }
    } charge{*this, start};
    fn();
  }

  double share() const { return share_; }
  // Loop time charged since start: the console's total cost.
  Micros charged() const { return charged_; }

 private:
  void refill(Clock::time_point now) {
    if (last_ != Clock::time_point{} && now > last_) {
      const double earned =
          share_ * static_cast<double>(std::chrono::duration_cast<Micros>(now - last_).count());
      tokens_ = std::min(tokens_ + earned, static_cast<double>(burst_.count()));
    }
    if (now > last_) last_ = now;
  }

  double share_;
  Micros burst_;
  double tokens_ = 0;
  Clock::time_point last_{};
  Micros charged_{0};
};

}  // namespace samsa::http
