// Ids from paths, URL encoding and paging objects.
#include "tonearm/http/params.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tonearm/core/error.hpp"

namespace tonearm::http {
namespace {

request with_param(const std::string& value) {
  request r;
  r.path_params = {{"id", value}};
  return r;
}

TEST(PathId, AcceptsPositiveIntegers) { EXPECT_EQ(path_id(with_param("42"), "id", "song"), 42); }

TEST(PathId, RejectsEverythingElseAsBadRequest) {
  for (const char* bad : {"abc", "0", "-1", "+1", "1.5", "12a", "99999999999999999999", ""}) {
    try {
      path_id(with_param(bad), "id", "song");
      ADD_FAILURE() << bad;
    } catch (const api_error& e) {
      EXPECT_EQ(e.code(), errc::bad_request) << bad;
      EXPECT_NE(std::string(e.what()).find("song id"), std::string::npos);
    }
  }
}

TEST(UrlEncode, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(url_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
}

TEST(PagingObject, NextAndPreviousRepeatTheQuery) {
  request r;
  r.target = "/v1/search?q=sigur+r%C3%B3s&limit=2&offset=2";
  split_target(r);
  auto page = paging_object(nlohmann::json::array({1, 2}), 5, 2, 2, r, {{"type", "song"}});
  EXPECT_EQ(page["total"], 5);
  EXPECT_EQ(page["next"], "/v1/search?q=sigur%20r%C3%B3s&type=song&offset=4&limit=2");
  EXPECT_EQ(page["previous"], "/v1/search?q=sigur%20r%C3%B3s&type=song&offset=0&limit=2");
}

TEST(PagingObject, LinksLeaveAQueryTokenOut) {
  request r;
  r.target = "/v1/me/library/songs?access_token=secret&limit=2";
  split_target(r);
  auto page = paging_object(nlohmann::json::array({1, 2}), 5, 2, 0, r);
  EXPECT_EQ(page["next"], "/v1/me/library/songs?offset=2&limit=2");
}

TEST(PagingObject, NullAtTheEnds) {
  request r;
  r.target = "/v1/x";
  split_target(r);
  auto page = paging_object(nlohmann::json::array(), 3, 5, 0, r);
  EXPECT_TRUE(page["next"].is_null());
  EXPECT_TRUE(page["previous"].is_null());
}

request with_query(const std::string& query) {
  request r;
  r.target = "/x?" + query;
  split_target(r);
  return r;
}

TEST(PagingParams, DefaultsAndBounds) {
  auto p = paging_params(with_query(""));
  EXPECT_EQ(p.limit, 20);
  EXPECT_EQ(p.offset, 0);
  p = paging_params(with_query("limit=50&offset=7"));
  EXPECT_EQ(p.limit, 50);
  EXPECT_EQ(p.offset, 7);
  EXPECT_EQ(paging_params(with_query(""), 100, 100).limit, 100);
  for (const char* bad : {"limit=0", "limit=51", "limit=x", "offset=-1", "offset=1.5", "limit=", "offset=1000001"}) {
    try {
      paging_params(with_query(bad));
      ADD_FAILURE() << bad;
    } catch (const api_error& e) {
      EXPECT_EQ(e.code(), errc::bad_request) << bad;
    }
  }
}

request with_body(const std::string& content_type, const std::string& body) {
  request r;
  if (!content_type.empty()) r.headers.add("Content-Type", content_type);
  r.body = body;
  return r;
}

errc json_body_error(const std::string& content_type, const std::string& body) {
  try {
    json_body(with_body(content_type, body));
  } catch (const api_error& e) {
    return e.code();
  }
  return errc::internal;  // no error
}

TEST(JsonBody, ObjectsWithJsonOrNoContentType) {
  EXPECT_EQ(json_body(with_body("application/json", R"({"a":1})"))["a"], 1);
  EXPECT_EQ(json_body(with_body("Application/JSON; charset=utf-8", R"({"a":1})"))["a"], 1);
  EXPECT_EQ(json_body(with_body("", R"({"a":1})"))["a"], 1);
}

TEST(JsonBody, EverythingElseIsRefused) {
  EXPECT_EQ(json_body_error("text/plain", R"({"a":1})"), errc::unsupported_media_type);
  EXPECT_EQ(json_body_error("application/json", ""), errc::bad_request);
  EXPECT_EQ(json_body_error("application/json", "{"), errc::bad_request);
  EXPECT_EQ(json_body_error("application/json", "[1,2]"), errc::bad_request);
  EXPECT_EQ(json_body_error("application/json", "\"text\""), errc::bad_request);
}

}  // namespace
}  // namespace tonearm::http

namespace tonearm::http {
namespace {

TEST(JsonBody, NestingDeeperThan32IsRefusedBeforeParsing) {
  auto body = [](int depth) {
    request r;
    r.body = "{\"a\":" + std::string(static_cast<std::size_t>(depth - 1), '[') +
             std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
    return r;
  };
  EXPECT_NO_THROW(json_body(body(32)));
  try {
    json_body(body(33));
    FAIL() << "33 levels were taken";
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::bad_request);
    EXPECT_NE(std::string(e.what()).find("deeper than 32"), std::string::npos) << e.what();
  }
  // Brackets inside strings (escaped quotes too) are text, not nesting.
  request strings;
  strings.body = R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})";
  EXPECT_NO_THROW(json_body(strings));
  EXPECT_TRUE(nests_deeper_than(std::string(1000000, '['), 32));
  EXPECT_FALSE(nests_deeper_than("[[],[],[[]]]", 3));
  EXPECT_TRUE(nests_deeper_than("[[[[]]]]", 3));
}

}  // namespace
}  // namespace tonearm::http

namespace tonearm::http {
namespace {

// Found by the fuzzer: nlohmann stops at a NUL byte, so "{}\0junk" parsed as {}.
TEST(JsonBody, ANulByteIsNotTheEndOfTheBody) {
  request r;
  r.body = std::string("{}\0junk", 7);
  EXPECT_THROW(json_body(r), api_error);
}

}  // namespace
}  // namespace tonearm::http
