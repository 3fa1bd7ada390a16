// The hot-cache rules as tables: window position, heat, admission, eviction order,
// TTL renewal, chunk counts. tests/db/hot_policy_pgtest.cpp runs the same play and
// renewal cases through the Lua scripts in Redis.
#include "tonearm/stream/hot_policy.hpp"

#include <gtest/gtest.h>

#include "hot_policy_cases.hpp"

namespace tonearm::stream {
namespace {

using namespace std::chrono_literals;
namespace cases = tonearm::testing::hot_cases;

struct position_case {
  std::int64_t ms;
  std::int64_t window_seconds;
  hot_policy::window_position expected;
};

TEST(HotPolicy, WindowPositionMatchesTheTable) {
  const position_case table[] = {
      {0, 300, {0, 1.0}},
      {150'000, 300, {0, 0.5}},
      {75'000, 300, {0, 0.75}},
      {299'999, 300, {0, 0.0}},   // the previous window is all but gone
      {300'000, 300, {1, 1.0}},   // a new window: all of the previous one still inside
      {1'700'000'123'456, 300, {5'666'667, 0.9218}},
      {1'500, 0, {1, 0.5}},       // a zero window counts as one second
      {-150'000, 300, {-1, 0.5}},
  };
  for (const auto& c : table) {
    auto got = hot_policy::position(std::chrono::milliseconds(c.ms), std::chrono::seconds(c.window_seconds));
    EXPECT_EQ(got.number, c.expected.number) << c.ms << " ms, window " << c.window_seconds;
    EXPECT_DOUBLE_EQ(got.previous_weight, c.expected.previous_weight) << c.ms << " ms, window " << c.window_seconds;
  }
}

TEST(HotPolicy, WeightIsPassedWithFourDecimals) {
  EXPECT_EQ(hot_policy::weight_text(0.25), "0.2500");
  EXPECT_EQ(hot_policy::weight_text(1.0), "1.0000");
  EXPECT_EQ(hot_policy::weight_text(0.0), "0.0000");
  EXPECT_EQ(hot_policy::weight_text(0.5885), "0.5885");
}

class HotPlay : public ::testing::TestWithParam<cases::play_case> {};

TEST_P(HotPlay, HeatAndAdmissionMatchTheTable) {
  const auto& c = GetParam();
  double heat = hot_policy::heat(c.current_before + 1, c.previous, c.weight);
  EXPECT_DOUBLE_EQ(heat, c.heat);
  bool admitted = !c.cached && hot_policy::admit(heat, c.threshold, {c.bytes, c.max_bytes, c.coldest});
  EXPECT_EQ(admitted, c.admit);
}

INSTANTIATE_TEST_SUITE_P(Cases, HotPlay, ::testing::ValuesIn(cases::play_cases),
                         [](const auto& info) { return std::string(info.param.name); });

class HotRenew : public ::testing::TestWithParam<cases::renew_case> {};

TEST_P(HotRenew, RenewalMatchesTheTable) {
  const auto& c = GetParam();
  double heat = hot_policy::heat(c.current, c.previous, c.weight);
  EXPECT_DOUBLE_EQ(heat, c.heat);
  EXPECT_EQ(hot_policy::renew(heat, c.threshold, c.ttl_left, c.ttl), c.renew);
}

INSTANTIATE_TEST_SUITE_P(Cases, HotRenew, ::testing::ValuesIn(cases::renew_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(HotPolicy, OnlyANoHotterSongMakesRoom) {
  EXPECT_TRUE(hot_policy::may_evict(1.0, 2.0));
  EXPECT_TRUE(hot_policy::may_evict(2.0, 2.0)) << "ties go to the newcomer";
  EXPECT_FALSE(hot_policy::may_evict(2.5, 2.0));
}

TEST(HotPolicy, ChunkCounts) {
  EXPECT_EQ(hot_policy::chunk_count(0, 256), 0u);
  EXPECT_EQ(hot_policy::chunk_count(1, 256), 1u);
  EXPECT_EQ(hot_policy::chunk_count(256, 256), 1u);
  EXPECT_EQ(hot_policy::chunk_count(257, 256), 2u);
  EXPECT_EQ(hot_policy::chunk_count(300 * 1024, 256 * 1024), 2u);
  EXPECT_EQ(hot_policy::chunk_count(1000, 0), 0u);
}

}  // namespace
}  // namespace tonearm::stream
