// The token cache against a real Redis: fresh in this process for a while, the last
// word for every instance while PostgreSQL is away, gone at logout.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"
#include "tonearm/accounts/credentials.hpp"
#include "tonearm/accounts/token_cache.hpp"
#include "tonearm/store/redis_client.hpp"

namespace {

using namespace std::chrono_literals;
using tonearm::accounts::token_cache;
using tonearm::accounts::token_hash;
using tonearm::store::parse_redis_url;
using tonearm::store::redis_client;
using tonearm::store::redis_options;
using tonearm::testing::redis_server;

std::int64_t unix_in(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::seconds>((std::chrono::system_clock::now() + s).time_since_epoch())
      .count();
}

class TokenCache : public ::testing::Test {
 protected:
  redis_server server;
  redis_client redis{parse_redis_url(server.url())};
};

TEST_F(TokenCache, FreshForAWhileThenAskedAgain) {
  token_cache tokens(redis, 1s);
  auto hash = token_hash("token-a");
  EXPECT_FALSE(tokens.fresh(hash));
  tokens.remember(hash, 42, unix_in(3600s));
  EXPECT_EQ(tokens.fresh(hash), 42);
  EXPECT_FALSE(tokens.fresh(token_hash("token-b")));
  std::this_thread::sleep_for(1100ms);
  EXPECT_FALSE(tokens.fresh(hash)) << "confirmed more than a second ago";
  EXPECT_EQ(tokens.last_known(hash), 42) << "still the last word while the database is away";
}

TEST_F(TokenCache, ExpiredSessionsAreNeverTaken) {
  token_cache tokens(redis, 60s);
  auto hash = token_hash("short");
  tokens.remember(hash, 7, unix_in(2s));  // whole seconds: expires in more than 1 s
  EXPECT_EQ(tokens.fresh(hash), 7);
  std::this_thread::sleep_for(3100ms);
  EXPECT_FALSE(tokens.fresh(hash));
  EXPECT_FALSE(tokens.last_known(hash));
  tokens.remember(token_hash("past"), 7, unix_in(-5s));
  EXPECT_FALSE(tokens.last_known(token_hash("past")));
}

TEST_F(TokenCache, AnotherInstanceKnowsTheTokenThroughRedisUntilLogout) {
  token_cache a(redis, 30s), b(redis, 30s);
  auto hash = token_hash("shared");
  a.remember(hash, 9, unix_in(600s));
  auto ttl = redis.command({"TTL", "tonearm:token:" + tonearm::accounts::to_hex(hash)})->integer;
  EXPECT_GT(ttl, 590) << "expires with the session";
  EXPECT_LE(ttl, 600);
  EXPECT_FALSE(b.fresh(hash)) << "Redis is only read while the database is away";
  EXPECT_EQ(b.last_known(hash), 9);
  a.forget(hash, unix_in(600s));  // logout
  EXPECT_FALSE(a.fresh(hash));
  EXPECT_FALSE(b.last_known(hash));
  auto key = "tonearm:token:" + tonearm::accounts::to_hex(hash);
  EXPECT_EQ(redis.command({"GET", key})->str, "revoked");
  EXPECT_GT(redis.command({"TTL", key})->integer, 590) << "a tombstone for the rest of the session";
  // A check that read the session just before the logout writes it back: refused.
  a.remember(hash, 9, unix_in(600s));
  EXPECT_FALSE(a.fresh(hash)) << "logged out here";
  b.remember(hash, 9, unix_in(600s));
  EXPECT_EQ(redis.command({"GET", key})->str, "revoked");
  token_cache c(redis, 30s);
  EXPECT_FALSE(c.last_known(hash));
}

TEST_F(TokenCache, InAnOutageRedisHasTheLastWordAndMemoryOnlyWhenRedisIsGoneToo) {
  token_cache a(redis, 30s);
  auto hash = token_hash("elsewhere");
  a.remember(hash, 11, unix_in(600s));
  token_cache(redis, 30s).forget(hash, unix_in(600s));  // logout on another instance
  EXPECT_EQ(a.fresh(hash), 11) << "for up to token_cache_seconds";
  EXPECT_FALSE(a.last_known(hash)) << "Redis says revoked: memory does not bring it back";
  auto other = token_hash("other");
  a.remember(other, 12, unix_in(600s));
  server.stop();
  EXPECT_EQ(a.last_known(other), 12) << "Redis gone too: this process's memory";
}

TEST_F(TokenCache, ALogoutThatCouldNotReachRedisStillHoldsInThisProcess) {
  auto hash = token_hash("logged-out-while-redis-was-unreachable");
  auto expires = unix_in(600s);
  redis.command({"SET", "tonearm:token:" + tonearm::accounts::to_hex(hash), "13 " + std::to_string(expires)});
  redis_options gone;  // this instance cannot reach Redis
  gone.port = tonearm::testing::free_port();
  redis_client unreachable(gone);
  token_cache a(unreachable, 30s), b(redis, 30s);
  a.remember(hash, 13, expires);
  a.forget(hash, expires);  // the tombstone is lost
  EXPECT_FALSE(a.last_known(hash)) << "this process saw the logout";
  EXPECT_EQ(b.last_known(hash), 13) << "the known limit: another instance did not";
}

TEST_F(TokenCache, LogoutsSeenHereAreKeptUpToTheLimitOldestForgottenFirst) {
  token_cache tokens(redis, 30s, 2);
  auto h1 = token_hash("one"), h2 = token_hash("two"), h3 = token_hash("three");
  for (const auto& h : {h1, h2, h3}) tokens.forget(h, unix_in(600s));
  tokens.remember(h3, 3, unix_in(600s));
  tokens.remember(h2, 2, unix_in(600s));
  EXPECT_FALSE(tokens.fresh(h3));
  EXPECT_FALSE(tokens.fresh(h2));
  tokens.remember(h1, 1, unix_in(600s));
  EXPECT_EQ(tokens.fresh(h1), 1) << "the oldest logout was forgotten locally (its tombstone is in Redis)";
}

TEST_F(TokenCache, ForgetIfKnownCostsNothingForStrangers) {
  token_cache a(redis, 30s), b(redis, 30s);
  auto hash = token_hash("revoked");
  a.remember(hash, 5, unix_in(600s));
  b.forget_if_known(hash);  // b never saw it: the entry in Redis stays
  EXPECT_EQ(b.last_known(hash), 5);
  a.forget_if_known(hash);
  EXPECT_FALSE(a.last_known(hash));
  EXPECT_FALSE(b.last_known(hash));
}

TEST_F(TokenCache, OffMalformedOrRedisGone) {
  token_cache off(redis, 0s);
  auto hash = token_hash("x");
  off.remember(hash, 1, unix_in(600s));
  EXPECT_FALSE(off.fresh(hash));
  EXPECT_FALSE(off.last_known(hash));
  EXPECT_EQ(redis.command({"DBSIZE"})->integer, 0) << "off writes nothing";

  token_cache on(redis, 30s);
  auto key = "tonearm:token:" + tonearm::accounts::to_hex(hash);
  for (std::string bad : {"1", "x 99999999999", "0 99999999999", "1 2 3", "5 "}) {
    redis.command({"SET", key, bad});
    EXPECT_FALSE(on.last_known(hash)) << bad;
  }
  on.remember(hash, 3, unix_in(600s));
  server.stop();
  EXPECT_EQ(on.fresh(hash), 3) << "memory needs no Redis";
  EXPECT_FALSE(on.last_known(token_hash("y")));
  on.forget(hash, unix_in(600s));  // no throw with Redis gone
  EXPECT_FALSE(on.fresh(hash));
}

}  // namespace
