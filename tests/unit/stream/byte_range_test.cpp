// Range planning, as a table: header, size -> outcome and ranges.
#include "tonearm/stream/byte_range.hpp"

#include <gtest/gtest.h>

namespace tonearm::stream {
namespace {

using kind = range_plan::kind;

struct range_case {
  const char* header;
  std::uint64_t size;
  kind outcome;
  std::vector<byte_range> ranges;
};

void PrintTo(const range_case& c, std::ostream* os) { *os << "Range: \"" << c.header << "\" size " << c.size; }

class PlanRanges : public ::testing::TestWithParam<range_case> {};

TEST_P(PlanRanges, MatchesTheTable) {
  const auto& c = GetParam();
  auto plan = plan_ranges(c.header, c.size);
  EXPECT_EQ(plan.outcome, c.outcome);
  if (c.outcome == kind::partial) {
    EXPECT_EQ(plan.ranges, c.ranges);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9110, PlanRanges,
    ::testing::Values(
        // no header, or one we must ignore: 200 with the whole body
        range_case{"", 1000, kind::full, {}},
        range_case{"items=0-5", 1000, kind::full, {}},
        range_case{"bytes", 1000, kind::full, {}},
        range_case{"bytes=", 1000, kind::full, {}},
        range_case{"bytes=,", 1000, kind::full, {}},
        range_case{"bytes=abc", 1000, kind::full, {}},
        range_case{"bytes=5", 1000, kind::full, {}},
        range_case{"bytes=-", 1000, kind::full, {}},
        range_case{"bytes=10-5", 1000, kind::full, {}},  // first > last: invalid
        range_case{"bytes=0-1x", 1000, kind::full, {}},
        range_case{"bytes=+1-5", 1000, kind::full, {}},
        range_case{"bytes=99999999999999999999-", 1000, kind::full, {}},  // overflow
        range_case{"bytes=0-99999999999999999999", 1000, kind::full, {}},
        // one range
        range_case{"bytes=0-499", 1000, kind::partial, {{0, 499}}},
        range_case{"bytes=500-", 1000, kind::partial, {{500, 999}}},
        range_case{"bytes=-200", 1000, kind::partial, {{800, 999}}},
        range_case{"bytes=0-0", 1000, kind::partial, {{0, 0}}},
        range_case{"bytes=999-", 1000, kind::partial, {{999, 999}}},
        range_case{"bytes=0-5000", 1000, kind::partial, {{0, 999}}},        // clamped
        range_case{"bytes=-5000", 1000, kind::partial, {{0, 999}}},         // whole file
        range_case{"Bytes = 10 - 19", 1000, kind::partial, {{10, 19}}},     // case, spaces
        // unsatisfiable: 416
        range_case{"bytes=1000-", 1000, kind::unsatisfiable, {}},
        range_case{"bytes=1000-2000", 1000, kind::unsatisfiable, {}},
        range_case{"bytes=-0", 1000, kind::unsatisfiable, {}},
        range_case{"bytes=0-", 0, kind::unsatisfiable, {}},
        range_case{"bytes=-5", 0, kind::unsatisfiable, {}},
        range_case{"bytes=2000-3000,5000-", 1000, kind::unsatisfiable, {}},
        // several ranges: multipart, in the order asked, unsatisfiable ones dropped
        range_case{"bytes=0-9,20-29", 1000, kind::partial, {{0, 9}, {20, 29}}},
        range_case{"bytes=500-599, 0-9,,", 1000, kind::partial, {{500, 599}, {0, 9}}},
        range_case{"bytes=0-9,2000-", 1000, kind::partial, {{0, 9}}},
        range_case{"bytes=-10,0-9", 1000, kind::partial, {{990, 999}, {0, 9}}},
        // amplification: overlapping ranges asking for more than the file -> ignored
        range_case{"bytes=0-999,0-999", 1000, kind::full, {}},
        range_case{"bytes=0-600,400-999", 1000, kind::full, {}},
        range_case{"bytes=0-,0-", 1000, kind::full, {}}));

TEST(PlanRangesCap, MoreThanMaxRangesIsIgnored) {
  std::string header = "bytes=";
  for (int i = 0; i < 17; ++i) header += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
  EXPECT_EQ(plan_ranges(header, 10000).outcome, kind::full);
  EXPECT_EQ(plan_ranges(header, 10000, 32).outcome, kind::partial);
  EXPECT_EQ(plan_ranges(header, 10000, 32).ranges.size(), 17u);
}

TEST(PlanRangesCap, OneRangeCoveringTheWholeFileIsFine) {
  auto plan = plan_ranges("bytes=0-", 5);
  EXPECT_EQ(plan.outcome, kind::partial);
  EXPECT_EQ(plan.ranges, (std::vector<byte_range>{{0, 4}}));
}

}  // namespace
}  // namespace tonearm::stream

namespace tonearm::stream {
namespace {

// Found by the fuzzer: two ranges of a file above 2^63 bytes summed past 2^64 and
// wrapped, so an amplifying request passed the overlap check.
TEST(PlanRangesCap, TotalOfHugeRangesDoesNotWrap) {
  const std::uint64_t size = 0xF69A0000000186A0ull;
  auto plan = plan_ranges("bytes=0-,2-", size);
  EXPECT_EQ(plan.outcome, kind::full);
  auto fits = plan_ranges("bytes=0-9,10-", size);  // exactly the file: allowed
  EXPECT_EQ(fits.outcome, kind::partial);
  EXPECT_EQ(fits.ranges, (std::vector<byte_range>{{0, 9}, {10, size - 1}}));
}

}  // namespace
}  // namespace tonearm::stream
