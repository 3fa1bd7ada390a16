// The play recorder against a real Redis: batches reach the counters, the hot cache
// hears about songs crossing the threshold, a full queue drops instead of blocking.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/redis_client.hpp"
#include "tonearm/stream/hot_cache.hpp"
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/play_recorder.hpp"
#include "tonearm/stream/song_directory.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tonearm::store;
using namespace tonearm::stream;
using tonearm::testing::redis_server;
using tonearm::testing::temp_dir;

struct parts {
  explicit parts(redis_options o, std::int64_t threshold = 2)
      : redis(std::move(o)), counter(redis, std::chrono::seconds(0)),
        hot(redis, blobs, hot_cache_options{threshold, std::chrono::seconds(300), 1 << 20, std::chrono::seconds(60)}),
        directory(redis, std::chrono::seconds(3600)), recorder(counter, hot, &directory, 4) {}
  temp_dir dir;
  redis_client redis;
  local_blob_store blobs{dir.path()};
  play_counter counter;
  hot_cache hot;
  song_directory directory;
  play_recorder recorder;
};

TEST(PlayRecorder, QueuedPlaysReachRedisInBatches) {
  redis_server server;
  parts p(parse_redis_url(server.url()), 1000);
  const audio_ref song{std::string(64, 'a'), "audio/mpeg"};
  const std::string& key = song.blob_key;
  int queued = 0;
  for (int i = 0; i < 200; ++i) {
    // A queue of 4: wait for room instead of dropping (the test counts every play).
    while (!p.recorder.enqueue(7, "listener" + std::to_string(i % 3), song)) std::this_thread::sleep_for(1ms);
    ++queued;
  }
  ASSERT_TRUE(p.recorder.drain(5s));
  auto top = p.counter.top(chart_window::hour, 10, std::chrono::system_clock::now());
  ASSERT_TRUE(top);
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ(top->front().first, 7);
  EXPECT_EQ(top->front().second, queued);
  EXPECT_EQ(p.redis.command({"HGET", "tonearm:plays:pending", "7"})->str, std::to_string(queued));
  long long heard = 0;  // plays per window
  auto windows = p.redis.command({"HVALS", "tonearm:hot:count:" + key});
  ASSERT_TRUE(windows);
  for (const auto& v : windows->elements) heard += std::stoll(v.str);
  EXPECT_EQ(heard, queued) << "the hot cache heard";
  auto found = p.directory.find(7);
  ASSERT_TRUE(found) << "the song directory heard";
  EXPECT_EQ(found->blob_key, key);
  EXPECT_EQ(found->mime_type, "audio/mpeg");
  EXPECT_FALSE(p.directory.find(8));
  auto ttl = p.redis.command({"TTL", "tonearm:song:7"})->integer;
  EXPECT_GT(ttl, 3500);
  EXPECT_LE(ttl, 3600);
}

TEST(SongDirectory, OffMalformedOrRedisGoneIsNotFound) {
  redis_server server;
  redis_client redis(parse_redis_url(server.url()));
  const audio_ref ref{std::string(64, 'd'), "audio/mpeg"};
  song_directory off(redis, std::chrono::seconds(0));
  EXPECT_TRUE(off.remember_many({{5, ref}}));
  EXPECT_FALSE(off.find(5));
  EXPECT_EQ(redis.command({"EXISTS", "tonearm:song:5"})->integer, 0) << "off writes nothing";

  song_directory dir(redis, std::chrono::seconds(60));
  EXPECT_TRUE(dir.remember_many({{5, ref}, {6, audio_ref{std::string(64, 'e'), "audio/flac"}}}));
  EXPECT_EQ(dir.find(5)->blob_key, ref.blob_key);
  EXPECT_EQ(dir.find(6)->mime_type, "audio/flac");
  for (const std::string& bad : std::vector<std::string>{"no newline", "\n" + ref.blob_key, "audio/mpeg\n", "audio/mpeg\n../../../etc/passwd",
                                                  "text/html\n" + ref.blob_key}) {
    redis.command({"SET", "tonearm:song:5", bad});
    EXPECT_FALSE(dir.find(5)) << bad;
  }
  redis.command({"DEL", "tonearm:song:6"});
  redis.command({"HSET", "tonearm:song:6", "a", "b"});  // not a string
  EXPECT_FALSE(dir.find(6));
  server.stop();
  EXPECT_FALSE(dir.find(5));
  EXPECT_FALSE(dir.remember_many({{5, ref}}));
}

TEST(PlayRecorder, StopSendsWhatIsQueued) {
  redis_server server;
  parts p(parse_redis_url(server.url()), 1000);
  for (int i = 0; i < 3; ++i) p.recorder.enqueue(9, "l" + std::to_string(i), audio_ref{std::string(64, 'b'), "audio/flac"});
  p.recorder.stop();
  EXPECT_EQ(p.redis.command({"HGET", "tonearm:plays:pending", "9"})->str, "3");
  EXPECT_FALSE(p.recorder.enqueue(9, "late", audio_ref{std::string(64, 'b'), "audio/flac"})) << "stopped";
}

TEST(PlayRecorder, AFullQueueDropsPlaysInsteadOfWaiting) {
  tonearm::testing::silent_server hung;  // Redis stuck: the worker waits on its first batch
  redis_options o;
  o.port = hung.port();
  o.timeout = 2s;
  parts p(o);
  ASSERT_TRUE(p.recorder.enqueue(1, "a", audio_ref{std::string(64, 'c'), "audio/ogg"}));
  std::this_thread::sleep_for(100ms);  // the worker took it and waits on Redis
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(p.recorder.enqueue(1, "b", audio_ref{std::string(64, 'c'), "audio/ogg"}));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.recorder.enqueue(1, "c", audio_ref{std::string(64, 'c'), "audio/ogg"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms) << "enqueue never waits on Redis";
  EXPECT_EQ(p.recorder.dropped(), 1u);
  EXPECT_FALSE(p.recorder.drain(50ms)) << "still stuck";
}

}  // namespace
