// Streaming over real sockets: range semantics byte-exact, multipart, conditionals,
// HEAD, real clients (curl, ffprobe, ffmpeg), clients that hang up.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ingest_test_audio({"01-Karma-Police.mp3", "10-Hoppipolla.opus", "24-So-What.flac"}, input.path(), db.url(), blobs.path());
    if (testing_s3_backend()) {
      EXPECT_TRUE(fs::is_empty(blobs.path())) << "s3: the audio is in the bucket only";
    }
    karma = file_bytes(fs::path(test_audio_dir()) / "01-Karma-Police.mp3");
    karma_id = db.query("SELECT id FROM songs WHERE title = 'Karma Police'")[0];
    karma_key = db.query("SELECT blob_key FROM songs WHERE title = 'Karma Police'")[0];
    // A Redis of its own: hot-cache entries are keyed by content and would carry over.
    server = std::make_unique<server_process>(db.url(), redis.url(),
                                              std::map<std::string, std::string>{{"TONEARM_BLOB_DIR", blobs.path()}});
  }

  std::string url() const { return "/v1/songs/" + karma_id + "/stream"; }
  std::string full_url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + url(); }
  http_reply get(std::vector<std::pair<std::string, std::string>> headers = {}) {
    return http_request(server->port(), "GET", url(), headers);
  }

  scratch_database db;
  redis_server redis;
  temp_dir input, blobs;
  std::string karma, karma_id, karma_key;
  std::unique_ptr<server_process> server;
};

TEST_F(StreamTest, WholeSongWithCachingHeaders) {
  auto r = get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, karma);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(karma.size()));
  EXPECT_EQ(r.header("Content-Type"), "audio/mpeg");
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r.header("ETag"), "\"" + karma_key + "\"");
  EXPECT_EQ(r.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_FALSE(r.header("Last-Modified").empty());
  EXPECT_EQ(r.header("X-Cache"), "MISS");
}

TEST_F(StreamTest, ClosedRange) {
  auto r = get({{"Range", "bytes=100-199"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Range"), "bytes 100-199/" + std::to_string(karma.size()));
  EXPECT_EQ(r.header("Content-Length"), "100");
  EXPECT_EQ(r.body, karma.substr(100, 100));
}

TEST_F(StreamTest, OpenAndSuffixRangesAndClamping) {
  auto open = get({{"Range", "bytes=1000-"}});
  EXPECT_EQ(open.status, 206);
  EXPECT_EQ(open.body, karma.substr(1000));
  auto suffix = get({{"Range", "bytes=-500"}});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, karma.substr(karma.size() - 500));
  auto clamped = get({{"Range", "bytes=" + std::to_string(karma.size() - 10) + "-99999999"}});
  EXPECT_EQ(clamped.status, 206);
  EXPECT_EQ(clamped.body, karma.substr(karma.size() - 10));
}

TEST_F(StreamTest, UnsatisfiableRangeIs416WithTheSize) {
  auto r = get({{"Range", "bytes=" + std::to_string(karma.size()) + "-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */" + std::to_string(karma.size()));
  EXPECT_NE(r.body.find("range_not_satisfiable"), std::string::npos);
}

TEST_F(StreamTest, MalformedOrForeignRangeIsIgnored) {
  for (const char* range : {"bytes=abc", "items=0-10", "bytes=10-5", "bytes=0-999999999999999999999"}) {
    auto r = get({{"Range", range}});
    EXPECT_EQ(r.status, 200) << range;
    EXPECT_EQ(r.body.size(), karma.size()) << range;
  }
}

TEST_F(StreamTest, SeveralRangesAreMultipart) {
  auto r = get({{"Range", "bytes=0-9,500-509"}});
  ASSERT_EQ(r.status, 206);
  auto type = r.header("Content-Type");
  ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << type;
  std::string boundary = type.substr(type.find('=') + 1);
  std::string size = std::to_string(karma.size());
  std::string expected = "\r\n--" + boundary + "\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 0-9/" + size +
                         "\r\n\r\n" + karma.substr(0, 10) + "\r\n--" + boundary +
                         "\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 500-509/" + size + "\r\n\r\n" +
                         karma.substr(500, 10) + "\r\n--" + boundary + "--\r\n";
  EXPECT_EQ(r.body, expected);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(expected.size()));
}

TEST_F(StreamTest, OverlappingRangesAskingForMoreThanTheFileGetTheFileOnce) {
  auto r = get({{"Range", "bytes=0-,0-,0-"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), karma.size());
}

TEST_F(StreamTest, IfRangeWithTheCurrentEtagHonoursTheRange) {
  auto etag = get().header("ETag");
  EXPECT_EQ(get({{"Range", "bytes=0-9"}, {"If-Range", etag}}).status, 206);
  auto stale = get({{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body.size(), karma.size());
  auto date = get().header("Last-Modified");
  EXPECT_EQ(get({{"Range", "bytes=0-9"}, {"If-Range", date}}).status, 206);
}

TEST_F(StreamTest, ConditionalGetsAre304) {
  auto first = get();
  auto etag = first.header("ETag");
  auto r = get({{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("ETag"), etag);
  EXPECT_EQ(get({{"If-Modified-Since", first.header("Last-Modified")}}).status, 304);
  EXPECT_EQ(get({{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(StreamTest, HeadHasTheHeadersAndNoBody) {
  http_connection c(server->port());
  c.send_request("HEAD", url(), {{"Range", "bytes=0-99"}});
  auto r = c.read_reply(true);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Length"), "100");
  c.send_request("GET", "/healthz");  // no stray body bytes before the next response
  EXPECT_EQ(c.read_reply().status, 200);
}

TEST_F(StreamTest, ContentTypePerFormat) {
  auto id = db.query("SELECT id FROM songs WHERE title = 'So What'")[0];
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/songs/" + id + "/stream").header("Content-Type"), "audio/flac");
  auto opus = db.query("SELECT id FROM songs WHERE title = 'Hoppípolla'")[0];
  EXPECT_EQ(http_request(server->port(), "HEAD", "/v1/songs/" + opus + "/stream").header("Content-Type"),
            "audio/ogg; codecs=opus");
}

TEST_F(StreamTest, UnknownAndMalformedIds) {
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/songs/999999/stream").status, 404);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/songs/x/stream").status, 400);
}

TEST_F(StreamTest, MissingBlobIs500AndLoggedNotACrash) {
  remove_test_blob(blobs.path(), karma_key);
  auto r = get();
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("unavailable"), std::string::npos);
  EXPECT_EQ(http_request(server->port(), "GET", "/healthz").status, 200);
  ASSERT_EQ(server->terminate(), 0);
  EXPECT_NE(server->process().output().find("audio missing from the blob store"), std::string::npos);
}

TEST_F(StreamTest, PostgresGoneSongsPlayedLatelyStillPlayAndTheRestRecover) {
  // tonearm reaches PostgreSQL through a proxy that the test cuts: a database restart.
  auto pg_port = std::stoi(db.url().substr(db.url().rfind(':') + 1));
  tcp_proxy pg(pg_port);
  server_process s(with_port(db.url(), pg.port()), redis.url(),
                   {{"TONEARM_BLOB_DIR", blobs.path()}, {"TONEARM_DB_TIMEOUT_MS", "1000"}});
  auto stream_url = [&](const std::string& title) {
    return "/v1/songs/" + db.query("SELECT id FROM songs WHERE title = '" + title + "'")[0] + "/stream";
  };
  auto so_what = stream_url("So What"), hoppipolla = stream_url("Hoppípolla");
  auto so_what_bytes = file_bytes(fs::path(test_audio_dir()) / "24-So-What.flac");
  ASSERT_EQ(http_request(s.port(), "GET", url()).status, 200);  // resolved by this server
  // So What is played on another server only: the song directory in Redis learns it.
  auto directory_has = [&](const std::string& stream) {
    auto id = stream.substr(10, stream.size() - 17);
    return run_command({"redis-cli", "-p", std::to_string(redis.port()), "EXISTS", "tonearm:song:" + id}, {})
               .output.find('1') != std::string::npos;
  };
  ASSERT_EQ(http_request(server->port(), "GET", so_what).status, 200);
  for (int i = 0; i < 50 && !directory_has(so_what); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(directory_has(so_what));
  EXPECT_FALSE(directory_has(hoppipolla));

  pg.cut();
  auto whole = http_request(s.port(), "GET", url());
  EXPECT_EQ(whole.status, 200) << whole.body;
  EXPECT_TRUE(whole.body == karma);
  auto seek = http_request(s.port(), "GET", url(), {{"Range", "bytes=100000-"}});
  EXPECT_EQ(seek.status, 206);
  EXPECT_TRUE(seek.body == karma.substr(100000));
  auto elsewhere = http_request(s.port(), "GET", so_what);
  EXPECT_EQ(elsewhere.status, 200) << "found in the song directory: " << elsewhere.body;
  EXPECT_EQ(elsewhere.header("Content-Type"), "audio/flac");
  EXPECT_TRUE(elsewhere.body == so_what_bytes);
  EXPECT_NE(s.process().output().find("found in the song directory while PostgreSQL is unavailable"),
            std::string::npos);
  // A song nobody played lately needs the database: a clear 503, not a hang.
  auto unknown = http_request(s.port(), "GET", hoppipolla);
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  EXPECT_NE(unknown.body.find("\"code\":\"unavailable\""), std::string::npos) << unknown.body;
  pg.restore();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i, std::this_thread::sleep_for(100ms))
    status = http_request(s.port(), "GET", hoppipolla).status;
  EXPECT_EQ(status, 200) << "the pool reconnects once the database is back";
  ASSERT_EQ(s.terminate(), 0);
}

TEST_F(StreamTest, ClientHangingUpMidStreamLeavesTheServerFine) {
  for (int i = 0; i < 20; ++i) {
    http_connection c(server->port());
    c.send_request("GET", url());
    c.close();  // before reading anything
  }
  auto r = get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, karma);
  ASSERT_EQ(server->terminate(), 0);
  EXPECT_EQ(server->process().output().find("error"), std::string::npos) << "hang-ups are not errors";
}

// A blob of `mib` MiB of random bytes stored directly (no tags to read) and a song row
// for it; returns the song id.
std::string big_song(scratch_database& db, const std::string& blob_dir, int mib, std::string* bytes) {
  std::string data(static_cast<std::size_t>(mib) << 20, '\0');
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
    auto v = rng();
    std::memcpy(data.data() + i, &v, 8);
  }
  auto tmp = blob_dir + "-big.tmp";  // not in blob_dir: with s3 it stays empty
  std::ofstream(tmp, std::ios::binary) << data;
  auto sum = run_command({"sha256sum", tmp}, {});
  auto key = sum.output.substr(0, 64);
  store_test_blob(blob_dir, key, tmp);
  if (bytes) *bytes = std::move(data);
  return db.query("INSERT INTO songs (author_id, title, blob_key, byte_size, mime_type) "
                  "SELECT id, 'Big', '" + key + "', " + std::to_string(mib << 20) +
                  ", 'audio/mpeg' FROM authors LIMIT 1 RETURNING id")[0];
}

TEST_F(StreamTest, StalledReaderIsDroppedAfterTheWriteTimeout) {
  auto id = big_song(db, blobs.path(), 64, nullptr);  // far more than the socket buffers hold
  server_process slow(db.url(), redis.url(),
                      {{"TONEARM_BLOB_DIR", blobs.path()}, {"TONEARM_WRITE_TIMEOUT_MS", "300"}, {"TONEARM_LOG_LEVEL", "debug"}});
  http_connection c(slow.port());
  c.send_request("GET", "/v1/songs/" + id + "/stream");
  std::this_thread::sleep_for(2s);  // read nothing: the server's writes stall
  // Had the server waited, reading now would drain all 64 MiB and find the connection
  // still open (keep-alive); it was dropped, so we reach the end of the stream.
  EXPECT_TRUE(c.closed_by_peer(10s));
  EXPECT_EQ(http_request(slow.port(), "GET", "/healthz").status, 200);
  ASSERT_EQ(slow.terminate(), 0);
  auto log = slow.process().output();
  EXPECT_EQ(log.find(" error "), std::string::npos) << "a stalled client is not an error";
  // One line at debug level says why the connection went.
  auto dropped = log.find("dropped: it took no byte for 300 ms");
  EXPECT_NE(dropped, std::string::npos) << log;
  EXPECT_EQ(log.find("dropped: it took no byte", dropped + 1), std::string::npos) << "logged twice";
  // Its access line is there all the same, with the bytes it got before the drop.
  auto line = log.find("target=\"/v1/songs/" + id + "/stream\"");
  ASSERT_NE(line, std::string::npos) << log;
  auto bytes_at = log.find(" bytes=", line);
  ASSERT_NE(bytes_at, std::string::npos);
  auto sent = std::stoull(log.substr(bytes_at + 7));
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 64ull << 20);
}

// Admission (issue 22): with max_streams playing, the next play gets a fast 503 with
// Retry-After before anything is counted, the streams already playing finish whole,
// the rest of the API is answered, and once a stream ends a new play is admitted.
TEST_F(StreamTest, PlaysBeyondMaxStreamsGetAFast503WhilePlayingStreamsFinish) {
  std::string data;
  auto id = big_song(db, blobs.path(), 8, &data);  // more than the socket buffers hold
  auto target = "/v1/songs/" + id + "/stream";
  server_process srv(db.url(), redis.url(), {{"TONEARM_BLOB_DIR", blobs.path()}, {"TONEARM_MAX_STREAMS", "2"}});
  // Two listeners whose streams are under way: they read nothing yet, so the server's
  // writes wait on full sockets.
  http_connection first(srv.port()), second(srv.port());
  first.send_request("GET", target);
  second.send_request("GET", target);
  std::this_thread::sleep_for(500ms);
  auto asked = std::chrono::steady_clock::now();
  auto refused = http_request(srv.port(), "GET", target);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s) << "refused fast";
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("Retry-After"), "5");
  EXPECT_EQ(nlohmann::json::parse(refused.body)["error"]["code"], "overloaded");
  EXPECT_EQ(http_request(srv.port(), "HEAD", target).status, 200) << "HEAD streams nothing";
  EXPECT_EQ(http_request(srv.port(), "GET", "/v1/songs/" + id).status, 200) << "the rest of the API";
  auto whole = first.read_reply(false, 20s);
  EXPECT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == data) << whole.body.size() << " bytes";
  // One stream ended: a play is admitted again.
  EXPECT_EQ(http_request(srv.port(), "GET", target, {{"Range", "bytes=0-99"}}).status, 206);
  auto other = second.read_reply(false, 20s);
  EXPECT_TRUE(other.body == data) << other.body.size() << " bytes";
  EXPECT_NE(srv.process().output().find("status=503"), std::string::npos);
}

TEST_F(StreamTest, BigBodiesAreByteExactWithAndWithoutSendfile) {
  std::string data;
  auto id = big_song(db, blobs.path(), 8, &data);
  auto target = "/v1/songs/" + id + "/stream";
  server_process copying(db.url(), redis.url(), {{"TONEARM_BLOB_DIR", blobs.path()}, {"TONEARM_SENDFILE", "false"}});
  for (int port : {server->port(), copying.port()}) {
    auto whole = http_request(port, "GET", target);
    EXPECT_EQ(whole.status, 200);
    EXPECT_TRUE(whole.body == data) << "port " << port;
    auto part = http_request(port, "GET", target, {{"Range", "bytes=3000000-7999999"}});
    EXPECT_EQ(part.status, 206);
    EXPECT_TRUE(part.body == data.substr(3000000, 5000000)) << "port " << port;
    auto multi = http_request(port, "GET", target, {{"Range", "bytes=0-9,-10"}});
    EXPECT_EQ(multi.status, 206);
    EXPECT_NE(multi.body.find(data.substr(data.size() - 10)), std::string::npos);
  }
}

TEST_F(StreamTest, CurlFetchesARange) {
  auto r = run_command({"curl", "-s", "-r", "0-99", "-o", input.path() + "/part", full_url()}, {});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(file_bytes(input.path() + "/part"), karma.substr(0, 100));
}

TEST_F(StreamTest, FfprobeReadsTheStream) {
  auto r = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", full_url()}, {});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NEAR(std::stod(r.output), 40.0, 0.5);
}

TEST_F(StreamTest, FfmpegSeeksToTheMiddleWithRangeRequests) {
  // Ogg demuxers seek by bisecting byte offsets: each probe is a Range request.
  auto id = db.query("SELECT id FROM songs WHERE title = 'Hoppípolla'")[0];
  auto size = std::stoull(db.query("SELECT byte_size FROM songs WHERE title = 'Hoppípolla'")[0]);
  auto target = "http://127.0.0.1:" + std::to_string(server->port()) + "/v1/songs/" + id + "/stream";
  auto r = run_command({"ffmpeg", "-v", "error", "-ss", "15", "-i", target, "-t", "2", "-f", "null", "-"}, {});
  EXPECT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(server->terminate(), 0);
  auto log = server->process().output();
  bool mid_file = false;
  for (auto pos = log.find("range=\"bytes="); pos != std::string::npos; pos = log.find("range=\"bytes=", pos + 1)) {
    auto start = std::stoull(log.substr(pos + 13));
    auto line_end = log.find('\n', pos);
    bool ok = log.substr(pos, line_end - pos).find("status=206") != std::string::npos;
    if (ok && start > size / 5 && start < size * 4 / 5) mid_file = true;
  }
  EXPECT_TRUE(mid_file) << log;
}

}  // namespace
}  // namespace tonearm::testing
