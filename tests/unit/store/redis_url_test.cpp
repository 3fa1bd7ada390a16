// redis:// URL parsing.
#include <gtest/gtest.h>

#include "tonearm/store/redis_client.hpp"

namespace tonearm::store {
namespace {

TEST(RedisUrl, HostPortAndDb) {
  auto o = parse_redis_url("redis://10.0.0.5:6380/3");
  EXPECT_EQ(o.host, "10.0.0.5");
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(o.db, 3);
  EXPECT_EQ(o.password, "");
}

TEST(RedisUrl, DefaultsPortAndDb) {
  auto o = parse_redis_url("redis://cache");
  EXPECT_EQ(o.host, "cache");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.db, 0);
}

TEST(RedisUrl, Password) {
  auto o = parse_redis_url("redis://:s3cret@h:1/0");
  EXPECT_EQ(o.password, "s3cret");
  EXPECT_EQ(o.host, "h");
}

TEST(RedisUrl, RejectsMalformed) {
  EXPECT_THROW(parse_redis_url("http://h"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://h:0"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://h:x"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://h/abc"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://:1"), std::invalid_argument);
}

}  // namespace
}  // namespace tonearm::store
