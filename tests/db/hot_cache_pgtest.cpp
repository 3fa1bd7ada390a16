// The hot cache against a real Redis: heat (plays in the last window), admission
// against the coldest cached song, eviction order, and the sweep (expiry, rescoring,
// TTL renewal). The background thread promotes; the tests wait for it.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "test_support.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/redis_client.hpp"
#include "tonearm/stream/hot_cache.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tonearm::store;
using namespace tonearm::stream;
using tonearm::testing::redis_server;
using tonearm::testing::temp_dir;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

constexpr std::uint64_t song_bytes = 300 * 1024;  // two chunks

struct fixture {
  // Room for `songs` songs; threshold 2 plays; sweeps every `sweep` (long: by hand).
  // A one-day window: the tests' plays never straddle two fixed windows (where two
  // plays count as a little under 2).
  fixture(redis_server& server, int songs, std::chrono::milliseconds sweep = 1h)
      : redis(parse_redis_url(server.url())),
        hot(redis, blobs,
            hot_cache_options{2, std::chrono::seconds(86400), songs * song_bytes, std::chrono::seconds(60), 256 * 1024,
                              0, sweep}) {}

  // A distinct song of song_bytes; returns its key.
  std::string add_song(int n) {
    std::string data(song_bytes, static_cast<char>('a' + n % 26));
    data.replace(0, std::to_string(n).size(), std::to_string(n));
    write_file(dir.path() + "/src", data);
    auto key = sha256_file(dir.path() + "/src");
    blobs.put_file(key, dir.path() + "/src");
    return key;
  }
  void play(const std::string& key, int times) {
    for (int i = 0; i < times; ++i) hot.played(key);
  }
  bool cached(const std::string& key) {
    return redis.command({"EXISTS", "tonearm:hot:meta:" + key})->integer == 1;
  }
  // Waits until `key` is cached (true) or 2 s passed (false).
  bool wait_cached(const std::string& key) {
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(20ms))
      if (cached(key)) return true;
    return false;
  }
  long long tally() {
    auto r = redis.command({"GET", "tonearm:hot:bytes"});
    return r->type == redis_reply::kind::string ? std::stoll(r->str) : 0;
  }

  temp_dir dir;
  redis_client redis;
  local_blob_store blobs{dir.path() + "/blobs"};
  hot_cache hot;
};

TEST(HotCache, ASongReachingTheThresholdIsPromotedWithItsHeat) {
  redis_server server;
  fixture f(server, 4);
  auto key = f.add_song(1);
  f.play(key, 1);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(f.cached(key)) << "one play is not hot";
  f.play(key, 1);
  ASSERT_TRUE(f.wait_cached(key));
  EXPECT_EQ(f.hot.cached_size(key), song_bytes);
  EXPECT_EQ(f.tally(), static_cast<long long>(song_bytes));
  f.play(key, 3);
  EXPECT_NEAR(std::stod(f.redis.command({"ZSCORE", "tonearm:hot:index", key})->str), 5.0, 0.01) << "plays keep the score";
}

TEST(HotCache, AFullCacheAdmitsOnlySongsHotterThanItsColdest) {
  redis_server server;
  fixture f(server, 2);
  auto a = f.add_song(1), b = f.add_song(2), c = f.add_song(3), d = f.add_song(4);
  f.play(a, 10);
  ASSERT_TRUE(f.wait_cached(a));
  f.play(b, 5);
  ASSERT_TRUE(f.wait_cached(b));
  // The long tail: a song that just reaches the threshold does not push out hotter ones.
  f.play(c, 2);
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(f.cached(c));
  EXPECT_TRUE(f.cached(a));
  EXPECT_TRUE(f.cached(b));
  // A song hotter than the coldest (b, 5 plays) replaces it.
  f.play(d, 6);
  ASSERT_TRUE(f.wait_cached(d));
  EXPECT_FALSE(f.cached(b)) << "the coldest left";
  EXPECT_TRUE(f.cached(a)) << "the hottest stayed";
  EXPECT_EQ(f.redis.command({"EXISTS", "tonearm:hot:chunk:" + b + ":0"})->integer, 0) << "its chunks too";
  EXPECT_EQ(f.tally(), static_cast<long long>(2 * song_bytes));
}

TEST(HotCache, TheFirstHitsSurviveALongTailOfSongsReachingTheThreshold) {
  // The bug this design fixes: eviction by promotion time pushed the earliest (the
  // hottest) songs out as soon as the tail crossed the threshold, for a whole window.
  redis_server server;
  fixture f(server, 3);
  std::vector<std::string> hits{f.add_song(0), f.add_song(1), f.add_song(2)};
  for (const auto& h : hits) {
    f.play(h, 8);
    ASSERT_TRUE(f.wait_cached(h));
  }
  for (int n = 10; n < 30; ++n) f.play(f.add_song(n), 2);
  std::this_thread::sleep_for(500ms);
  for (const auto& h : hits) EXPECT_TRUE(f.cached(h));
  EXPECT_EQ(f.redis.command({"ZCARD", "tonearm:hot:index"})->integer, 3);
}

TEST(HotCache, TheSweepDropsExpiredSongsAndRenewsHotOnes) {
  redis_server server;
  fixture f(server, 4);
  auto cold = f.add_song(1), warm = f.add_song(2);
  f.play(cold, 2);
  f.play(warm, 4);
  ASSERT_TRUE(f.wait_cached(cold));
  ASSERT_TRUE(f.wait_cached(warm));
  // `cold` outlived its TTL; `warm` has less than half its TTL left.
  f.redis.command({"DEL", "tonearm:hot:meta:" + cold});
  f.redis.command({"EXPIRE", "tonearm:hot:meta:" + warm, "10"});
  f.redis.command({"EXPIRE", "tonearm:hot:chunk:" + warm + ":1", "10"});
  EXPECT_EQ(f.hot.sweep(), 1);
  EXPECT_EQ(f.redis.command({"ZSCORE", "tonearm:hot:index", cold})->type, redis_reply::kind::nil);
  EXPECT_EQ(f.redis.command({"EXISTS", "tonearm:hot:chunk:" + cold + ":0", "tonearm:hot:chunk:" + cold + ":1"})->integer, 0);
  EXPECT_EQ(f.redis.command({"HEXISTS", "tonearm:hot:sizes", cold})->integer, 0);
  EXPECT_EQ(f.tally(), static_cast<long long>(song_bytes)) << "the tally follows";
  EXPECT_GT(f.redis.command({"TTL", "tonearm:hot:meta:" + warm})->integer, 30);
  EXPECT_GT(f.redis.command({"TTL", "tonearm:hot:chunk:" + warm + ":1"})->integer, 30);
}

TEST(HotCache, ASongNobodyPlaysCoolsDownAndIsEvictedFirst) {
  redis_server server;
  fixture f(server, 2);
  auto old = f.add_song(1), other = f.add_song(2), fresh = f.add_song(3);
  f.play(old, 10);
  f.play(other, 3);
  ASSERT_TRUE(f.wait_cached(old));
  ASSERT_TRUE(f.wait_cached(other));
  // `old`'s plays fall out of the window: its count hash is gone.
  f.redis.command({"DEL", "tonearm:hot:count:" + old});
  f.hot.sweep();
  EXPECT_EQ(std::stod(f.redis.command({"ZSCORE", "tonearm:hot:index", old})->str), 0.0);
  f.play(fresh, 2);
  ASSERT_TRUE(f.wait_cached(fresh));
  EXPECT_FALSE(f.cached(old)) << "cooled down, so the first to go";
  EXPECT_TRUE(f.cached(other));
}

TEST(HotCache, RedisDownMeansNoPromotionAndNoError) {
  redis_server server;
  fixture f(server, 2);
  auto key = f.add_song(1);
  server.stop();
  f.play(key, 5);
  EXPECT_FALSE(f.hot.sweep());
  EXPECT_FALSE(f.hot.cached_size(key));
  server.start();
  std::this_thread::sleep_for(1200ms);  // the breaker's cooldown
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(f.cached(key)) << "plays Redis never saw promote nothing";
  EXPECT_EQ(f.redis.command({"ZCARD", "tonearm:hot:index"})->integer, 0);
}

TEST(HotCache, ADriftedByteTallyIsCountedAgain) {
  redis_server server;
  fixture f(server, 2);
  auto a = f.add_song(1), b = f.add_song(2);
  f.redis.command({"SET", "tonearm:hot:bytes", "999999999"});  // nothing cached, yet "full"
  f.play(a, 2);
  ASSERT_TRUE(f.wait_cached(a));
  EXPECT_EQ(f.tally(), static_cast<long long>(song_bytes));
  f.redis.command({"SET", "tonearm:hot:bytes", "-5000000"});  // below zero: would disable the cap
  f.play(b, 2);
  ASSERT_TRUE(f.wait_cached(b));
  EXPECT_EQ(f.tally(), static_cast<long long>(2 * song_bytes));
}

}  // namespace
