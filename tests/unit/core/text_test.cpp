// Strict UTF-8 and control characters (the checks at the edge of every handler).
#include "tonearm/core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tonearm::core {
namespace {

struct utf8_case {
  std::string text;
  bool valid;
};

class ValidUtf8 : public ::testing::TestWithParam<utf8_case> {};

TEST_P(ValidUtf8, MatchesTheTable) {
  EXPECT_EQ(valid_utf8(GetParam().text), GetParam().valid) << ::testing::PrintToString(GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidUtf8,
    ::testing::Values(utf8_case{"", true}, utf8_case{"plain ascii", true}, utf8_case{"Bj\xC3\xB6rk", true},
                      utf8_case{"\xE5\x9D\x82\xE6\x9C\xAC", true},         // 坂本
                      utf8_case{"\xF0\x9F\x8E\xB5", true},                 // U+1F3B5
                      utf8_case{"\xF4\x8F\xBF\xBF", true},                 // U+10FFFF, the last
                      utf8_case{"\xED\x9F\xBF", true},                     // U+D7FF, before surrogates
                      utf8_case{"\xFF", false}, utf8_case{"\xC3", false},  // lone lead byte
                      utf8_case{"\x80", false},                            // continuation first
                      utf8_case{"\xC0\xAF", false}, utf8_case{"\xC1\xBF", false},  // overlong 2-byte
                      utf8_case{"\xE0\x80\xAF", false},                            // overlong 3-byte
                      utf8_case{"\xF0\x80\x80\xAF", false},                        // overlong 4-byte
                      utf8_case{"\xED\xA0\x80", false},                            // U+D800 surrogate
                      utf8_case{"\xF4\x90\x80\x80", false},                        // above U+10FFFF
                      utf8_case{"\xF5\x80\x80\x80", false}, utf8_case{"\xE2\x82", false},  // truncated
                      utf8_case{"ok\xE2\x82", false}, utf8_case{"\xC3\x28", false}));      // bad continuation

TEST(HasControl, FindsC0AndDelButNotTabWhenAllowed) {
  EXPECT_FALSE(has_control("plain text"));
  EXPECT_TRUE(has_control(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control("a\x1f"));
  EXPECT_TRUE(has_control("a\x7f"));
  EXPECT_TRUE(has_control("a\tb"));
  EXPECT_FALSE(has_control("a\tb", /*allow_tab=*/true));
  EXPECT_TRUE(has_control("a\nb", /*allow_tab=*/true));
  EXPECT_FALSE(has_control("Bj\xC3\xB6rk"));
  EXPECT_TRUE(has_nul(std::string("x\0", 2)));
  EXPECT_FALSE(has_nul("x"));
}

}  // namespace
}  // namespace tonearm::core
