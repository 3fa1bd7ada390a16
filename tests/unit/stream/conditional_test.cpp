// Conditional requests: 304 decisions, If-Range, HTTP dates.
#include "tonearm/stream/conditional.hpp"

#include <gtest/gtest.h>

namespace tonearm::stream {
namespace {

// 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (the RFC's example).
const validators v{"\"abc123\"", 784111777};

TEST(HttpDate, ParsesAllThreeFormats) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
}

TEST(HttpDate, RejectsGarbage) {
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
}

TEST(HttpDate, FormatsImfFixdate) { EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT"); }

TEST(NotModified, IfNoneMatchWithTheEtagOrStar) {
  EXPECT_TRUE(not_modified("\"abc123\"", "", v));
  EXPECT_TRUE(not_modified("\"x\", \"abc123\"", "", v));
  EXPECT_TRUE(not_modified("W/\"abc123\"", "", v));  // weak comparison
  EXPECT_TRUE(not_modified("*", "", v));
  EXPECT_FALSE(not_modified("\"other\"", "", v));
}

TEST(NotModified, IfNoneMatchDecidesAloneWhenPresent) {
  EXPECT_FALSE(not_modified("\"other\"", "Sun, 06 Nov 1994 08:49:37 GMT", v));
}

TEST(NotModified, IfModifiedSince) {
  EXPECT_TRUE(not_modified("", "Sun, 06 Nov 1994 08:49:37 GMT", v));
  EXPECT_TRUE(not_modified("", "Mon, 07 Nov 1994 08:49:37 GMT", v));
  EXPECT_FALSE(not_modified("", "Sat, 05 Nov 1994 08:49:37 GMT", v));
  EXPECT_FALSE(not_modified("", "not a date", v));
  EXPECT_FALSE(not_modified("", "", v));
}

TEST(RangeAllowed, AbsentOrMatchingValidator) {
  EXPECT_TRUE(range_allowed("", v));
  EXPECT_TRUE(range_allowed("\"abc123\"", v));
  EXPECT_TRUE(range_allowed("Sun, 06 Nov 1994 08:49:37 GMT", v));
}

TEST(RangeAllowed, AnythingElseSendsTheWholeBody) {
  EXPECT_FALSE(range_allowed("\"old\"", v));
  EXPECT_FALSE(range_allowed("W/\"abc123\"", v));  // If-Range needs a strong match
  EXPECT_FALSE(range_allowed("Mon, 07 Nov 1994 08:49:37 GMT", v));  // equal, not later
  EXPECT_FALSE(range_allowed("garbage", v));
}

}  // namespace
}  // namespace tonearm::stream
