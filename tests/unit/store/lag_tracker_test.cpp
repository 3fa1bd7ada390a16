// The standby's lag from WAL positions (store/read_route): parsing and the arithmetic.
#include <gtest/gtest.h>

#include "tonearm/store/read_route.hpp"

namespace tonearm::store {
namespace {

using namespace std::chrono_literals;
using clock = lag_tracker::clock;

TEST(ParseLsn, ReadsPostgresNotation) {
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("0/16B3748"), 0x16B3748u);
  EXPECT_EQ(parse_lsn("16/B374D848"), (std::uint64_t{0x16} << 32) | 0xB374D848u);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), ~std::uint64_t{0});
  for (const char* bad : {"", "/", "0/", "/0", "12", "0/1x", "g/0", "0//1", "100000000/0", " 0/1"})
    EXPECT_FALSE(parse_lsn(bad)) << bad;
}

TEST(LagTracker, NothingKnownBeforeTheFirstSample) {
  lag_tracker t;
  EXPECT_FALSE(t.lag(clock::now(), 100));
}

TEST(LagTracker, CaughtUpIsZeroHoweverIdleThePrimary) {
  lag_tracker t;
  auto t0 = clock::now();
  t.primary_at(t0, 1000);
  t.primary_at(t0 + 10s, 1000);  // no writes for 10 s
  EXPECT_EQ(t.lag(t0 + 10s, 1000), 0ms);
  EXPECT_EQ(t.lag(t0 + 10s, 2000), 0ms) << "ahead of the sample (it was taken first)";
}

TEST(LagTracker, BehindIsHowLongAgoThePrimaryPassedTheReplayedPosition) {
  lag_tracker t;
  auto t0 = clock::now();
  t.primary_at(t0, 1000);
  t.primary_at(t0 + 1s, 2000);
  t.primary_at(t0 + 2s, 3000);
  // Replayed 2500: the primary was there at t0 + 1.5 s (between two samples).
  EXPECT_EQ(t.lag(t0 + 2s, 2500), 500ms);
  EXPECT_EQ(t.lag(t0 + 3s, 2000), 2000ms);  // a standby that stopped replaying: growing
  EXPECT_EQ(t.lag(t0 + 2s, 1000), 2000ms);
}

TEST(LagTracker, BehindEverySampleKeptIsUnknown) {
  lag_tracker t(5s);
  auto t0 = clock::now();
  for (int i = 0; i <= 20; ++i) t.primary_at(t0 + i * 1s, 1000 + static_cast<std::uint64_t>(i) * 100);
  EXPECT_FALSE(t.lag(t0 + 20s, 1000)) << "the samples of t0 are gone";
  EXPECT_EQ(t.lag(t0 + 20s, 1000 + 17 * 100), 3000ms);
}

}  // namespace
}  // namespace tonearm::store
