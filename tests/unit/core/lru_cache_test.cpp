// The one LRU cache (core/lru_cache.hpp): order of eviction, weights, re-insertion.
#include "tonearm/core/lru_cache.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace tonearm::core {
namespace {

TEST(LruCache, EvictsTheLeastRecentlyUsedWhenFull) {
  lru_cache<int> c(2);
  c.insert("a", 1);
  c.insert("b", 2);
  ASSERT_NE(c.find("a"), nullptr);  // a is now the most recent: b goes next
  c.insert("c", 3);
  EXPECT_EQ(c.find("b"), nullptr);
  ASSERT_NE(c.find("a"), nullptr);
  EXPECT_EQ(*c.find("a"), 1);
  EXPECT_EQ(*c.find("c"), 3);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.weight(), 2u);
}

TEST(LruCache, ASecondInsertOfAKeyKeepsTheFirstValue) {
  lru_cache<int> c(3);
  auto [first, added] = c.insert("k", 1);
  EXPECT_TRUE(added);
  auto [again, added_again] = c.insert("k", 2);
  EXPECT_FALSE(added_again);
  EXPECT_EQ(again, first);
  EXPECT_EQ(*again, 1);
  EXPECT_EQ(c.size(), 1u);
}

struct string_bytes {
  std::size_t operator()(const std::shared_ptr<const std::string>& s) const { return s->size(); }
};

TEST(LruCache, AWeightedCacheEvictsUntilTheBytesFit) {
  lru_cache<std::shared_ptr<const std::string>, string_bytes> c(10);
  auto bytes = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  c.insert("4a", bytes(4));
  c.insert("4b", bytes(4));
  EXPECT_EQ(c.weight(), 8u);
  c.insert("6", bytes(6));  // 14 > 10: the oldest (4a) goes, and 10 fits
  EXPECT_EQ(c.find("4a"), nullptr);
  EXPECT_EQ(c.weight(), 10u);
  EXPECT_NE(c.find("6"), nullptr);  // now 4b is the least recently used
  c.insert("3", bytes(3));          // 13 > 10: 4b goes
  EXPECT_EQ(c.find("4b"), nullptr);
  EXPECT_NE(c.find("6"), nullptr);
  EXPECT_NE(c.find("3"), nullptr);
  EXPECT_EQ(c.weight(), 9u);
  EXPECT_EQ(c.size(), 2u);
}

TEST(LruCache, AValueHeavierThanTheCapacityIsNotStored) {
  lru_cache<std::shared_ptr<const std::string>, string_bytes> c(10);
  c.insert("small", std::make_shared<const std::string>(5, 'x'));
  auto [stored, added] = c.insert("big", std::make_shared<const std::string>(11, 'x'));
  EXPECT_EQ(stored, nullptr);
  EXPECT_FALSE(added);
  EXPECT_NE(c.find("small"), nullptr) << "a refused value evicts nothing";
  EXPECT_EQ(c.weight(), 5u);
}

TEST(LruCache, ZeroCapacityHoldsNothing) {
  lru_cache<int> c(0);
  EXPECT_EQ(c.insert("a", 1).first, nullptr);
  EXPECT_EQ(c.size(), 0u);
}

TEST(LruCache, ClearEmptiesItAndKeysStayValidAcrossManyEvictions) {
  lru_cache<int> c(16);
  for (int i = 0; i < 1000; ++i) c.insert("key-" + std::to_string(i), i);
  EXPECT_EQ(c.size(), 16u);
  for (int i = 984; i < 1000; ++i) {
    auto* v = c.find("key-" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, i);
  }
  EXPECT_EQ(c.find("key-983"), nullptr);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.weight(), 0u);
  EXPECT_EQ(c.find("key-999"), nullptr);
}

}  // namespace
}  // namespace tonearm::core
