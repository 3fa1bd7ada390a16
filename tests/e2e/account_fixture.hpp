// A server with a small catalog and helpers to call the JSON API as a user.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace tonearm::testing {

struct api_reply {
  int status = 0;
  nlohmann::json body;  // null when the body is empty
  http_reply raw;
};

class AccountFixture : public ::testing::Test {
 protected:
  // Extra TONEARM_* settings for the server; override to change them.
  virtual std::map<std::string, std::string> settings() { return {}; }
  virtual std::string redis_url() { return shared_redis_url(); }

  void SetUp() override {
    // Loudness is tested elsewhere (tests/media): measuring it here would only slow each test.
    auto r = run_command({tonearm_binary(), "ingest", test_audio_dir()},
                         {{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}, {"TONEARM_BLOB_DIR", blobs.path()},
                          {"TONEARM_INGEST_LOUDNESS", "false"}});
    ASSERT_EQ(r.status, 0) << r.output;
    for (const auto& id : db.query("SELECT id FROM songs ORDER BY id")) songs.push_back(std::stoll(id));
    auto s = settings();
    s["TONEARM_BLOB_DIR"] = blobs.path();
    // Every test registers from 127.0.0.1 into one shared Redis: the per-address limit
    // is tested on its own (LoginLimitTest), not hit by the suite as a whole.
    s.emplace("TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS", "1000000");
    server = std::make_unique<server_process>(db.url(), redis_url(), s);
  }

  api_reply call(const std::string& method, const std::string& target, const std::string& token = {},
                 const nlohmann::json& body = nullptr) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    std::string text;
    if (!body.is_null()) {
      headers.emplace_back("Content-Type", "application/json");
      text = body.dump();
    }
    api_reply r;
    r.raw = http_request(server->port(), method, target, headers, text);
    r.status = r.raw.status;
    if (!r.raw.body.empty()) r.body = nlohmann::json::parse(r.raw.body, nullptr, false);
    return r;
  }

  // Registers `name` (password "correct horse battery") and returns the user id.
  std::int64_t register_user(const std::string& name, const std::string& password = "correct horse battery") {
    auto r = call("POST", "/v1/users", {}, {{"username", name}, {"password", password}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", std::int64_t{0});
  }

  std::string login(const std::string& name, const std::string& password = "correct horse battery") {
    auto r = call("POST", "/v1/sessions", {}, {{"username", name}, {"password", password}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("token", std::string{});
  }

  // Registers and logs in; returns {id, token}.
  std::pair<std::int64_t, std::string> user(const std::string& name) {
    auto id = register_user(name);
    return {id, login(name)};
  }

  scratch_database db;
  temp_dir blobs;
  std::vector<std::int64_t> songs;  // ids of the demo catalog (50 songs), in id order
  std::unique_ptr<server_process> server;
};

}  // namespace tonearm::testing
