// Partial dates: parsing and ISO output as precise as known.
#include "tonearm/catalog/types.hpp"

#include <gtest/gtest.h>

namespace tonearm::catalog {
namespace {

TEST(PartialDate, ParsesYearMonthDay) {
  EXPECT_EQ(partial_date::parse("1997")->iso(), "1997");
  EXPECT_EQ(partial_date::parse("1997-05")->iso(), "1997-05");
  EXPECT_EQ(partial_date::parse("1997-05-21")->iso(), "1997-05-21");
  EXPECT_EQ(partial_date::parse("1997-05-21T10:00:00Z")->iso(), "1997-05-21");
}

TEST(PartialDate, RejectsInvalidDates) {
  EXPECT_FALSE(partial_date::parse(""));
  EXPECT_FALSE(partial_date::parse("97"));
  EXPECT_FALSE(partial_date::parse("1997-13"));
  EXPECT_FALSE(partial_date::parse("1997-02-30"));
  EXPECT_FALSE(partial_date::parse("1997/05/21"));
  EXPECT_FALSE(partial_date::parse("0000"));
  EXPECT_TRUE(partial_date::parse("2000-02-29"));
  EXPECT_FALSE(partial_date::parse("1900-02-29"));
}

TEST(PartialDate, UnknownIsEmpty) { EXPECT_EQ(partial_date{}.iso(), ""); }

}  // namespace
}  // namespace tonearm::catalog
