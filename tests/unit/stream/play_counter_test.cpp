// What counts as the start of a play.
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/hot_cache.hpp"

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

namespace {

using tonearm::stream::chunk_memory;

TEST(ChunkMemory, KeepsTheMostRecentChunksUnderItsCap) {
  chunk_memory m(250);
  auto chunk = [](char c) { return std::make_shared<const std::string>(100, c); };
  m.put("k", 0, chunk('a'));
  m.put("k", 1, chunk('b'));
  ASSERT_TRUE(m.get("k", 0));  // now the most recent
  m.put("k", 2, chunk('c'));   // 300 bytes > 250: the least recent (chunk 1) goes
  EXPECT_EQ(m.bytes(), 200u);
  EXPECT_FALSE(m.get("k", 1));
  EXPECT_EQ(*m.get("k", 0), std::string(100, 'a'));
  EXPECT_EQ(*m.get("k", 2), std::string(100, 'c'));
  EXPECT_FALSE(m.get("other", 0));
}

TEST(ChunkMemory, ZeroBytesKeepsNothingAndOversizedChunksAreNotKept) {
  chunk_memory off(0);
  off.put("k", 0, std::make_shared<const std::string>("x"));
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.get("k", 0));
  chunk_memory small(10);
  small.put("k", 0, std::make_shared<const std::string>(11, 'x'));
  EXPECT_FALSE(small.get("k", 0));
  EXPECT_EQ(small.bytes(), 0u);
}

}  // namespace
