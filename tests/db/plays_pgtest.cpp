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
        recorder(counter, hot, 4) {}
  temp_dir dir;
  redis_client redis;
  local_blob_store blobs{dir.path()};
  play_counter counter;
  hot_cache hot;
  play_recorder recorder;
};

TEST(PlayRecorder, QueuedPlaysReachRedisInBatches) {
  redis_server server;
  parts p(parse_redis_url(server.url()), 1000);
  const std::string key(64, 'a');
  int queued = 0;
  for (int i = 0; i < 200; ++i) {
    // A queue of 4: wait for room instead of dropping (the test counts every play).
    while (!p.recorder.enqueue(7, "listener" + std::to_string(i % 3), key)) std::this_thread::sleep_for(1ms);
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
}

TEST(PlayRecorder, StopSendsWhatIsQueued) {
  redis_server server;
  parts p(parse_redis_url(server.url()), 1000);
  for (int i = 0; i < 3; ++i) p.recorder.enqueue(9, "l" + std::to_string(i), std::string(64, 'b'));
  p.recorder.stop();
  EXPECT_EQ(p.redis.command({"HGET", "tonearm:plays:pending", "9"})->str, "3");
  EXPECT_FALSE(p.recorder.enqueue(9, "late", std::string(64, 'b'))) << "stopped";
}

TEST(PlayRecorder, AFullQueueDropsPlaysInsteadOfWaiting) {
  tonearm::testing::silent_server hung;  // Redis stuck: the worker waits on its first batch
  redis_options o;
  o.port = hung.port();
  o.timeout = 2s;
  parts p(o);
  ASSERT_TRUE(p.recorder.enqueue(1, "a", std::string(64, 'c')));
  std::this_thread::sleep_for(100ms);  // the worker took it and waits on Redis
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(p.recorder.enqueue(1, "b", std::string(64, 'c')));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.recorder.enqueue(1, "c", std::string(64, 'c')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms) << "enqueue never waits on Redis";
  EXPECT_EQ(p.recorder.dropped(), 1u);
  EXPECT_FALSE(p.recorder.drain(50ms)) << "still stuck";
}

}  // namespace
