// What counts as the start of a play.
#include "tonearm/stream/play_counter.hpp"

#include <gtest/gtest.h>

namespace tonearm::stream {
namespace {

TEST(IsPlayStart, RequestsForTheBeginningCount) {
  EXPECT_TRUE(is_play_start("GET", ""));
  EXPECT_TRUE(is_play_start("GET", "bytes=0-"));
  EXPECT_TRUE(is_play_start("GET", "bytes=0-1023"));
  EXPECT_TRUE(is_play_start("GET", "bytes=0-99,500-600"));
  EXPECT_TRUE(is_play_start("GET", "garbage"));  // ignored Range: the whole file goes out
}

TEST(IsPlayStart, SeeksAndHeadsDoNot) {
  EXPECT_FALSE(is_play_start("GET", "bytes=1000-"));
  EXPECT_FALSE(is_play_start("GET", "bytes=-500"));
  EXPECT_FALSE(is_play_start("HEAD", ""));
}

}  // namespace
}  // namespace tonearm::stream
