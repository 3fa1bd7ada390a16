// log_format=json: every line the server writes is one JSON object with time, level
// and message; access lines carry the request's fields; no password or token reaches
// the log.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "account_fixture.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;

class JsonLogTest : public AccountFixture {
 protected:
  std::map<std::string, std::string> settings() override { return {{"TONEARM_LOG_FORMAT", "json"}}; }
};

TEST_F(JsonLogTest, EveryLineIsAnObjectAndAccessLinesCarryTheRequest) {
  const std::string password = "Walrus-Lantern-Orbit-42";
  register_user("lena", password);
  auto token = login("lena", password);
  call("POST", "/v1/sessions", {}, {{"username", "lena"}, {"password", password + "x"}});
  call("GET", "/v1/me?access_token=" + token);
  auto ranged = http_request(server->port(), "GET", "/healthz", {{"Range", "bytes=0-1"}, {"X-Request-Id", "probe-7"}});
  ASSERT_EQ(ranged.status, 200);
  call("GET", "/v1/search?q=%E2%82%AC%22quoted%22");
  ASSERT_EQ(server->terminate(), 0);  // flushed

  auto log = server->process().output();
  std::istringstream in(log);
  int lines = 0, access = 0;
  bool saw_probe = false, saw_listening = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    auto j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object: " << line;
    ASSERT_TRUE(j.contains("time") && j["time"].is_string()) << line;
    EXPECT_EQ(j["time"].get<std::string>().back(), 'Z') << line;  // UTC
    ASSERT_TRUE(j.contains("level") && j["level"].is_string()) << line;
    ASSERT_TRUE(j.contains("message") && j["message"].is_string()) << line;
    if (j["message"].get<std::string>().find("listening on") != std::string::npos) saw_listening = true;
    if (j["message"] == "access") {
      ++access;
      for (const char* f : {"request_id", "remote", "method", "target", "status", "bytes", "duration_ms"})
        EXPECT_TRUE(j.contains(f)) << f << " missing: " << line;
      EXPECT_TRUE(j["status"].is_number_integer()) << line;
      if (j["request_id"] == "probe-7") {
        saw_probe = true;
        EXPECT_EQ(j["range"], "bytes=0-1") << line;
        EXPECT_EQ(j["target"], "/healthz");
      }
    }
  }
  EXPECT_GT(lines, 5);
  EXPECT_GE(access, 6);
  EXPECT_TRUE(saw_probe) << log;
  EXPECT_TRUE(saw_listening) << log;
  EXPECT_EQ(log.find("Walrus-Lantern"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos) << "a session token reached the log";
  EXPECT_NE(log.find("access_token=REDACTED"), std::string::npos) << log;
}

class TracingTest : public AccountFixture {
 protected:
  std::map<std::string, std::string> settings() override { return {{"TONEARM_LOG_SLOW_MS", "1"}}; }
};

// A request's id reaches PostgreSQL (application_name of the connection that served
// it: in pg_stat_activity, and in PostgreSQL's log with %a), and a response slower
// than log_slow_ms is logged with where its time went.
TEST_F(TracingTest, TheRequestIdReachesPostgresAndSlowRequestsAreLoggedWithTimings) {
  register_user("tracy");
  nlohmann::json body{{"username", "tracy"}, {"password", "correct horse battery"}};
  auto r = http_request(server->port(), "POST", "/v1/sessions",
                        {{"Content-Type", "application/json"}, {"X-Request-Id", "trace-pg-0001"}}, body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  auto names = db.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tonearm trace-pg-0001'");
  EXPECT_EQ(names[0], "1") << "the connection that served the login carries its request id";

  ASSERT_EQ(server->terminate(), 0);
  auto log = server->process().output();
  auto at = log.find("slow request request_id=trace-pg-0001 ");
  ASSERT_NE(at, std::string::npos) << log;
  auto line = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(line.find("route=/v1/sessions status=201"), std::string::npos) << line;
  for (const char* f : {"ready_ms=", "queue_ms=", "handler_ms=", "db_ms=", "redis_ms=", "write_ms="})
    EXPECT_NE(line.find(f), std::string::npos) << f << " in " << line;
  // The login's time is mostly argon2id, some PostgreSQL: both show.
  auto number_after = [&](const std::string& key) { return std::stod(line.substr(line.find(key) + key.size())); };
  EXPECT_GT(number_after("db_ms="), 0.0) << line;
  EXPECT_GE(number_after("handler_ms="), number_after("db_ms=")) << line;
  EXPECT_GE(number_after("ready_ms="), number_after("handler_ms=")) << line;
}

}  // namespace
}  // namespace tonearm::testing
