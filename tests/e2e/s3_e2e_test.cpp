// tonearm with blob_backend=s3 against the S3 server scripts/test starts (OpenStack
// Swift), and through a TCP proxy the test cuts and stalls: a store that refuses us
// stops serve and ingest at start with one line; a store that is gone before a
// response starts is a fast 503, after the head a closed connection (a short body,
// never wrong bytes); a stalled store ends the request within s3_timeout_ms; /readyz
// names the blob store; everything plays again once the store is back.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "test_support.hpp"
#include "tonearm/s3/client.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class S3ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix = "e2e-s3/" + fs::path(blobs.path()).filename().string() + "/";
    auto env = settings(s3.endpoint);
    env["TONEARM_CONFIG"] = "/dev/null";
    env["TONEARM_DATABASE_URL"] = db.url();
    fs::copy_file(fs::path(test_audio_dir()) / "01-Karma-Police.mp3", fs::path(input.path()) / "k.mp3");
    auto r = run_command({tonearm_binary(), "ingest", input.path()}, env);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(fs::is_empty(blobs.path()));
    karma_id = db.query("SELECT id FROM songs LIMIT 1")[0];
  }

  // blob_backend=s3 settings with the store at `endpoint`.
  std::map<std::string, std::string> settings(const std::string& endpoint) const {
    return {{"TONEARM_BLOB_DIR", blobs.path()},
            {"TONEARM_BLOB_BACKEND", "s3"},
            {"TONEARM_S3_ENDPOINT", endpoint},
            {"TONEARM_S3_REGION", s3.region},
            {"TONEARM_S3_BUCKET", s3.bucket},
            {"TONEARM_S3_ACCESS_KEY_ID", s3.access_key_id},
            {"TONEARM_S3_SECRET_ACCESS_KEY", s3.secret_access_key},
            {"TONEARM_S3_PREFIX", prefix},
            {"TONEARM_CHUNK_CACHE_DIR", blobs.path() + "-chunks"}};
  }

  std::map<std::string, std::string> through(const tcp_proxy& proxy, std::map<std::string, std::string> extra = {}) {
    auto s = settings("http://127.0.0.1:" + std::to_string(proxy.port()));
    for (auto& [k, v] : extra) s[k] = v;
    return s;
  }

  // A song of `mib` MiB of random bytes put straight into the bucket; its id.
  std::string big_song(int mib, std::string* bytes) {
    std::string data(static_cast<std::size_t>(mib) << 20, '\0');
    std::mt19937_64 rng(7);
    for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
      auto v = rng();
      std::memcpy(data.data() + i, &v, 8);
    }
    auto file = fs::path(input.path()) / "big.bin";
    std::ofstream(file, std::ios::binary) << data;
    auto key = run_command({"sha256sum", file.string()}, {}).output.substr(0, 64);
    s3::client(s3_client_config(s3)).put_file(prefix + key, file);
    *bytes = std::move(data);
    return db.query("INSERT INTO songs (author_id, title, blob_key, byte_size, mime_type) SELECT id, 'Big', '" + key +
                    "', " + std::to_string(mib << 20) + ", 'audio/mpeg' FROM authors LIMIT 1 RETURNING id")[0];
  }

  std::string stream_url(const std::string& id) const { return "/v1/songs/" + id + "/stream"; }

  s3_server s3 = shared_s3();
  scratch_database db;
  temp_dir input, blobs;
  std::string prefix, karma_id;
};

TEST_F(S3ServeTest, ServeAndIngestRefuseABucketTheyCannotUseWithOneLineNamingIt) {
  auto wrong = settings(s3.endpoint);
  wrong["TONEARM_S3_SECRET_ACCESS_KEY"] = "not-the-secret-" + s3.secret_access_key.substr(0, 8);
  wrong["TONEARM_CONFIG"] = "/dev/null";
  wrong["TONEARM_DATABASE_URL"] = db.url();
  wrong["TONEARM_LISTEN"] = "127.0.0.1:" + std::to_string(free_port());
  auto r = run_command({tonearm_binary(), "serve"}, wrong, 20s);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("SignatureDoesNotMatch"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(wrong["TONEARM_S3_SECRET_ACCESS_KEY"]), std::string::npos) << "no secret in the log";
  r = run_command({tonearm_binary(), "ingest", input.path()}, wrong, 20s);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("SignatureDoesNotMatch"), std::string::npos) << r.output;

  auto missing = wrong;
  missing["TONEARM_S3_SECRET_ACCESS_KEY"] = s3.secret_access_key;
  missing["TONEARM_S3_BUCKET"] = "no-such-bucket-here";
  r = run_command({tonearm_binary(), "serve"}, missing, 20s);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("NoSuchBucket"), std::string::npos) << r.output;

  auto region = missing;
  region["TONEARM_S3_BUCKET"] = s3.bucket;
  region["TONEARM_S3_REGION"] = "eu-nowhere-1";
  r = run_command({tonearm_binary(), "serve"}, region, 20s);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("AuthorizationHeaderMalformed"), std::string::npos) << r.output;
}

TEST_F(S3ServeTest, AStoreGoneBeforeTheResponseStartsIsAFast503AndReadyzNamesIt) {
  tcp_proxy proxy(s3.port);
  server_process srv(db.url(), shared_redis_url(), through(proxy));
  auto ready = srv.get("/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body)["checks"]["blob_store"], "ok");

  proxy.cut();
  auto start = std::chrono::steady_clock::now();
  auto r = srv.get(stream_url(karma_id));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "unavailable");
  ready = srv.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  auto body = json::parse(ready.body);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("blob store unreachable"), std::string::npos) << ready.body;
  EXPECT_EQ(body["error"]["checks"]["blob_store"].get<std::string>().rfind("unreachable: ", 0), 0u) << ready.body;
  EXPECT_EQ(srv.get("/healthz").status, 200);

  proxy.restore();
  r = srv.get(stream_url(karma_id));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), fs::file_size(fs::path(test_audio_dir()) / "01-Karma-Police.mp3"));
  EXPECT_EQ(srv.get("/readyz").status, 200);

  // The store's series: requests, retries (the cut), chunk fetches and cache lookups.
  auto m = srv.get("/metrics").body;
  auto value = [&](const std::string& series) {
    auto at = m.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + series.size() + 2));
  };
  EXPECT_GT(value("tonearm_s3_requests_total"), 2) << m;
  EXPECT_GT(value("tonearm_s3_retries_total"), 0) << m;
  EXPECT_GE(value("tonearm_s3_chunk_fetches_total{why=\"read\"}"), 1) << m;
  EXPECT_GE(value("tonearm_chunk_cache_lookups_total{result=\"miss\"}"), 1) << m;
  EXPECT_GT(value("tonearm_chunk_cache_bytes"), 0) << m;
}

TEST_F(S3ServeTest, AStoreLostMidStreamClosesTheConnectionAndTheNextPlayWorks) {
  std::string data;
  auto id = big_song(32, &data);
  tcp_proxy proxy(s3.port);
  server_process srv(db.url(), shared_redis_url(), through(proxy, {{"TONEARM_S3_CHUNK_BYTES", "262144"}, {"TONEARM_S3_TIMEOUT_MS", "2000"}}));

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int small = 64 * 1024;  // a small receive buffer: the server cannot run far ahead
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(srv.port()));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "GET " + stream_url(id) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[65536];
  while (got.find("\r\n\r\n") == std::string::npos || got.size() < 200000) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  auto head_end = got.find("\r\n\r\n") + 4;
  EXPECT_EQ(got.substr(0, 15), "HTTP/1.1 200 OK");
  proxy.cut();
  // The rest: the server sends what it has and closes; never more, never other bytes.
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, 15000), 0) << "the server neither sent nor closed";
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto body = got.substr(head_end);
  EXPECT_LT(body.size(), data.size()) << "a short body";
  EXPECT_TRUE(body == data.substr(0, body.size())) << "the bytes sent are the song's";

  proxy.restore();
  EXPECT_EQ(srv.get("/healthz").status, 200);
  auto again = srv.get(stream_url(id));
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(again.body == data) << "byte exact once the store is back";
}

TEST_F(S3ServeTest, AStalledStoreEndsTheRequestWithinTheTimeout) {
  tcp_proxy proxy(s3.port);
  server_process srv(db.url(), shared_redis_url(), through(proxy, {{"TONEARM_S3_TIMEOUT_MS", "800"}}));
  proxy.stall();
  auto start = std::chrono::steady_clock::now();
  auto r = srv.get(stream_url(karma_id));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_GE(took, 700ms);
  EXPECT_LT(took, 2500ms);
  proxy.restore();
  EXPECT_EQ(srv.get(stream_url(karma_id)).status, 200);
}

// Switching backends without ingesting again: blobs push copies a local blob
// directory into the bucket (idempotent), blobs check names what is missing.
TEST_F(S3ServeTest, BlobsPushFillsTheBucketAndBlobsCheckNamesWhatIsMissing) {
  temp_dir local_blobs, more;
  fs::copy_file(fs::path(test_audio_dir()) / "24-So-What.flac", fs::path(more.path()) / "s.flac");
  fs::copy_file(fs::path(test_audio_dir()) / "10-Hoppipolla.opus", fs::path(more.path()) / "h.opus");
  // Ingested with the local backend: two songs whose audio is not in the bucket.
  auto r = run_command({tonearm_binary(), "ingest", more.path()},
                       {{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}, {"TONEARM_BLOB_DIR", local_blobs.path()}});
  ASSERT_EQ(r.status, 0) << r.output;
  auto env = settings(s3.endpoint);
  env["TONEARM_CONFIG"] = "/dev/null";
  env["TONEARM_DATABASE_URL"] = db.url();
  auto so_what = db.query("SELECT blob_key FROM songs WHERE title = 'So What'")[0];

  r = run_command({tonearm_binary(), "blobs", "check"}, env);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("blob " + so_what + " missing"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 songs, 2 missing, 0 of another size"), std::string::npos) << r.output;

  r = run_command({tonearm_binary(), "blobs", "push", local_blobs.path()}, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 uploaded, 0 already there, 0 failed"), std::string::npos) << r.output;
  r = run_command({tonearm_binary(), "blobs", "push", local_blobs.path()}, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("0 uploaded, 2 already there, 0 failed"), std::string::npos) << r.output;

  r = run_command({tonearm_binary(), "blobs", "check"}, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("3 songs, 0 missing, 0 of another size"), std::string::npos) << r.output;

  // And they play from the bucket.
  server_process srv(db.url(), shared_redis_url(), settings(s3.endpoint));
  auto id = db.query("SELECT id FROM songs WHERE title = 'So What'")[0];
  auto got = srv.get(stream_url(id));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.size(), fs::file_size(fs::path(test_audio_dir()) / "24-So-What.flac"));

  // Usage errors.
  EXPECT_EQ(run_command({tonearm_binary(), "blobs"}, env).status, 2);
  EXPECT_EQ(run_command({tonearm_binary(), "blobs", "pull"}, env).status, 2);
  auto local = env;
  local["TONEARM_BLOB_BACKEND"] = "local";
  r = run_command({tonearm_binary(), "blobs", "push", local_blobs.path()}, local);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("blob_backend to s3"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tonearm::testing
