// GET /metrics: the Prometheus text format checked by Debian's promtool, the series
// a dashboard needs, and a real Prometheus scraping a running tonearm.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class MetricsTest : public ::testing::Test {
 protected:
  scratch_database db;
};

// The value of the first sample of `series` (name and, optionally, labels text).
std::optional<double> sample(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, series.size(), series) != 0) continue;
    auto rest = line.substr(series.size());
    if (!rest.empty() && rest[0] != ' ' && rest[0] != '{' && series.back() != '}') continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

TEST_F(MetricsTest, ExpositionPassesPromtoolAndHasTheProcessAndDatabaseSeries) {
  server_process srv(db.url(), shared_redis_url());
  ASSERT_EQ(srv.get("/readyz").status, 200);  // one database round trip
  auto r = srv.get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  auto file = std::filesystem::temp_directory_path() / ("tonearm-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << r.body;
  auto check = run_command({"sh", "-c", "promtool check metrics < '" + file.string() + "'"}, {});
  std::filesystem::remove(file);
  EXPECT_EQ(check.status, 0) << check.output << "\n" << r.body;

  EXPECT_TRUE(std::regex_search(r.body, std::regex(R"(tonearm_build_info\{[^}]*version="[0-9.]+"[^}]*\} 1)")))
      << r.body;
  EXPECT_GT(sample(r.body, "process_resident_memory_bytes").value_or(0), 1e6);
  EXPECT_GT(sample(r.body, "process_open_fds").value_or(0), 3);
  EXPECT_GT(sample(r.body, "process_start_time_seconds").value_or(0), 1.7e9);
  EXPECT_GE(sample(r.body, "tonearm_pg_connections_open").value_or(0), 1);
  EXPECT_EQ(sample(r.body, "tonearm_pg_connections_in_use").value_or(-1), 0);
  EXPECT_EQ(sample(r.body, "tonearm_redis_breaker_state").value_or(-1), 0);
  EXPECT_GE(sample(r.body, "tonearm_redis_round_trips_total").value_or(0), 1);
  EXPECT_GE(sample(r.body, "tonearm_search_index_builds_total").value_or(0), 1);
  EXPECT_EQ(sample(r.body, "tonearm_search_index_documents{kind=\"song\"}").value_or(-1), 0);
  EXPECT_EQ(sample(r.body, "tonearm_plays_queue_depth").value_or(-1), 0);
  // Families are there before their first event, so a dashboard never shows "no data".
  for (const char* name : {"tonearm_plays_queued_total", "tonearm_plays_dropped_total",
                           "tonearm_pg_acquire_waits_total", "tonearm_redis_fast_failures_total"})
    EXPECT_NE(r.body.find(std::string("# TYPE ") + name), std::string::npos) << name;
}

TEST_F(MetricsTest, HttpSeriesAreByRouteTemplateStatusClassAndSourceNeverByRawPath) {
  temp_dir input, blobs;
  ingest_test_audio({"01-Karma-Police.mp3"}, input.path(), db.url(), blobs.path());
  auto id = db.query("SELECT id FROM songs")[0];
  redis_server redis;
  server_process srv(db.url(), redis.url(), {{"TONEARM_BLOB_DIR", blobs.path()}, {"TONEARM_HOT_THRESHOLD", "2"},
                                             {"TONEARM_PLAY_DEDUP_SECONDS", "0"}});
  auto before = srv.get("/metrics").body;
  EXPECT_EQ(sample(before, "tonearm_worker_tasks_refused_total").value_or(-1), 0);
  EXPECT_EQ(sample(before, "tonearm_hot_cache_promotions_total").value_or(-1), 0);

  auto full = srv.get("/v1/songs/" + id + "/stream");
  ASSERT_EQ(full.status, 200);
  ASSERT_EQ(srv.get("/v1/songs/" + id).status, 200);
  ASSERT_EQ(srv.get("/v1/songs/999999").status, 404);
  ASSERT_EQ(srv.get("/no/such/place").status, 404);
  // Played twice: promoted, then served from the hot cache.
  ASSERT_EQ(srv.get("/v1/songs/" + id + "/stream").status, 200);
  std::string hit;
  for (int i = 0; i < 40 && hit != "HIT"; ++i) {
    std::this_thread::sleep_for(50ms);
    hit = http_request(srv.port(), "GET", "/v1/songs/" + id + "/stream", {{"Range", "bytes=0-99"}}).header("X-Cache");
  }
  ASSERT_EQ(hit, "HIT");

  // The hot-cache gauges are set just after the promotion, and a stream's gauge drops
  // just after its last byte left: both may lag what the client saw by a moment.
  std::string m;
  for (int i = 0; i < 40; ++i) {
    m = srv.get("/metrics").body;
    if (sample(m, "tonearm_hot_cache_songs") == 1.0 && sample(m, "tonearm_http_open_streams") == 0.0) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(sample(m, R"(tonearm_http_requests_total{method="GET",route="/v1/songs/{id}/stream",status="2xx"})")
                .value_or(0), 3) << m;
  EXPECT_EQ(sample(m, R"(tonearm_http_requests_total{method="GET",route="/v1/songs/{id}",status="2xx"})").value_or(0), 1);
  EXPECT_EQ(sample(m, R"(tonearm_http_requests_total{method="GET",route="/v1/songs/{id}",status="4xx"})").value_or(0), 1);
  EXPECT_EQ(sample(m, R"(tonearm_http_requests_total{method="GET",route="unmatched",status="4xx"})").value_or(0), 1);
  EXPECT_EQ(m.find("/v1/songs/999999"), std::string::npos) << "a raw path in a label";
  EXPECT_EQ(m.find("/no/such/place"), std::string::npos) << "a raw path in a label";
  EXPECT_GE(sample(m, R"(tonearm_http_request_duration_seconds_count{route="/v1/songs/{id}"})").value_or(0), 2);
  EXPECT_GE(sample(m, R"(tonearm_http_response_body_bytes_total{source="blob_store"})").value_or(0),
            2.0 * static_cast<double>(full.body.size()));
  EXPECT_GE(sample(m, R"(tonearm_http_response_body_bytes_total{source="hot_cache"})").value_or(0), 100);
  EXPECT_GT(sample(m, R"(tonearm_http_response_body_bytes_total{source="handler"})").value_or(0), 0);
  EXPECT_GE(sample(m, "tonearm_http_open_connections").value_or(0), 1) << "this scrape's own";
  EXPECT_EQ(sample(m, "tonearm_http_open_streams").value_or(-1), 0);
  EXPECT_GE(sample(m, "tonearm_worker_tasks_total").value_or(0), 3);
  EXPECT_EQ(sample(m, "tonearm_worker_tasks_in_flight").value_or(-1), 1) << "this scrape runs on the pool";
  EXPECT_EQ(sample(m, "tonearm_hot_cache_promotions_total").value_or(0), 1);
  EXPECT_GE(sample(m, R"(tonearm_hot_cache_streams_total{result="hit"})").value_or(0), 1);
  EXPECT_GE(sample(m, R"(tonearm_hot_cache_streams_total{result="miss"})").value_or(0), 2);
  EXPECT_GE(sample(m, R"(tonearm_hot_cache_chunk_reads_total{from="redis"})").value_or(0), 1);
  EXPECT_EQ(sample(m, "tonearm_hot_cache_songs").value_or(0), 1);
  EXPECT_EQ(sample(m, "tonearm_hot_cache_bytes").value_or(0), static_cast<double>(full.body.size()));
}

TEST_F(MetricsTest, MetricsListenPutsThemOnTheirOwnAddressAndOffTheMainOne) {
  const int port = free_port();
  server_process srv(db.url(), shared_redis_url(), {{"TONEARM_METRICS_LISTEN", "127.0.0.1:" + std::to_string(port)}});
  EXPECT_EQ(srv.get("/metrics").status, 404) << "not on the public listener";
  ASSERT_EQ(srv.get("/v1/genres").status, 200);
  auto r = http_request(port, "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(sample(r.body, R"(tonearm_http_requests_total{method="GET",route="/v1/genres",status="2xx"})").value_or(0), 1)
      << "the main listener's requests, counted in the one registry";
  EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/v1/genres").status, 404) << "only metrics and health there";
  EXPECT_EQ(srv.terminate(), 0) << "both listeners stop on SIGTERM";
}

TEST_F(MetricsTest, APrometheusServerScrapesIt) {
  server_process srv(db.url(), shared_redis_url());
  auto dir = std::filesystem::temp_directory_path() / ("tonearm-prometheus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1s\n"
                                        << "scrape_configs:\n  - job_name: tonearm\n    static_configs:\n"
                                        << "      - targets: ['127.0.0.1:" << srv.port() << "']\n";
  int port = free_port();
  child_process prometheus({"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                            "--storage.tsdb.path=" + (dir / "data").string(),
                            "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                           {});
  // Queries until a series is there: Prometheus needs a second or two to start and scrape.
  auto query = [&](const std::string& promql) -> json {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        auto r = http_request(port, "GET", "/api/v1/query?query=" + promql);
        if (r.status == 200) {
          auto body = json::parse(r.body);
          if (body["status"] == "success" && !body["data"]["result"].empty()) return body["data"]["result"];
        }
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(250ms);
    }
    return json::array();
  };
  auto up = query("up%7Bjob%3D%22tonearm%22%7D");
  ASSERT_FALSE(up.empty()) << prometheus.output();
  EXPECT_EQ(up[0]["value"][1], "1") << up.dump();
  auto info = query("tonearm_build_info");
  ASSERT_FALSE(info.empty()) << prometheus.output();
  EXPECT_TRUE(info[0]["metric"].contains("version")) << info.dump();
  auto rss = query("process_resident_memory_bytes%7Bjob%3D%22tonearm%22%7D");
  ASSERT_FALSE(rss.empty());
  EXPECT_GT(std::stod(rss[0]["value"][1].get<std::string>()), 1e6);
  prometheus.signal(SIGTERM);
  prometheus.wait(10s);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tonearm::testing
