// The server over real sockets against real PostgreSQL and Redis: probes, errors,
// limits, timeouts, keep-alive, request ids, graceful shutdown, command line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <fstream>
#include <thread>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  scratch_database db;
};

TEST_F(ServerTest, HealthzAnswersOkJson) {
  server_process srv(db.url(), shared_redis_url());
  auto r = srv.get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
}

TEST_F(ServerTest, ReadyzIsReadyWhenPostgresAndRedisAreUp) {
  server_process srv(db.url(), shared_redis_url());
  auto r = srv.get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["checks"]["postgres"], "ok");
  EXPECT_EQ(body["checks"]["redis"], "ok");
  EXPECT_EQ(body["checks"]["blob_store"], "ok");
}

TEST_F(ServerTest, ReadyzIs503NamingRedisWhenRedisIsStopped) {
  redis_server redis;
  server_process srv(db.url(), redis.url());
  ASSERT_EQ(srv.get("/readyz").status, 200);
  redis.stop();
  auto r = srv.get("/readyz");
  EXPECT_EQ(r.status, 503);
  auto body = json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], "unavailable");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("redis"), std::string::npos);
  EXPECT_EQ(body["error"]["checks"]["postgres"], "ok");
  EXPECT_NE(body["error"]["checks"]["redis"], "ok");
  // healthz stays 200: the process is alive, only a dependency is not.
  EXPECT_EQ(srv.get("/healthz").status, 200);
}

TEST_F(ServerTest, ReadyzRecoversWhenRedisComesBack) {
  redis_server redis;
  server_process srv(db.url(), redis.url());
  redis.stop();
  ASSERT_EQ(srv.get("/readyz").status, 503);
  redis.start();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {  // breaker cool-down is 1 s
    std::this_thread::sleep_for(100ms);
    status = srv.get("/readyz").status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, ReadyzIs503NamingPostgresWhenTheDatabaseIsGone) {
  scratch_database doomed;
  server_process srv(doomed.url(), shared_redis_url());
  ASSERT_EQ(srv.get("/readyz").status, 200);
  scratch_database::admin_query("DROP DATABASE " + doomed.name() + " WITH (FORCE)");
  auto r = srv.get("/readyz");
  EXPECT_EQ(r.status, 503);
  auto body = json::parse(r.body);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("postgres"), std::string::npos);
  EXPECT_EQ(body["error"]["checks"]["redis"], "ok");
}

TEST_F(ServerTest, UnknownPathIs404Json) {
  server_process srv(db.url(), shared_redis_url());
  auto r = srv.get("/no/such/thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_found");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  server_process srv(db.url(), shared_redis_url());
  auto r = http_request(srv.port(), "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "method_not_allowed");
}

TEST_F(ServerTest, HeadAnswersHeadersWithoutBody) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  c.send_request("HEAD", "/healthz");
  auto r = c.read_reply(/*head_request=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "16");
  // The next response on the connection starts right away: no stray body bytes.
  c.send_request("GET", "/healthz");
  EXPECT_EQ(c.read_reply().status, 200);
}

TEST_F(ServerTest, OpenApiDocumentIsServedAsWrittenAndRevalidatedByItsETag) {
  server_process srv(db.url(), shared_redis_url());
  auto r = srv.get("/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  std::ifstream file(std::string(TONEARM_SOURCE_DIR) + "/docs/openapi.json");
  ASSERT_TRUE(file) << "docs/openapi.json";
  auto written = json::parse(file);
  auto served = json::parse(r.body);
  EXPECT_EQ(served, written) << "the binary embeds an older docs/openapi.json: rebuild";
  EXPECT_EQ(served["openapi"], "3.1.0");

  auto etag = r.header("ETag");
  ASSERT_FALSE(etag.empty());
  http_connection c(srv.port());
  c.send_request("GET", "/v1/openapi.json", {{"If-None-Match", "\"other\", " + etag}});
  auto again = c.read_reply();
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.header("ETag"), etag);
  EXPECT_TRUE(again.body.empty());
  c.send_request("GET", "/v1/openapi.json", {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(c.read_reply().status, 200);
  c.send_request("HEAD", "/v1/openapi.json");
  auto head = c.read_reply(/*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(r.body.size()));
}

TEST_F(ServerTest, HeaderOf64KiBIs431) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  c.send_request("GET", "/healthz", {{"X-Big", std::string(64 * 1024, 'a')}});
  auto r = c.read_reply();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "header_too_large");
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_MAX_BODY_BYTES", "1024"}});
  http_connection c(srv.port());
  c.send_request("POST", "/healthz", {}, std::string(4096, 'x'));
  auto r = c.read_reply();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "payload_too_large");
}

TEST_F(ServerTest, MalformedRequestIs400) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  c.send_raw("GARBAGE\r\n\r\n");
  auto r = c.read_reply();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "bad_request");
}

TEST_F(ServerTest, HalfHeaderThenSilenceIsDisconnectedByTheHeaderTimeout) {
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_HEADER_TIMEOUT_MS", "300"}});
  http_connection c(srv.port());
  c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST_F(ServerTest, SilentConnectionIsDisconnected) {
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_HEADER_TIMEOUT_MS", "300"}});
  http_connection c(srv.port());
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_IDLE_TIMEOUT_MS", "300"}});
  http_connection c(srv.port());
  c.send_request("GET", "/healthz");
  ASSERT_EQ(c.read_reply().status, 200);
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  for (int i = 0; i < 5; ++i) {
    c.send_request("GET", i % 2 ? "/healthz" : "/readyz");
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "keep-alive");
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  // A slow (worker pool) request first, then fast inline ones, all in one write.
  std::string batch;
  for (const char* id : {"one", "two", "three"})
    batch += std::string("GET ") + (std::string(id) == "one" ? "/readyz" : "/healthz") +
             " HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\n\r\n";
  c.send_raw(batch);
  EXPECT_EQ(c.read_reply().header("X-Request-Id"), "one");
  EXPECT_EQ(c.read_reply().header("X-Request-Id"), "two");
  EXPECT_EQ(c.read_reply().header("X-Request-Id"), "three");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  server_process srv(db.url(), shared_redis_url());
  http_connection c(srv.port());
  c.send_request("GET", "/healthz", {{"Connection", "close"}});
  auto r = c.read_reply();
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST_F(ServerTest, RequestIdIsPassedThroughOrGenerated) {
  server_process srv(db.url(), shared_redis_url());
  auto given = http_request(srv.port(), "GET", "/healthz", {{"X-Request-Id", "trace-123"}});
  EXPECT_EQ(given.header("X-Request-Id"), "trace-123");
  auto generated = http_request(srv.port(), "GET", "/healthz");
  EXPECT_EQ(generated.header("X-Request-Id").size(), 16u);
}

TEST_F(ServerTest, OneAccessLogLinePerRequestWithItsId) {
  server_process srv(db.url(), shared_redis_url());
  http_request(srv.port(), "GET", "/no-such?x=1", {{"X-Request-Id", "log-me-1"}});
  ASSERT_EQ(srv.terminate(), 0);
  auto out = srv.process().output();
  auto pos = out.find("request_id=log-me-1");
  ASSERT_NE(pos, std::string::npos) << out;
  auto line = out.substr(pos, out.find('\n', pos) - pos);
  EXPECT_NE(line.find("status=404"), std::string::npos) << line;
  EXPECT_NE(line.find("target=\"/no-such?x=1\""), std::string::npos) << line;
  EXPECT_EQ(out.find("request_id=log-me-1", pos + 1), std::string::npos) << "logged twice";
}

TEST_F(ServerTest, SigtermExitsZero) {
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_DRAIN_IDLE_MS", "0"}});
  http_connection idle(srv.port());  // with drain_idle 0, an idle connection is closed at once
  idle.send_request("GET", "/healthz");
  ASSERT_EQ(idle.read_reply().status, 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(srv.terminate(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(idle.closed_by_peer(1s));
}

// What a proxy that pools connections (nginx) needs from a draining instance: new
// connections refused at once (it retries them elsewhere, POSTs too), and its idle
// connections left open for drain_idle, so that it closes them first instead of having
// one closed under a request it has just sent.
TEST_F(ServerTest, SigtermLeavesIdleConnectionsToTheirClientsForDrainIdle) {
  // Every test registers from 127.0.0.1 into one shared Redis: the per-address limit
  // is not this test's concern.
  server_process srv(db.url(), shared_redis_url(),
                     {{"TONEARM_DRAIN_IDLE_MS", "2500"}, {"TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS", "1000000"}});
  const int port = srv.port();
  http_connection writer(port), prober(port), idle(port), leaver(port);
  for (auto* c : {&writer, &prober, &idle, &leaver}) {
    c->send_request("GET", "/healthz");
    ASSERT_EQ(c->read_reply().status, 200);
  }
  auto start = std::chrono::steady_clock::now();
  srv.process().signal(SIGTERM);
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    try {
      http_connection c(port);
      std::this_thread::sleep_for(20ms);
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "new connections are still accepted after SIGTERM";

  // A write that arrives on an idle connection is still done, and answered with close.
  writer.send_request("POST", "/v1/users", {{"Content-Type", "application/json"}},
                      R"({"username":"drained_writer","password":"a long enough password"})");
  auto created = writer.read_reply();
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Connection"), "close");
  EXPECT_TRUE(writer.closed_by_peer(1s));
  // Readiness says why: a balancer that probes takes the instance out.
  prober.send_request("GET", "/readyz");
  auto ready = prober.read_reply();
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("draining"), std::string::npos) << ready.body;
  EXPECT_EQ(nlohmann::json::parse(ready.body)["error"]["checks"]["server"], "draining");
  // A client that closes its idle connection itself: nothing to wait for there.
  leaver.close();
  // The idle one stays open until drain_idle has passed, then the server closes it and exits.
  EXPECT_FALSE(idle.closed_by_peer(1500ms)) << "an idle connection was closed before drain_idle";
  EXPECT_TRUE(idle.closed_by_peer(3s));
  EXPECT_EQ(srv.process().wait(5s), 0);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 6s);
}

TEST_F(ServerTest, SigtermLetsAnInFlightResponseFinish) {
  // A "Redis" that accepts and never answers makes /readyz take the Redis timeout.
  silent_server hung;
  std::string url = "redis://127.0.0.1:" + std::to_string(hung.port()) + "/0";

  server_process srv(db.url(), url, {{"TONEARM_REDIS_TIMEOUT_MS", "1500"}});
  http_connection c(srv.port());
  c.send_request("GET", "/readyz");
  std::this_thread::sleep_for(300ms);  // the request is now waiting on "Redis"
  srv.process().signal(SIGTERM);
  auto r = c.read_reply(false, 10s);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(srv.process().wait(10s), 0);
}

// A rebuild of the search index does not hold up a shutdown (issue 22): SIGTERM while
// the index of a large catalog is being rebuilt stops the build and exits within
// shutdown_grace, where it used to log "stopped" and then wait for the whole build.
TEST_F(ServerTest, SigtermDuringASearchIndexRebuildExitsWithinTheGrace) {
  auto migrated = run_command({tonearm_binary(), "migrate"}, {{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}});
  ASSERT_EQ(migrated.status, 0) << migrated.output;
  // 150 000 songs: a few seconds to build, far longer than the grace below.
  db.query("INSERT INTO authors (name) SELECT 'Author ' || md5(i::text) FROM generate_series(1, 2000) i");
  db.query("INSERT INTO songs (author_id, title, blob_key, byte_size, mime_type, play_count) "
           "SELECT a.first + (i % 2000), 'Song ' || substr(md5(i::text), 1, 8) || ' ' || substr(md5((i * 7)::text), 1, 6), "
           "md5(i::text) || md5((-i)::text), 1000, 'audio/mpeg', i % 977 "
           "FROM generate_series(1, 150000) i, (SELECT min(id) AS first FROM authors) a");
  server_process srv(db.url(), shared_redis_url(),
                     {{"TONEARM_SEARCH_REFRESH_MS", "20"}, {"TONEARM_SHUTDOWN_GRACE_MS", "1000"}});
  db.query("UPDATE songs SET title = title || '!' WHERE id = (SELECT min(id) FROM songs)");  // a catalog edit: the next refresh rebuilds
  std::this_thread::sleep_for(400ms);
  auto start = std::chrono::steady_clock::now();
  srv.process().signal(SIGTERM);
  EXPECT_EQ(srv.process().wait(20s), 0);
  auto took = std::chrono::steady_clock::now() - start;
  auto log = srv.process().output();
  EXPECT_NE(log.find("search index rebuild stopped: shutting down"), std::string::npos)
      << "no rebuild was under way: the test proves nothing\n" << log;
  EXPECT_LT(took, 2500ms) << log;  // the grace, plus the exit (a sanitizer build scans for leaks)
}

TEST_F(ServerTest, NewConnectionsAreRefusedAfterSigterm) {
  server_process srv(db.url(), shared_redis_url());
  int port = srv.port();
  ASSERT_EQ(srv.terminate(), 0);
  EXPECT_THROW(http_connection c(port), std::runtime_error);
}

// ---- command line ----

TEST(Cli, VersionAndHelp) {
  auto v = run_command({tonearm_binary(), "--version"}, {});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.output.rfind("tonearm ", 0), 0u);
  auto h = run_command({tonearm_binary(), "--help"}, {});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.output.find("serve"), std::string::npos);
  EXPECT_NE(h.output.find("migrate"), std::string::npos);
}

TEST(Cli, UnknownCommandFailsWithUsage) {
  auto r = run_command({tonearm_binary(), "dance"}, {});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown command"), std::string::npos);
}

TEST(Cli, BadConfigValueFailsAtStartWithOneLineNamingTheKey) {
  auto r = run_command({tonearm_binary(), "serve"}, {{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_THREADS", "lots"}});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("TONEARM_THREADS"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST(Cli, MissingExplicitConfigFileIsAnError) {
  auto r = run_command({tonearm_binary(), "serve", "--config", "/nonexistent/tonearm.json"}, {});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("/nonexistent/tonearm.json"), std::string::npos);
}

TEST(Cli, ListenFailureIsAClearStartupError) {
  scratch_database db;
  server_process first(db.url(), shared_redis_url());
  auto r = run_command({tonearm_binary(), "serve"},
                       {{"TONEARM_CONFIG", "/dev/null"},
                        {"TONEARM_LISTEN", "127.0.0.1:" + std::to_string(first.port())},
                        {"TONEARM_DATABASE_URL", db.url()},
                        {"TONEARM_REDIS_URL", shared_redis_url()}});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << r.output;
}

TEST(Migrate, IsIdempotent) {
  scratch_database db;
  std::map<std::string, std::string> env{{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}};
  auto first = run_command({tonearm_binary(), "migrate"}, env);
  ASSERT_EQ(first.status, 0) << first.output;
  auto tables = db.query("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'");
  auto versions = db.query("SELECT count(*) FROM schema_migrations");
  auto second = run_command({tonearm_binary(), "migrate"}, env);
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("0 applied now"), std::string::npos) << second.output;
  EXPECT_EQ(db.query("SELECT count(*) FROM schema_migrations"), versions);
  EXPECT_EQ(db.query("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'"), tables);
  for (const char* t : {"authors", "albums", "songs", "users", "follows", "playlists", "playlist_items", "tokens"})
    EXPECT_EQ(db.query(std::string("SELECT to_regclass('public.") + t + "') IS NOT NULL")[0], "t") << t;
}

TEST(Migrate, ConcurrentRunsDoNotRace) {
  scratch_database db;
  std::map<std::string, std::string> env{{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}};
  child_process a({tonearm_binary(), "migrate"}, env);
  child_process b({tonearm_binary(), "migrate"}, env);
  EXPECT_EQ(a.wait(60s), 0) << a.output();
  EXPECT_EQ(b.wait(60s), 0) << b.output();
}

TEST(Migrate, UnreachableDatabaseFails) {
  auto r = run_command({tonearm_binary(), "migrate"},
                       {{"TONEARM_CONFIG", "/dev/null"},
                        {"TONEARM_DATABASE_URL", "postgresql://postgres@127.0.0.1:" + std::to_string(free_port()) + "/x"}});
  EXPECT_EQ(r.status, 1);
}

TEST_F(ServerTest, ServesTheWebPlayerFilesWithGzipAndEtags) {
  temp_dir web;
  const std::string page = "<!doctype html><title>Tonearm</title><script type=module src=app.js></script>" +
                           std::string(3000, ' ');
  std::ofstream(web.path() + "/index.html") << page;
  std::ofstream(web.path() + "/app.js") << "export {};";
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_WEB_DIR", web.path()}});

  auto root = srv.get("/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, page);
  EXPECT_EQ(root.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(root.header("Content-Security-Policy"), "");
  auto etag = root.header("ETag");
  ASSERT_FALSE(etag.empty());

  auto gz = http_request(srv.port(), "GET", "/index.html", {{"Accept-Encoding", "gzip, deflate"}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.header("Vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), page.size() / 4);
  EXPECT_EQ(gz.header("Content-Length"), std::to_string(gz.body.size()));

  auto again = http_request(srv.port(), "GET", "/", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");

  auto head = http_request(srv.port(), "HEAD", "/app.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_EQ(head.header("Content-Length"), "10");

  auto missing = srv.get("/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not_found");
  EXPECT_EQ(srv.get("/..%2Fetc%2Fpasswd").status, 404);
  EXPECT_EQ(srv.get("/healthz").status, 200);  // API routes still win
}

}  // namespace
}  // namespace tonearm::testing
