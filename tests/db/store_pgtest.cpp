// Store parts against real servers: PG pool reconnects, Redis breaker, migrations.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <thread>

#include "test_support.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/store/migrations.hpp"
#include "tonearm/store/pg_pool.hpp"
#include "tonearm/store/redis_client.hpp"

namespace tonearm::store {
namespace {

using namespace std::chrono_literals;
using tonearm::testing::redis_server;
using tonearm::testing::scratch_database;

int backend_pid(pg_pool& pool) {
  return pool.with_connection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  });
}

TEST(PgPool, ReusesConnections) {
  scratch_database db;
  pg_pool pool(db.url(), 2, 1000ms);
  EXPECT_EQ(backend_pid(pool), backend_pid(pool));
}

TEST(PgPool, ReconnectsAfterTheServerDroppedItsConnections) {
  // From the client's side a server restart is exactly this: every backend is gone.
  scratch_database db;
  pg_pool pool(db.url(), 2, 1000ms);
  int before = backend_pid(pool);
  scratch_database::admin_query("SELECT pg_terminate_backend(" + std::to_string(before) + ")");
  int after = backend_pid(pool);  // no error surfaces: the pool retried on a new connection
  EXPECT_NE(before, after);
}

TEST(PgPool, UnreachableServerIsUnavailableNotAHang) {
  pg_pool pool("postgresql://postgres@127.0.0.1:" + std::to_string(tonearm::testing::free_port()) + "/x", 2, 500ms);
  try {
    backend_pid(pool);
    FAIL() << "expected api_error";
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
  }
}

TEST(PgPool, ASilentServerIsUnavailableAfterTheConnectTimeoutNotAHang) {
  tonearm::testing::silent_server silent;  // accepts, never answers: a partitioned or hung server
  pg_pool pool("postgresql://postgres@127.0.0.1:" + std::to_string(silent.port()) + "/x", 2, 500ms);
  auto start = std::chrono::steady_clock::now();
  try {
    backend_pid(pool);
    FAIL() << "expected api_error";
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "connect_timeout (3 s), not the kernel's minutes";
}

TEST(PgPool, ExhaustedPoolTimesOutWithUnavailable) {
  scratch_database db;
  pg_pool pool(db.url(), 1, 100ms);
  auto held = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "expected api_error";
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
  }
}

// A started instance opens its connections before the first requests (a cold instance
// behind a balancer gets hundreds at once): warm() opens them, bounded by the pool.
TEST(PgPool, WarmOpensConnectionsUpToThePoolSize) {
  scratch_database db;
  pg_pool pool(db.url(), 3, 1000ms);
  EXPECT_EQ(pool.warm(5), 3u) << "never past the pool's size";
  auto backends = pool.with_connection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")[0][0].as<int>();
  });
  EXPECT_EQ(backends, 3) << "three connections open and idle in the pool";
  pg_pool unreachable("postgresql://postgres@127.0.0.1:" + std::to_string(tonearm::testing::free_port()) + "/x", 2, 500ms);
  EXPECT_EQ(unreachable.warm(2), 0u) << "a failure stops the warm-up; nothing thrown";
}

// A database restart under a warmed pool: every idle connection is dead, and the first
// query after it must not meet a second dead one on its retry.
TEST(PgPool, AfterARestartAWarmedPoolAnswersTheNextQuery) {
  scratch_database db;
  pg_pool pool(db.url(), 4, 1000ms);
  ASSERT_EQ(pool.warm(4), 4u);
  auto name = db.url().substr(db.url().rfind('/') + 1);
  scratch_database::admin_query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
  int first = 0;
  EXPECT_NO_THROW(first = backend_pid(pool)) << "the retry found another dead connection";
  EXPECT_GT(first, 0);
  EXPECT_NO_THROW(backend_pid(pool));
}

TEST(RedisClient, WarmOpensConnectionsUpToThePoolSize) {
  redis_server server;
  auto options = parse_redis_url(server.url());
  options.pool_size = 4;
  redis_client client(options);
  EXPECT_EQ(client.warm(6), 4u);
  auto list = client.command({"CLIENT", "LIST"});
  ASSERT_TRUE(list);
  EXPECT_EQ(std::count(list->str.begin(), list->str.end(), '\n'), 4) << list->str;
  options.port = tonearm::testing::free_port();
  redis_client unreachable(options);
  EXPECT_EQ(unreachable.warm(2), 0u);
}

TEST(RedisClient, RunsCommandsAndPipelines) {
  redis_server server;
  redis_client client(parse_redis_url(server.url()));
  ASSERT_TRUE(client.ping());
  auto set = client.command({"SET", "k", std::string("v\0w", 3)});
  ASSERT_TRUE(set);
  auto replies = client.pipeline({{"GET", "k"}, {"INCR", "n"}, {"INCR", "n"}, {"GET", "missing"}});
  ASSERT_TRUE(replies);
  EXPECT_EQ((*replies)[0].str, std::string("v\0w", 3));
  EXPECT_EQ((*replies)[2].integer, 2);
  EXPECT_EQ((*replies)[3].type, redis_reply::kind::nil);
}

TEST(RedisClient, ErrorReplyIsAValueNotAnOutage) {
  redis_server server;
  redis_client client(parse_redis_url(server.url()));
  client.command({"SET", "s", "x"});
  for (int i = 0; i < 5; ++i) {
    auto r = client.command({"INCR", "s"});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_error());
  }
  EXPECT_EQ(client.breaker_state(), circuit_breaker::state::closed);
}

TEST(RedisClient, ScriptsRunBySha1AndSurviveAScriptFlush) {
  redis_server server;
  redis_client client(parse_redis_url(server.url()));
  static const redis_script incr_by{"return redis.call('INCRBY', KEYS[1], ARGV[1])"};
  auto first = client.eval_many(incr_by, {{"1", "n", "2"}, {"1", "n", "3"}});
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)[1].integer, 5);
  auto sha = client.command({"SCRIPT", "LOAD", incr_by.text()})->str;
  auto calls_before = client.command({"INFO", "commandstats"})->str;
  EXPECT_NE(calls_before.find("cmdstat_evalsha:calls=2,"), std::string::npos) << "the calls went by SHA-1: " << calls_before;
  EXPECT_EQ(calls_before.find("cmdstat_eval:"), std::string::npos) << "no text sent: " << calls_before;
  // Redis forgets its scripts (a restart, SCRIPT FLUSH): NOSCRIPT, then the text again.
  client.command({"SCRIPT", "FLUSH"});
  auto again = client.eval_many(incr_by, {{"1", "n", "10"}, {"1", "m", "1"}});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].integer, 15);
  EXPECT_EQ((*again)[1].integer, 1);
  EXPECT_EQ(client.command({"SCRIPT", "EXISTS", sha})->elements.at(0).integer, 1) << "Redis has it back";
  // An error inside the script is a value, like any error reply.
  auto bad = client.eval(incr_by, {"1", "n", "not a number"});
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->is_error());
}

TEST(RedisClient, DeadRedisOpensTheBreakerAndFailsFast) {
  redis_server server;
  auto options = parse_redis_url(server.url());
  options.breaker_cooldown = 60s;
  redis_client client(options);
  ASSERT_TRUE(client.ping());
  server.stop();
  for (int i = 0; i < options.breaker_threshold; ++i) EXPECT_FALSE(client.ping());
  EXPECT_EQ(client.breaker_state(), circuit_breaker::state::open);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(client.command({"GET", "x"}));
  // 1000 calls with an open breaker cost far less than one connect timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, options.timeout);
}

TEST(RedisClient, ReconnectsWhenRedisComesBack) {
  redis_server server;
  auto options = parse_redis_url(server.url());
  options.breaker_cooldown = 50ms;
  redis_client client(options);
  ASSERT_TRUE(client.ping());
  server.stop();
  for (int i = 0; i < 5; ++i) client.ping();
  server.start();
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(client.ping()) << client.last_error();
  EXPECT_EQ(client.breaker_state(), circuit_breaker::state::closed);
}

TEST(RedisClient, HungRedisTimesOut) {
  tonearm::testing::silent_server hung;  // like a Redis stuck in a long command
  redis_options options;
  options.port = hung.port();
  options.timeout = 200ms;
  redis_client client(options);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(client.ping());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 150ms);  // it did wait for an answer...
  EXPECT_LT(took, 2s);     // ...but only as long as the command timeout
}

TEST(Migrations, RefuseAnAppliedMigrationThatWasEdited) {
  scratch_database db;
  std::vector<migration> v1{{1, "one", "CREATE TABLE a (x int)"}};
  auto r1 = apply_migrations(db.url(), v1);
  EXPECT_EQ(r1.applied, 1);
  std::vector<migration> edited{{1, "one", "CREATE TABLE a (x bigint)"}};
  EXPECT_THROW(apply_migrations(db.url(), edited), std::runtime_error);
}

TEST(Migrations, AFailingMigrationIsRolledBackAndEarlierOnesStay) {
  scratch_database db;
  std::vector<migration> ms{{1, "good", "CREATE TABLE good (x int)"},
                            {2, "bad", "CREATE TABLE half (x int); SELECT no_such_function()"}};
  EXPECT_THROW(apply_migrations(db.url(), ms), std::runtime_error);
  EXPECT_EQ(db.query("SELECT to_regclass('public.good') IS NOT NULL")[0], "t");
  EXPECT_EQ(db.query("SELECT to_regclass('public.half') IS NULL")[0], "t");
  EXPECT_EQ(db.query("SELECT max(version) FROM schema_migrations")[0], "1");
}

TEST(Migrations, EmbeddedSetIsOrderedAndNonEmpty) {
  const auto& all = embedded_migrations();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].version, all[i].version);
}

}  // namespace
}  // namespace tonearm::store
