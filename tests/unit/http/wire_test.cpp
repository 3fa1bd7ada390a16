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
