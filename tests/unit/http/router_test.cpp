// Router: literal and {param} segments, precedence, 404 vs 405, HEAD and Allow.
#include "tonearm/http/router.hpp"

#include <gtest/gtest.h>

namespace tonearm::http {
namespace {

handler named(std::string name) {
  return [name](request&) {
    response r;
    r.body = name;
    return r;
  };
}

std::string run(const route_match& m) {
  request req;
  return m.route->handler(req).body;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r.add("GET", "/v1/songs/{id}", named("song"));
    r.add("GET", "/v1/songs/{id}/stream", named("stream"));
    r.add("DELETE", "/v1/sessions/current", named("logout"));
    r.add("GET", "/v1/sessions/{id}", named("session"));
    r.add("POST", "/v1/playlists", named("create"));
    r.add("GET", "/v1/playlists", named("list"));
  }
  router r;
};

TEST_F(RouterTest, MatchesLiteralPath) {
  auto m = r.match("POST", "/v1/playlists");
  ASSERT_EQ(m.outcome, route_match::kind::found);
  EXPECT_EQ(run(m), "create");
}

TEST_F(RouterTest, ExtractsPathParameters) {
  auto m = r.match("GET", "/v1/songs/42/stream");
  ASSERT_EQ(m.outcome, route_match::kind::found);
  EXPECT_EQ(run(m), "stream");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");
}

TEST_F(RouterTest, PercentDecodesParameters) {
  auto m = r.match("GET", "/v1/songs/a%20b");
  ASSERT_EQ(m.outcome, route_match::kind::found);
  EXPECT_EQ(m.params[0].second, "a b");
}

TEST_F(RouterTest, MalformedEscapeInParameterIsFlagged) {
  auto m = r.match("GET", "/v1/songs/%zz");
  EXPECT_EQ(m.outcome, route_match::kind::not_found);
  EXPECT_TRUE(m.bad_path);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(r.match("GET", "/v1/nothing").outcome, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/v1/songs/1/stream/x").outcome, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/").outcome, route_match::kind::not_found);
}

TEST_F(RouterTest, WrongMethodIsMethodNotAllowedWithAllow) {
  auto m = r.match("DELETE", "/v1/playlists");
  EXPECT_EQ(m.outcome, route_match::kind::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS, POST");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = r.match("HEAD", "/v1/songs/7");
  ASSERT_EQ(m.outcome, route_match::kind::found);
  EXPECT_EQ(run(m), "song");
  EXPECT_EQ(m.params[0].second, "7");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameter) {
  auto m = r.match("DELETE", "/v1/sessions/current");
  ASSERT_EQ(m.outcome, route_match::kind::found);
  EXPECT_EQ(run(m), "logout");
  auto g = r.match("GET", "/v1/sessions/abc");
  ASSERT_EQ(g.outcome, route_match::kind::found);
  EXPECT_EQ(run(g), "session");
}

TEST_F(RouterTest, LiteralPathWithOtherMethodIs405NotParameterRoute) {
  // GET /v1/sessions/current: the literal pattern wins and allows only DELETE.
  auto m = r.match("GET", "/v1/sessions/current");
  EXPECT_EQ(m.outcome, route_match::kind::method_not_allowed);
  EXPECT_EQ(m.allow, "DELETE, OPTIONS");
}

TEST_F(RouterTest, TrailingSlashIsIgnored) {
  EXPECT_EQ(r.match("GET", "/v1/playlists/").outcome, route_match::kind::found);
}

TEST_F(RouterTest, EmptyParameterDoesNotMatch) {
  EXPECT_EQ(r.match("GET", "/v1/songs//stream").outcome, route_match::kind::not_found);
}

TEST(RouterAdd, RejectsDuplicatesAndMalformedPatterns) {
  router r;
  r.add("GET", "/a/{id}", named("a"));
  EXPECT_THROW(r.add("GET", "/a/{id}", named("b")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "a", named("c")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{x", named("d")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a//b", named("e")), std::invalid_argument);
}

}  // namespace
}  // namespace tonearm::http
