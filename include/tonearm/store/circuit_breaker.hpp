// A circuit breaker: after repeated failures, calls fail at once for a cool-down.
#pragma once

#include <chrono>
#include <mutex>

namespace tonearm::store {

// closed: calls go through. After `failure_threshold` failures in a row it opens:
// allow() says no (costing a mutex, not a timeout) until `cooldown` has passed; then
// one probe call goes through (half-open) and its outcome closes or reopens it.
// Thread-safe. Time is passed in so tests need no sleeping.
class circuit_breaker {
 public:
  using clock = std::chrono::steady_clock;
  enum class state { closed, open, half_open };

  circuit_breaker(int failure_threshold, std::chrono::milliseconds cooldown);

  // True when the caller may try the call now; the caller must then report
  // on_success() or on_failure().
  bool allow(clock::time_point now = clock::now());
  void on_success();
  void on_failure(clock::time_point now = clock::now());
  state current() const;

 private:
  mutable std::mutex mutex_;
  int failure_threshold_;
  std::chrono::milliseconds cooldown_;
  state state_ = state::closed;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  clock::time_point opened_at_{};
};

}  // namespace tonearm::store
