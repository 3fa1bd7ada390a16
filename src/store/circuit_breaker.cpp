// Circuit breaker state machine.
#include "tonearm/store/circuit_breaker.hpp"

namespace tonearm::store {

circuit_breaker::circuit_breaker(int failure_threshold, std::chrono::milliseconds cooldown)
    : failure_threshold_(failure_threshold < 1 ? 1 : failure_threshold), cooldown_(cooldown) {}

bool circuit_breaker::allow(clock::time_point now) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case state::closed:
      return true;
    case state::open:
      if (now - opened_at_ < cooldown_) return false;
      state_ = state::half_open;
      probe_in_flight_ = true;
      return true;
    case state::half_open:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::on_success() {
  std::lock_guard lock(mutex_);
  state_ = state::closed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void circuit_breaker::on_failure(clock::time_point now) {
  std::lock_guard lock(mutex_);
  probe_in_flight_ = false;
  if (state_ == state::half_open || ++failures_ >= failure_threshold_) {
    state_ = state::open;
    opened_at_ = now;
    failures_ = 0;
  }
}

circuit_breaker::state circuit_breaker::current() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace tonearm::store
