// Accounts over HTTP: registration, sessions, rate limits, following, liked songs.
#include <thread>

#include "account_fixture.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;

class AccountsTest : public AccountFixture {};

TEST_F(AccountsTest, RegisterReturnsTheUserWithoutThePassword) {
  auto r = call("POST", "/v1/users", {}, {{"username", "Ada.L"}, {"password", "correct horse battery"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_GT(r.body["id"].get<std::int64_t>(), 0);
  EXPECT_EQ(r.body["username"], "Ada.L");
  EXPECT_EQ(r.body["followers"]["total"], 0);
  EXPECT_EQ(r.body["following"]["total"], 0);
  EXPECT_TRUE(r.body.contains("billing_id"));
  EXPECT_TRUE(r.body["billing_id"].is_null());
  EXPECT_EQ(r.raw.header("Location"), "/v1/users/" + std::to_string(r.body["id"].get<std::int64_t>()));
  EXPECT_EQ(r.raw.body.find("horse"), std::string::npos);
  EXPECT_EQ(r.raw.body.find("argon2"), std::string::npos);
  // Stored as an argon2id hash, never as the password.
  auto stored = db.query("SELECT password_hash FROM users WHERE username = 'Ada.L'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].rfind("$argon2id$", 0), 0u) << stored[0];
}

TEST_F(AccountsTest, UsernamesAreUniqueIgnoringCase) {
  register_user("grace");
  auto r = call("POST", "/v1/users", {}, {{"username", "GRACE"}, {"password", "another password"}});
  EXPECT_EQ(r.status, 409) << r.raw.body;
  EXPECT_EQ(r.body["error"]["code"], "conflict");
  EXPECT_EQ(db.query("SELECT count(*) FROM users")[0], "1");
}

TEST_F(AccountsTest, RegistrationRulesAreExplained) {
  struct bad_case {
    json body;
    std::string message_part;
  };
  std::vector<bad_case> cases = {
      {{{"username", "ab"}, {"password", "long enough password"}}, "3 to 32"},
      {{{"username", std::string(33, 'a')}, {"password", "long enough password"}}, "3 to 32"},
      {{{"username", "bad name"}, {"password", "long enough password"}}, "may only contain"},
      {{{"username", "ünïcode"}, {"password", "long enough password"}}, "may only contain"},
      {{{"username", "okname"}, {"password", "short"}}, "at least 10"},
      {{{"username", "okname"}, {"password", "ééééééééé"}}, "at least 10"},  // 9 characters, 18 bytes
      {{{"username", "okname"}}, "password is required"},
      {{{"username", 42}, {"password", "long enough password"}}, "username must be a string"},
  };
  for (const auto& c : cases) {
    auto r = call("POST", "/v1/users", {}, c.body);
    EXPECT_EQ(r.status, 400) << c.body.dump() << " -> " << r.raw.body;
    EXPECT_EQ(r.body["error"]["code"], "bad_request");
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find(c.message_part), std::string::npos) << r.raw.body;
  }
  EXPECT_EQ(db.query("SELECT count(*) FROM users")[0], "0");
  // Not JSON, not an object, not application/json.
  auto raw = http_request(server->port(), "POST", "/v1/users", {{"Content-Type", "application/json"}}, "{nope");
  EXPECT_EQ(raw.status, 400);
  raw = http_request(server->port(), "POST", "/v1/users", {{"Content-Type", "application/json"}}, "[1]");
  EXPECT_EQ(raw.status, 400);
  raw = http_request(server->port(), "POST", "/v1/users", {{"Content-Type", "text/plain"}},
                     R"({"username":"okname","password":"long enough password"})");
  EXPECT_EQ(raw.status, 415) << raw.body;
  // A 10-character password with multi-byte characters is fine.
  EXPECT_EQ(call("POST", "/v1/users", {}, {{"username", "okname"}, {"password", "éééééééééé"}}).status, 201);
}

TEST_F(AccountsTest, LoginGivesABearerTokenForMe) {
  auto id = register_user("linus");
  auto r = call("POST", "/v1/sessions", {}, {{"username", "LINUS"}, {"password", "correct horse battery"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto token = r.body["token"].get<std::string>();
  EXPECT_EQ(token.size(), 43u);  // 256 random bits, URL-safe base64
  EXPECT_EQ(r.body["token_type"], "Bearer");
  EXPECT_EQ(r.body["user"]["id"], id);
  EXPECT_FALSE(r.body["expires_at"].get<std::string>().empty());
  // Only a hash of the token is stored.
  EXPECT_EQ(db.query("SELECT count(*) FROM tokens WHERE token_hash = sha256(convert_to('" + token + "', 'UTF8'))")[0], "1");
  auto me = call("GET", "/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.raw.body;
  EXPECT_EQ(me.body["id"], id);
  EXPECT_EQ(me.body["username"], "linus");
  EXPECT_EQ(me.raw.header("Cache-Control"), "no-store");
}

TEST_F(AccountsTest, WrongUsernameAndWrongPasswordLookTheSame) {
  register_user("margaret");
  auto wrong_password = call("POST", "/v1/sessions", {}, {{"username", "margaret"}, {"password", "not the password"}});
  auto wrong_name = call("POST", "/v1/sessions", {}, {{"username", "nobody-here"}, {"password", "not the password"}});
  EXPECT_EQ(wrong_password.status, 401);
  EXPECT_EQ(wrong_name.status, 401);
  EXPECT_EQ(wrong_password.body, wrong_name.body);
  EXPECT_EQ(wrong_password.raw.header("WWW-Authenticate"), wrong_name.raw.header("WWW-Authenticate"));
}

TEST_F(AccountsTest, MissingBadAndLoggedOutTokensAre401WithWwwAuthenticate) {
  auto [id, token] = user("ken");
  auto none = call("GET", "/v1/me");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body["error"]["code"], "unauthorized");
  EXPECT_EQ(none.raw.header("WWW-Authenticate").rfind("Bearer", 0), 0u) << none.raw.header("WWW-Authenticate");
  EXPECT_EQ(call("GET", "/v1/me", "not-a-real-token").status, 401);
  auto basic = http_request(server->port(), "GET", "/v1/me", {{"Authorization", "Basic a2VuOnB3"}});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(call("DELETE", "/v1/sessions/current", token).status, 204);
  EXPECT_EQ(call("GET", "/v1/me", token).status, 401);
  EXPECT_EQ(call("DELETE", "/v1/sessions/current", token).status, 401);
}

TEST_F(AccountsTest, ExpiredTokensAreRefused) {
  auto [id, token] = user("dennis");
  ASSERT_EQ(call("GET", "/v1/me", token).status, 200);
  db.query("UPDATE tokens SET expires_at = now() - interval '1 second'");
  auto r = call("GET", "/v1/me", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("expired"), std::string::npos);
  // The next login clears the user's expired sessions.
  login("dennis");
  EXPECT_EQ(db.query("SELECT count(*) FROM tokens WHERE expires_at <= now()")[0], "0");
}

TEST_F(AccountsTest, PasswordsNeverReachTheLog) {
  const std::string password = "Zebra-Quartz-Melody-77";
  register_user("barbara", password);
  login("barbara", password);
  call("POST", "/v1/sessions", {}, {{"username", "barbara"}, {"password", password + "x"}});
  call("POST", "/v1/users", {}, {{"username", "b"}, {"password", password}});
  auto log = server->process().output();
  EXPECT_NE(log.find("/v1/sessions"), std::string::npos);  // the log is there
  EXPECT_EQ(log.find("Zebra-Quartz"), std::string::npos) << log;
}

TEST_F(AccountsTest, PublicProfilesHideTheBillingId) {
  auto [id, token] = user("alan");
  auto other = call("GET", "/v1/users/" + std::to_string(id));
  ASSERT_EQ(other.status, 200);
  EXPECT_FALSE(other.body.contains("billing_id"));
  auto self = call("GET", "/v1/users/" + std::to_string(id), token);
  EXPECT_TRUE(self.body.contains("billing_id"));
  EXPECT_EQ(call("GET", "/v1/users/999999").status, 404);
  EXPECT_EQ(call("GET", "/v1/users/abc").status, 400);
}

TEST_F(AccountsTest, FollowingUsersIsIdempotentAndCounted) {
  auto [a, ta] = user("alice");
  auto [b, tb] = user("bob");
  auto [c, tc] = user("carol");
  auto follow = [&](const std::string& token, std::int64_t who) {
    return call("PUT", "/v1/me/following/users/" + std::to_string(who), token).status;
  };
  EXPECT_EQ(follow(ta, b), 204);
  EXPECT_EQ(follow(ta, b), 204);  // again: no change
  EXPECT_EQ(follow(tc, b), 204);
  EXPECT_EQ(follow(tb, a), 204);
  EXPECT_EQ(follow(ta, a), 400);          // yourself
  EXPECT_EQ(follow(ta, 999999), 404);     // nobody
  EXPECT_EQ(follow({}, b), 401);          // anonymous
  auto bob = call("GET", "/v1/users/" + std::to_string(b));
  EXPECT_EQ(bob.body["followers"]["total"], 2);
  EXPECT_EQ(bob.body["following"]["total"], 1);
  auto followers = call("GET", "/v1/users/" + std::to_string(b) + "/followers?limit=1");
  ASSERT_EQ(followers.status, 200);
  EXPECT_EQ(followers.body["total"], 2);
  ASSERT_EQ(followers.body["items"].size(), 1u);
  EXPECT_EQ(followers.body["items"][0]["username"], "carol");  // newest first
  EXPECT_FALSE(followers.body["next"].is_null());
  auto following = call("GET", "/v1/users/" + std::to_string(a) + "/following");
  ASSERT_EQ(following.body["items"].size(), 1u);
  EXPECT_EQ(following.body["items"][0]["id"], b);

  EXPECT_EQ(call("DELETE", "/v1/me/following/users/" + std::to_string(b), ta).status, 204);
  EXPECT_EQ(call("DELETE", "/v1/me/following/users/" + std::to_string(b), ta).status, 204);
  bob = call("GET", "/v1/users/" + std::to_string(b));
  EXPECT_EQ(bob.body["followers"]["total"], 1);
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(a)).body["following"]["total"], 0);
  EXPECT_EQ(call("GET", "/v1/users/999999/followers").status, 404);
}

TEST_F(AccountsTest, MutualFollowsAtOnceDoNotDeadlock) {
  auto a_ta = user("left");  // no structured binding: clang 14 cannot capture one
  auto a = a_ta.first;
  auto ta = a_ta.second;
  auto b_tb = user("right");  // no structured binding: clang 14 cannot capture one
  auto b = b_tb.first;
  auto tb = b_tb.second;
  for (int round = 0; round < 20; ++round) {
    int sa = 0, sb = 0;
    const char* method = round % 2 ? "DELETE" : "PUT";
    std::thread t1([&] { sa = call(method, "/v1/me/following/users/" + std::to_string(b), ta).status; });
    std::thread t2([&] { sb = call(method, "/v1/me/following/users/" + std::to_string(a), tb).status; });
    t1.join();
    t2.join();
    ASSERT_EQ(sa, 204);
    ASSERT_EQ(sb, 204);
  }
  EXPECT_EQ(db.query("SELECT (SELECT coalesce(sum(n), 0) FROM follower_counts) + (SELECT sum(following_count) FROM users)")[0],
            "0");
}

TEST_F(AccountsTest, ACelebrityFollowedByManyAtOnceCountsEveryOne) {
  auto star_ts = user("star");  // no structured binding: clang 14 cannot capture one
  auto star = star_ts.first;
  auto ts = star_ts.second;
  std::vector<std::string> fans;
  for (int i = 0; i < 12; ++i) fans.push_back(user("fan" + std::to_string(i)).second);
  auto follow_all = [&](const char* method) {
    std::vector<std::thread> threads;
    std::vector<int> statuses(fans.size());
    for (std::size_t i = 0; i < fans.size(); ++i)
      threads.emplace_back([&, i] { statuses[i] = call(method, "/v1/me/following/users/" + std::to_string(star), fans[i]).status; });
    for (auto& t : threads) t.join();
    for (int s : statuses) EXPECT_EQ(s, 204);
  };
  follow_all("PUT");
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(star)).body["followers"]["total"], 12);
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(star) + "/followers").body["total"], 12);
  // Counted on several rows (the follower's id picks one of 16), never on the star's own row.
  EXPECT_GT(std::stoi(db.query("SELECT count(*) FROM follower_counts WHERE kind = 'u' AND id = " + std::to_string(star))[0]), 1);
  follow_all("PUT");  // again: idempotent
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(star)).body["followers"]["total"], 12);
  follow_all("DELETE");
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(star)).body["followers"]["total"], 0);
}

TEST_F(AccountsTest, FollowingAuthorsShowsOnTheAuthor) {
  auto [a, ta] = user("fan");
  auto author = db.query("SELECT id FROM authors ORDER BY id LIMIT 1")[0];
  EXPECT_EQ(call("PUT", "/v1/me/following/authors/" + author, ta).status, 204);
  EXPECT_EQ(call("PUT", "/v1/me/following/authors/" + author, ta).status, 204);
  EXPECT_EQ(call("GET", "/v1/authors/" + author).body["followers"]["total"], 1);
  EXPECT_EQ(call("GET", "/v1/me", ta).body["following"]["total"], 1);
  auto list = call("GET", "/v1/users/" + std::to_string(a) + "/following?type=author");
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(std::to_string(list.body["items"][0]["id"].get<std::int64_t>()), author);
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(a) + "/following?type=album").status, 400);
  EXPECT_EQ(call("PUT", "/v1/me/following/authors/999999", ta).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/me/following/authors/" + author, ta).status, 204);
  EXPECT_EQ(call("GET", "/v1/authors/" + author).body["followers"]["total"], 0);
}

TEST_F(AccountsTest, LikedSongsNewestFirst) {
  auto ta = user("listener").second;  // no structured binding: clang 14 cannot capture one
  auto like = [&](std::int64_t song) { return call("PUT", "/v1/me/library/songs/" + std::to_string(song), ta).status; };
  EXPECT_EQ(like(songs[0]), 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(like(songs[2]), 204);
  EXPECT_EQ(like(songs[0]), 204);  // again: stays where it was
  EXPECT_EQ(like(999999), 404);
  auto list = call("GET", "/v1/me/library/songs", ta);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  EXPECT_EQ(list.body["total"], 2);
  ASSERT_EQ(list.body["items"].size(), 2u);
  EXPECT_EQ(list.body["items"][0]["song"]["id"], songs[2]);
  EXPECT_EQ(list.body["items"][1]["song"]["id"], songs[0]);
  EXPECT_FALSE(list.body["items"][0]["song"]["title"].get<std::string>().empty());
  EXPECT_FALSE(list.body["items"][0]["added_at"].get<std::string>().empty());
  EXPECT_EQ(call("DELETE", "/v1/me/library/songs/" + std::to_string(songs[2]), ta).status, 204);
  EXPECT_EQ(call("GET", "/v1/me/library/songs", ta).body["total"], 1);
  EXPECT_EQ(call("GET", "/v1/me/library/songs").status, 401);
  EXPECT_EQ(call("GET", "/v1/me/library/songs?limit=0", ta).status, 400);
}

TEST_F(AccountsTest, WhichOfTheseSongsDoILikeInOneCall) {
  auto [a, ta] = user("hearts");
  auto [b, tb] = user("other-hearts");
  for (auto i : {1, 3}) ASSERT_EQ(call("PUT", "/v1/me/library/songs/" + std::to_string(songs[i]), ta).status, 204);
  ASSERT_EQ(call("PUT", "/v1/me/library/songs/" + std::to_string(songs[0]), tb).status, 204);
  auto ids = std::to_string(songs[0]) + "," + std::to_string(songs[1]) + "," + std::to_string(songs[3]) + ",999999," +
             std::to_string(songs[1]);
  auto r = call("GET", "/v1/me/library/songs/contains?ids=" + ids, ta);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body, nlohmann::json::parse("[false,true,true,false,true]")) << "in order, repeats kept, unknown false";
  EXPECT_EQ(call("GET", "/v1/me/library/songs/contains?ids=" + ids).status, 401);
  for (std::string bad : {"", "1,,2", "1,x", "-1", "1,2,"}) {
    auto e = call("GET", "/v1/me/library/songs/contains?ids=" + bad, ta);
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_NE(e.body["error"]["message"].get<std::string>().find("ids"), std::string::npos) << bad;
  }
  std::string many = "1";
  for (int i = 2; i <= 51; ++i) many += "," + std::to_string(i);
  EXPECT_EQ(call("GET", "/v1/me/library/songs/contains?ids=" + many, ta).status, 400) << "at most 50";
}

// Login attempts are limited per username and per address, in Redis.
class LoginLimitTest : public AccountFixture {
 protected:
  std::map<std::string, std::string> settings() override {
    return {{"TONEARM_LOGIN_ATTEMPTS_PER_USER", "3"}, {"TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS", "8"},
            {"TONEARM_LOGIN_WINDOW_SECONDS", "60"}};
  }
  std::string redis_url() override { return redis.url(); }
  redis_server redis;
};

TEST_F(LoginLimitTest, FailedLoginsPerUsernameGet429WithRetryAfter) {
  register_user("target");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("POST", "/v1/sessions", {}, {{"username", "target"}, {"password", "wrong password " + std::to_string(i)}}).status,
              401);
  auto r = call("POST", "/v1/sessions", {}, {{"username", "Target"}, {"password", "correct horse battery"}});
  EXPECT_EQ(r.status, 429) << r.raw.body;
  EXPECT_EQ(r.body["error"]["code"], "too_many_requests");
  auto retry = std::stoi(r.raw.header("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
}

TEST_F(LoginLimitTest, AttemptsPerAddressAreLimitedAcrossUsernames) {
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = call("POST", "/v1/sessions", {}, {{"username", "guess" + std::to_string(i)}, {"password", "whatever it is"}});
    if (r.status == 429) ++limited;
    else EXPECT_EQ(r.status, 401);
  }
  EXPECT_EQ(limited, 2);  // attempts 9 and 10
}

TEST_F(LoginLimitTest, LimitsHoldWithRedisDown) {
  register_user("victim");
  redis.stop();
  int statuses[5];
  for (int& s : statuses)
    s = call("POST", "/v1/sessions", {}, {{"username", "victim"}, {"password", "wrong password!"}}).status;
  EXPECT_EQ(statuses[0], 401);
  EXPECT_EQ(statuses[2], 401);
  EXPECT_EQ(statuses[3], 429);
  EXPECT_EQ(statuses[4], 429);
  // Other users still log in.
  register_user("bystander");
  EXPECT_FALSE(login("bystander").empty());
}

// Behind nginx every request comes from nginx's address: with trusted_proxies, the
// limits (and logs) see the address nginx names in X-Forwarded-For; without, the
// header is nobody's word.
class TrustedProxyTest : public LoginLimitTest {
 protected:
  std::map<std::string, std::string> settings() override {
    auto s = LoginLimitTest::settings();
    s["TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS"] = "2";
    if (trusted) s["TONEARM_TRUSTED_PROXIES"] = "127.0.0.1, 10.0.0.0/8";
    return s;
  }
  int register_from(const std::string& forwarded_for, const std::string& name) {
    auto body = nlohmann::json{{"username", name}, {"password", "correct horse battery"}}.dump();
    return http_request(server->port(), "POST", "/v1/users",
                        {{"Content-Type", "application/json"}, {"X-Forwarded-For", forwarded_for}}, body)
        .status;
  }
  bool trusted = true;
};

TEST_F(TrustedProxyTest, LimitsAndLogsSeeTheForwardedClient) {
  EXPECT_EQ(register_from("198.51.100.7", "first"), 201);
  EXPECT_EQ(register_from("198.51.100.7", "second"), 201);
  EXPECT_EQ(register_from("198.51.100.7", "third"), 429) << "the client's own limit";
  EXPECT_EQ(register_from("203.0.113.5", "fourth"), 201) << "another client behind the same proxy";
  // A client's own header in front of nginx's entry does not choose its address, and
  // our second proxy (10.x) is looked past.
  EXPECT_EQ(register_from("203.0.113.99, 198.51.100.7", "fifth"), 429);
  EXPECT_EQ(register_from("203.0.113.99, 203.0.113.5, 10.0.0.4", "sixth"), 201);
  server->terminate();
  EXPECT_NE(server->process().output().find("198.51.100.7"), std::string::npos) << "the access log names the client";
}

class UntrustedProxyTest : public TrustedProxyTest {
 protected:
  UntrustedProxyTest() { trusted = false; }
};

TEST_F(UntrustedProxyTest, WithoutTrustedProxiesTheHeaderIsIgnored) {
  EXPECT_EQ(register_from("198.51.100.7", "first"), 201);
  EXPECT_EQ(register_from("203.0.113.5", "second"), 201);
  EXPECT_EQ(register_from("192.0.2.1", "third"), 429) << "one address, whatever the header says";
  server->terminate();
  EXPECT_EQ(server->process().output().find("198.51.100.7"), std::string::npos);
}

// With anonymous access off, search and streaming need a token.
class ClosedCatalogTest : public AccountFixture {
 protected:
  std::map<std::string, std::string> settings() override { return {{"TONEARM_ANONYMOUS_ACCESS", "false"}}; }
};

TEST_F(ClosedCatalogTest, SearchAndStreamNeedAToken) {
  auto [id, token] = user("member");
  EXPECT_EQ(call("GET", "/v1/search?q=karma").status, 401);
  EXPECT_EQ(call("GET", "/v1/search?q=karma", token).status, 200);
  auto stream = "/v1/songs/" + std::to_string(songs[0]) + "/stream";
  EXPECT_EQ(http_request(server->port(), "GET", stream, {{"Range", "bytes=0-9"}}).status, 401);
  auto with_header = http_request(server->port(), "GET", stream, {{"Range", "bytes=0-9"}, {"Authorization", "Bearer " + token}});
  EXPECT_EQ(with_header.status, 206);
  // An <audio> element cannot send headers: the token may come in the query, and the
  // access log shows it redacted.
  // Reported plays and the edge's access check need a token too.
  auto plays = "/v1/songs/" + std::to_string(songs[0]) + "/plays";
  EXPECT_EQ(call("POST", plays).status, 401);
  EXPECT_EQ(call("POST", plays, token).status, 202);
  auto check = call("GET", "/v1/access/stream");
  EXPECT_EQ(check.status, 401);
  EXPECT_EQ(check.body["error"]["code"], "unauthorized");
  EXPECT_EQ(call("GET", "/v1/access/stream", token).status, 204);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/access/stream?access_token=" + token).status, 204);
  EXPECT_EQ(http_request(server->port(), "GET", "/v1/access/stream?access_token=not-a-token").status, 401);
  auto with_query = http_request(server->port(), "GET", stream + "?access_token=" + token, {{"Range", "bytes=0-9"}});
  EXPECT_EQ(with_query.status, 206);
  EXPECT_EQ(with_query.body.size(), 10u);
  // The access log line is written after the response went out: wait for it.
  std::string log;
  for (int i = 0; i < 100 && log.find("access_token=REDACTED") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = server->process().output();
  }
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_NE(log.find("access_token=REDACTED"), std::string::npos);
}

TEST_F(ClosedCatalogTest, TokensConfirmedLatelyKeepStreamingWhilePostgresIsAway) {
  using namespace std::chrono_literals;
  auto [id, token] = user("listener");
  // Two instances reach PostgreSQL through a proxy that the test cuts: a database restart.
  tcp_proxy pg(std::stoi(db.url().substr(db.url().rfind(':') + 1)));
  std::map<std::string, std::string> env{{"TONEARM_BLOB_DIR", blobs.path()},
                                         {"TONEARM_ANONYMOUS_ACCESS", "false"},
                                         {"TONEARM_TOKEN_CACHE_SECONDS", "1"},
                                         {"TONEARM_DB_TIMEOUT_MS", "1000"}};
  server_process a(with_port(db.url(), pg.port()), redis_url(), env), b(with_port(db.url(), pg.port()), redis_url(), env);
  auto stream = "/v1/songs/" + std::to_string(songs[0]) + "/stream";
  auto play = [&](server_process& s, const std::string& t) {
    return http_request(s.port(), "GET", stream, {{"Range", "bytes=0-9"}, {"Authorization", "Bearer " + t}}).status;
  };
  ASSERT_EQ(play(a, token), 206);            // a confirms the token with the database
  ASSERT_EQ(play(b, login("listener")), 206);  // b knows the song, not this token

  pg.cut();
  EXPECT_EQ(play(a, token), 206) << "confirmed lately by a";
  EXPECT_EQ(play(b, token), 206) << "never seen by b: the last word from Redis";
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(play(a, token), 206) << "older than token_cache_seconds, still the last word";
  EXPECT_NE(a.process().output().find("while PostgreSQL is unavailable"), std::string::npos);
  EXPECT_EQ(play(b, "not-a-token-anyone-issued"), 503) << "an unknown token cannot be judged without the database";
  pg.restore();

  // Logout on a third instance, then the database goes away before a or b asks it
  // again: past token_cache_seconds neither takes the token (Redis keeps the logout).
  ASSERT_EQ(call("DELETE", "/v1/sessions/current", token).status, 204);
  pg.cut();
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(play(a, token), 503);
  EXPECT_EQ(play(b, token), 503);
  pg.restore();
  int status = 0;
  for (int i = 0; i < 50 && status != 401; ++i, std::this_thread::sleep_for(100ms)) status = play(a, token);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(play(b, token), 401);
}

}  // namespace
}  // namespace tonearm::testing
