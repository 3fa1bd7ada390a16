// Circuit breaker state machine, with time passed in.
#include "tonearm/store/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace tonearm::store {
namespace {

using namespace std::chrono_literals;
using state = circuit_breaker::state;

TEST(CircuitBreaker, StaysClosedBelowThreshold) {
  circuit_breaker b(3, 1000ms);
  auto t = circuit_breaker::clock::now();
  b.on_failure(t);
  b.on_failure(t);
  EXPECT_EQ(b.current(), state::closed);
  EXPECT_TRUE(b.allow(t));
}

TEST(CircuitBreaker, SuccessResetsTheFailureCount) {
  circuit_breaker b(3, 1000ms);
  auto t = circuit_breaker::clock::now();
  b.on_failure(t);
  b.on_failure(t);
  b.on_success();
  b.on_failure(t);
  EXPECT_EQ(b.current(), state::closed);
}

TEST(CircuitBreaker, OpensAtThresholdAndRefusesDuringCooldown) {
  circuit_breaker b(3, 1000ms);
  auto t = circuit_breaker::clock::now();
  for (int i = 0; i < 3; ++i) b.on_failure(t);
  EXPECT_EQ(b.current(), state::open);
  EXPECT_FALSE(b.allow(t + 999ms));
}

TEST(CircuitBreaker, AfterCooldownLetsExactlyOneProbeThrough) {
  circuit_breaker b(1, 1000ms);
  auto t = circuit_breaker::clock::now();
  b.on_failure(t);
  EXPECT_TRUE(b.allow(t + 1000ms));
  EXPECT_EQ(b.current(), state::half_open);
  EXPECT_FALSE(b.allow(t + 1001ms));
}

TEST(CircuitBreaker, SuccessfulProbeCloses) {
  circuit_breaker b(1, 10ms);
  auto t = circuit_breaker::clock::now();
  b.on_failure(t);
  ASSERT_TRUE(b.allow(t + 10ms));
  b.on_success();
  EXPECT_EQ(b.current(), state::closed);
  EXPECT_TRUE(b.allow(t + 11ms));
}

TEST(CircuitBreaker, FailedProbeReopensForAnotherCooldown) {
  circuit_breaker b(5, 100ms);
  auto t = circuit_breaker::clock::now();
  for (int i = 0; i < 5; ++i) b.on_failure(t);
  ASSERT_TRUE(b.allow(t + 100ms));
  b.on_failure(t + 100ms);  // one failure is enough in half-open
  EXPECT_EQ(b.current(), state::open);
  EXPECT_FALSE(b.allow(t + 150ms));
  EXPECT_TRUE(b.allow(t + 200ms));
}

}  // namespace
}  // namespace tonearm::store
