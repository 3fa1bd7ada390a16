#include "tonearm/core/fair_slots.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using tonearm::core::fair_slots;

// Waits until `n` threads are queued: each waiter bumps `queued` just before it asks.
void wait_for(const std::atomic<int>& queued, int n) {
  while (queued.load() < n) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);  // let the last one reach the wait
}

TEST(FairSlots, HandsSlotsOutInArrivalOrder) {
  fair_slots slots(1);
  ASSERT_TRUE(slots.try_acquire_for(0s));
  std::mutex m;
  std::vector<int> order;
  std::atomic<int> queued{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 6; ++i) {
    waiters.emplace_back([&, i] {
      ++queued;
      ASSERT_TRUE(slots.try_acquire_for(10s));
      {
        std::lock_guard lock(m);
        order.push_back(i);
      }
      slots.release();
    });
    wait_for(queued, i + 1);  // thread i queues before thread i+1 starts
  }
  slots.release();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(FairSlots, CountsSlots) {
  fair_slots slots(2);
  EXPECT_TRUE(slots.try_acquire_for(0s));
  EXPECT_TRUE(slots.try_acquire_for(0s));
  EXPECT_FALSE(slots.try_acquire_for(10ms));
  slots.release();
  EXPECT_TRUE(slots.try_acquire_for(0s));
}

TEST(FairSlots, AWaiterThatGivesUpDoesNotBlockTheOnesBehindIt) {
  fair_slots slots(1);
  ASSERT_TRUE(slots.try_acquire_for(0s));
  std::atomic<int> queued{0};
  std::atomic<bool> first_gave_up{false}, second_got{false};
  std::thread first([&] {
    ++queued;
    first_gave_up = !slots.try_acquire_for(50ms);
  });
  wait_for(queued, 1);
  std::thread second([&] {
    ++queued;
    second_got = slots.try_acquire_for(10s);
  });
  wait_for(queued, 2);
  first.join();
  EXPECT_TRUE(first_gave_up);
  slots.release();
  second.join();
  EXPECT_TRUE(second_got);
}

TEST(FairSlots, HoldReleasesAtScopeEnd) {
  fair_slots slots(1);
  ASSERT_TRUE(slots.try_acquire_for(0s));
  { fair_slots::hold h(slots); }
  EXPECT_TRUE(slots.try_acquire_for(0s));
}

}  // namespace
