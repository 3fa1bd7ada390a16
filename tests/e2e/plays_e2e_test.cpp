// Play counting, persistence, charts, and streaming while Redis is gone.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

class PlaysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ingest_test_audio({"01-Karma-Police.mp3", "06-Joga.mp3", "14-Smells-Like-Teen-Spirit.mp3"}, input.path(), db.url(), blobs.path());
    karma = db.query("SELECT id FROM songs WHERE title = 'Karma Police'")[0];
    joga = db.query("SELECT id FROM songs WHERE title = 'Jóga'")[0];
    start();
  }
  void TearDown() override {
    if (HasFailure() && server) std::cerr << "server running: " << server->process().running() << "; output:\n" << server->process().output() << "\n";
  }
  void start(std::map<std::string, std::string> extra = {}) {
    for (auto& [k, v] : blob_backend_settings(blobs.path())) extra.emplace(k, v);
    extra.emplace("TONEARM_PLAY_FLUSH_SECONDS", "3600");  // only the shutdown flush, unless a test says otherwise
    server = std::make_unique<server_process>(db.url(), redis.url(), extra);
  }
  http_reply play(const std::string& id, std::vector<std::pair<std::string, std::string>> headers = {}) {
    return http_request(server->port(), "GET", "/v1/songs/" + id + "/stream", headers);
  }
  std::string plays_in_db(const std::string& id) { return db.query("SELECT play_count FROM songs WHERE id = " + id)[0]; }

  scratch_database db;
  redis_server redis;
  temp_dir input, blobs;
  std::string karma, joga;
  std::unique_ptr<server_process> server;
};

TEST_F(PlaysTest, PlaysAreCountedDeduplicatedAndSurviveARestart) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(play(karma).status, 200);                    // one listener: 1
  ASSERT_EQ(play(karma, {{"User-Agent", "another-player"}}).status, 200);            // another: 2
  ASSERT_EQ(play(karma, {{"Range", "bytes=5000-"}}).status, 206);                     // a seek: not a play
  ASSERT_EQ(play(joga, {{"Range", "bytes=0-"}}).status, 206);                         // a start by range: 1
  EXPECT_EQ(http_request(server->port(), "HEAD", "/v1/songs/" + karma + "/stream").status, 200);  // not a play
  ASSERT_EQ(server->terminate(), 0);  // flushes
  EXPECT_EQ(plays_in_db(karma), "2");
  EXPECT_EQ(plays_in_db(joga), "1");
  EXPECT_EQ(db.query("SELECT play_count FROM authors WHERE name = 'Radiohead'")[0], "2");
  start();
  EXPECT_EQ(json::parse(http_request(server->port(), "GET", "/v1/songs/" + karma).body)["play_count"], 2);
}

TEST_F(PlaysTest, DeduplicationCanBeTurnedOff) {
  server->terminate();
  start({{"TONEARM_PLAY_DEDUP_SECONDS", "0"}});
  for (int i = 0; i < 3; ++i) play(karma);
  ASSERT_EQ(server->terminate(), 0);
  EXPECT_EQ(plays_in_db(karma), "3");
}

TEST_F(PlaysTest, PeriodicFlushReachesPostgres) {
  server->terminate();
  start({{"TONEARM_PLAY_FLUSH_SECONDS", "1"}});
  play(karma);
  std::string n;
  for (int i = 0; i < 50 && n != "1"; ++i) {
    std::this_thread::sleep_for(100ms);
    n = plays_in_db(karma);
  }
  EXPECT_EQ(n, "1");
}

// What a client behind an edge cache does (its streams seldom reach an instance): it
// reports the play. The same listener streaming from byte 0 and reporting counts once.
TEST_F(PlaysTest, ReportedPlaysCountLikeStreamStartsOncePerListener) {
  auto report = [&](const std::string& id, std::vector<std::pair<std::string, std::string>> headers = {},
                    const std::string& body = "") {
    return http_request(server->port(), "POST", "/v1/songs/" + id + "/plays", headers, body);
  };
  auto first = report(karma);
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(json::parse(first.body), json({{"song_id", std::stoll(karma)}, {"queued", true}}));
  EXPECT_EQ(first.header("Cache-Control"), "no-store");
  EXPECT_EQ(report(karma).status, 202);                                   // a repeat: still one
  ASSERT_EQ(play(karma).status, 200);                                      // and its stream: one
  EXPECT_EQ(report(karma, {{"User-Agent", "another-player"}}).status, 202);  // another listener: 2
  EXPECT_EQ(report(joga, {{"Content-Type", "application/json"}}, R"({"source":"album"})").status, 202);
  // Bad input, not counted.
  EXPECT_EQ(report("999999").status, 404);
  EXPECT_EQ(report("abc").status, 400);
  auto not_object = report(joga, {{"Content-Type", "application/json"}, {"User-Agent", "bad"}}, "[1]");
  EXPECT_EQ(not_object.status, 400) << not_object.body;
  EXPECT_EQ(report(joga, {{"Content-Type", "text/plain"}, {"User-Agent", "bad"}}, "played").status, 415);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/songs/" + karma + "/plays").status, 405);

  auto chart = json::parse(http_request(server->port(), "GET", "/v1/charts/top?window=hour").body);
  ASSERT_EQ(chart["items"].size(), 2u) << chart.dump();
  EXPECT_EQ(chart["items"][0]["song"]["title"], "Karma Police");
  EXPECT_EQ(chart["items"][0]["plays"], 2);
  EXPECT_EQ(chart["items"][1]["plays"], 1);
  ASSERT_EQ(server->terminate(), 0);  // flushes
  EXPECT_EQ(plays_in_db(karma), "2");
  EXPECT_EQ(plays_in_db(joga), "1");
}

TEST_F(PlaysTest, ChartsListTheMostPlayed) {
  play(joga);
  play(karma);
  play(karma, {{"User-Agent", "b"}});
  play(karma, {{"User-Agent", "c"}});
  auto r = http_request(server->port(), "GET", "/v1/charts/top?window=hour&limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["window"], "hour");
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["rank"], 1);
  EXPECT_EQ(body["items"][0]["plays"], 3);
  EXPECT_EQ(body["items"][0]["song"]["title"], "Karma Police");
  EXPECT_EQ(body["items"][1]["song"]["title"], "Jóga");
  for (const char* w : {"day", "week"})
    EXPECT_EQ(json::parse(http_request(server->port(), "GET", std::string("/v1/charts/top?window=") + w).body)["items"].size(), 2u);
}

TEST_F(PlaysTest, ChartsRejectBadParameters) {
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/charts/top?window=year").status, 400);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/charts/top?limit=0").status, 400);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/charts/top?limit=abc").status, 400);
}

TEST_F(PlaysTest, RedisGoneMidTestStreamsStillSucceed) {
  ASSERT_EQ(play(karma).status, 200);
  redis.stop();
  for (int i = 0; i < 20; ++i) {
    auto r = play(i % 2 ? karma : joga, {{"Range", "bytes=0-1023"}});
    ASSERT_EQ(r.status, 206);
    EXPECT_EQ(r.body.size(), 1024u);
  }
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/charts/top").status, 503);
  redis.start();  // counts made while it was down are lost, playback never was
}

// ---- hot songs ----

class HotSongsTest : public PlaysTest {
 protected:
  void SetUp() override {
    PlaysTest::SetUp();
    server->terminate();
    karma_bytes = file("01-Karma-Police.mp3");
    joga_bytes = file("06-Joga.mp3");
  }
  static std::string file(const std::string& name) {
    std::ifstream in(fs::path(test_audio_dir()) / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void start_hot(std::map<std::string, std::string> extra = {}) {
    extra.emplace("TONEARM_HOT_THRESHOLD", "3");
    extra.emplace("TONEARM_PLAY_DEDUP_SECONDS", "0");
    start(extra);
  }
  // Plays `id` until the threshold is crossed, then waits for the promotion.
  void make_hot(const std::string& id) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(play(id).status, 200);
    for (int i = 0; i < 40; ++i) {
      if (play(id, {{"Range", "bytes=10-19"}}).header("X-Cache") == "HIT") return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "song " << id << " was not promoted within 2 s";
  }
  std::string redis_cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"redis-cli", "-p", std::to_string(redis.port())});
    return run_command(args, {}).output;
  }

  std::string karma_bytes, joga_bytes;
};

TEST_F(HotSongsTest, ASongPlayedOftenIsServedFromRedisByteExact) {
  start_hot();
  EXPECT_EQ(play(karma).header("X-Cache"), "MISS");
  make_hot(karma);
  auto full = play(karma);
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(full.header("X-Cache"), "HIT");
  EXPECT_EQ(full.body, karma_bytes);
  auto range = play(karma, {{"Range", "bytes=100000-400000"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, karma_bytes.substr(100000, 300001));
  auto tail = play(karma, {{"Range", "bytes=-70000"}});
  EXPECT_EQ(tail.body, karma_bytes.substr(karma_bytes.size() - 70000));
  auto multi = play(karma, {{"Range", "bytes=0-9,262140-262150"}});
  EXPECT_EQ(multi.status, 206);
  EXPECT_NE(multi.body.find(karma_bytes.substr(262140, 11)), std::string::npos) << "across a chunk boundary";
  EXPECT_EQ(play(joga).header("X-Cache"), "MISS") << "only the hot song";
}

// A player reads at the pace of the music, so the server's writes wait on a full
// socket for most of a song: that is progress, not a stall (issue 22: paced listeners
// were cut after write_timeout). With a write_timeout far shorter than the song, both
// paths (the blob store with sendfile, the hot cache from Redis) deliver every byte.
TEST_F(HotSongsTest, PacedListenersGetEveryByteFromTheBlobStoreAndTheHotCache) {
  start_hot({{"TONEARM_WRITE_TIMEOUT_MS", "250"}});
  make_hot(karma);
  paced_reply from_blob, from_redis;
  std::thread blob_listener(
      [&] { from_blob = paced_get(server->port(), "/v1/songs/" + joga + "/stream", 80000, 8192); });
  std::thread hot_listener(
      [&] { from_redis = paced_get(server->port(), "/v1/songs/" + karma + "/stream", 80000, 8192); });
  blob_listener.join();
  hot_listener.join();
  for (auto* r : {&from_blob, &from_redis}) {
    EXPECT_EQ(r->status, 200);
    EXPECT_GT(r->elapsed, 10 * 250ms) << "the response lasted many write timeouts";
  }
  EXPECT_TRUE(from_blob.body == joga_bytes)
      << "blob store: " << from_blob.body.size() << " of " << joga_bytes.size() << " bytes in " << from_blob.elapsed.count() << " ms";
  EXPECT_TRUE(from_redis.body == karma_bytes)
      << "hot cache: " << from_redis.body.size() << " of " << karma_bytes.size() << " bytes in " << from_redis.elapsed.count() << " ms";
}

TEST_F(HotSongsTest, WithoutChunkMemoryPiecesComeStraightFromRedis) {
  start_hot({{"TONEARM_HOT_LOCAL_BYTES", "0"}});
  make_hot(karma);
  auto full = play(karma);
  EXPECT_EQ(full.header("X-Cache"), "HIT");
  EXPECT_EQ(full.body, karma_bytes);
  auto range = play(karma, {{"Range", "bytes=262000-600000"}});
  EXPECT_EQ(range.body, karma_bytes.substr(262000, 338001)) << "across chunk boundaries";
}

TEST_F(HotSongsTest, RedisStoppedAHotSongStillStreamsFromTheBlobStore) {
  start_hot();
  make_hot(karma);
  redis.stop();
  for (int i = 0; i < 3; ++i) {  // the first within a second may start as a HIT and fall back
    auto r = play(karma);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, karma_bytes);
  }
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(play(karma).header("X-Cache"), "MISS");
  redis.start();
}

TEST_F(HotSongsTest, AChunkVanishingMidStreamFallsBackToTheBlob) {
  start_hot();
  make_hot(karma);
  auto key = db.query("SELECT blob_key FROM songs WHERE id = " + karma)[0];
  redis_cli({"DEL", "tonearm:hot:chunk:" + key + ":1"});  // bytes 256 KiB..512 KiB
  auto r = play(karma);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, karma_bytes);
}

TEST_F(HotSongsTest, TheMemoryCapEvictsTheColdestSong) {
  // Room for one of the two songs only.
  auto cap = std::max(karma_bytes.size(), joga_bytes.size()) + 1000;
  start_hot({{"TONEARM_HOT_MAX_BYTES", std::to_string(cap)}});
  make_hot(karma);
  make_hot(joga);
  EXPECT_EQ(play(joga).header("X-Cache"), "HIT");
  EXPECT_EQ(play(karma, {{"Range", "bytes=0-9"}}).header("X-Cache"), "MISS");
  EXPECT_LE(std::stoull(redis_cli({"GET", "tonearm:hot:bytes"})), cap);
}

}  // namespace
}  // namespace tonearm::testing
