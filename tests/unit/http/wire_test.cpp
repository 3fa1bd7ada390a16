// Response heads on the wire and request ids.
#include "http/wire.hpp"

#include <gtest/gtest.h>

namespace tonearm::http::wire {
namespace {

TEST(SerializeHead, WritesStatusLineFieldsAndLength) {
  response res;
  res.status = 201;
  res.headers.set("Content-Type", "application/json");
  res.body = "{}";
  auto head = serialize_head(res, "abc", true);
  EXPECT_EQ(head.rfind("HTTP/1.1 201 Created\r\n", 0), 0u);
  EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Request-Id: abc\r\n"), std::string::npos);
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(SerializeHead, NoContentLengthFor204And304) {
  response res;
  res.status = 304;
  EXPECT_EQ(serialize_head(res, "x", true).find("Content-Length"), std::string::npos);
  res.status = 204;
  EXPECT_EQ(serialize_head(res, "x", true).find("Content-Length"), std::string::npos);
}

TEST(SerializeHead, CrLfInValuesCannotInjectHeaders) {
  response res;
  res.headers.set("Location", "/a\r\nSet-Cookie: evil=1");
  auto head = serialize_head(res, "x", false);
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
}

TEST(SerializeHead, HandlerAskingToCloseWins) {
  response res;
  res.headers.set("Connection", "close");
  EXPECT_TRUE(wants_close(res));
  EXPECT_NE(serialize_head(res, "x", true).find("Connection: close\r\n"), std::string::npos);
}

TEST(RequestId, PassesThroughSaneClientIds) { EXPECT_EQ(request_id_for("req-42.a:b_c"), "req-42.a:b_c"); }

TEST(RequestId, ReplacesUnsafeOrHugeIds) {
  EXPECT_EQ(request_id_for("bad id").size(), 16u);
  EXPECT_EQ(request_id_for(std::string(200, 'a')).size(), 16u);
  EXPECT_EQ(request_id_for("").size(), 16u);
  EXPECT_NE(request_id_for(""), request_id_for(""));
}

}  // namespace
}  // namespace tonearm::http::wire

namespace tonearm::http::wire {
namespace {

// RFC 9112 sections 6.1 and 6.3: framing that must not be guessed at.
struct framing_case {
  std::vector<std::string_view> te, cl;
  unsigned version;
  std::optional<errc> expected;  // nullopt: fine
};

class FramingProblem : public ::testing::TestWithParam<framing_case> {};

TEST_P(FramingProblem, MatchesTheTable) {
  const auto& c = GetParam();
  auto got = framing_problem(c.te, c.cl, c.version);
  ASSERT_EQ(got.has_value(), c.expected.has_value()) << (got ? got->message : "fine");
  if (got) {
    EXPECT_EQ(got->code, *c.expected) << got->message;
    EXPECT_FALSE(got->message.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, FramingProblem,
    ::testing::Values(framing_case{{}, {}, 11, std::nullopt}, framing_case{{}, {"42"}, 11, std::nullopt},
                      framing_case{{}, {"42"}, 10, std::nullopt}, framing_case{{"chunked"}, {}, 11, std::nullopt},
                      framing_case{{"Chunked"}, {}, 11, std::nullopt},
                      framing_case{{" chunked ,"}, {}, 11, std::nullopt},
                      // the final coding is not chunked: the length cannot be known
                      framing_case{{"chunked, gzip"}, {}, 11, errc::bad_request},
                      framing_case{{"gzip"}, {}, 11, errc::bad_request},
                      framing_case{{"chunked", "gzip"}, {}, 11, errc::bad_request},
                      framing_case{{""}, {}, 11, errc::bad_request},
                      // chunked twice, on one line or two
                      framing_case{{"chunked, chunked"}, {}, 11, errc::bad_request},
                      framing_case{{"chunked", "chunked"}, {}, 11, errc::bad_request},
                      // a coding we do not decode before chunked
                      framing_case{{"gzip, chunked"}, {}, 11, errc::not_implemented},
                      framing_case{{"gzip", "chunked"}, {}, 11, errc::not_implemented},
                      // both, or Transfer-Encoding in HTTP/1.0
                      framing_case{{"chunked"}, {"5"}, 11, errc::bad_request},
                      framing_case{{"chunked"}, {}, 10, errc::bad_request},
                      // several Content-Length values, even equal ones
                      framing_case{{}, {"5", "5"}, 11, errc::bad_request},
                      framing_case{{}, {"5, 6"}, 11, errc::bad_request}));

}  // namespace
}  // namespace tonearm::http::wire

namespace tonearm::http::wire {
namespace {

// Found by the fuzzer: a CR LF in a header name started a new header line.
TEST(SerializeHead, NamesAndValuesCannotEndTheLine) {
  response res;
  res.status = 200;
  res.headers.set("X-Note\r\nSet-Cookie: evil", "v");
  res.headers.set("X-Value", std::string("a\r\nb\0c", 6));
  auto head = serialize_head(res, "abc", true);
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Note--Set-Cookie--evil: v\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find(std::string("X-Value: a  b c\r\n")), std::string::npos) << head;
  EXPECT_EQ(head.find('\0'), std::string::npos);
}

}  // namespace
}  // namespace tonearm::http::wire

TEST(RedactedTarget, HidesEverySecretParameterAndKeepsTheRest) {
  struct row {
    const char* target;
    const char* logged;
  } rows[] = {
      {"/v1/songs/1/stream?access_token=abc", "/v1/songs/1/stream?access_token=REDACTED"},
      {"/rest/ping.view?u=alice&t=0123abcd&s=salty&v=1.16.1&c=app&f=json",
       "/rest/ping.view?u=alice&t=REDACTED&s=REDACTED&v=1.16.1&c=app&f=json"},
      {"/rest/ping?u=alice&p=enc:736563726574", "/rest/ping?u=alice&p=REDACTED"},
      {"/rest/getSong?apiKey=tnk_xyz&id=3", "/rest/getSong?apiKey=REDACTED&id=3"},
      {"/v1/search?q=p&type=song", "/v1/search?q=p&type=song"},  // a value "p" is no secret
      {"/v1/search?pp=1&ss=2&tt=3", "/v1/search?pp=1&ss=2&tt=3"},
      {"/rest/ping?p", "/rest/ping?p"},  // no value to hide
      {"/healthz", "/healthz"},
      {"/a?t=1&t=2&", "/a?t=REDACTED&t=REDACTED&"},
  };
  for (const auto& r : rows) EXPECT_EQ(tonearm::http::wire::redacted_target(r.target), r.logged) << r.target;
}
