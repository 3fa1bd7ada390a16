// Error mapping: every errc has one status and one code; the JSON error shape.
#include "tonearm/http/response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tonearm::http {
namespace {

TEST(ErrorMapping, StatusesMatchHttpSemantics) {
  EXPECT_EQ(error_status(errc::bad_request), 400u);
  EXPECT_EQ(error_status(errc::unauthorized), 401u);
  EXPECT_EQ(error_status(errc::forbidden), 403u);
  EXPECT_EQ(error_status(errc::not_found), 404u);
  EXPECT_EQ(error_status(errc::method_not_allowed), 405u);
  EXPECT_EQ(error_status(errc::conflict), 409u);
  EXPECT_EQ(error_status(errc::payload_too_large), 413u);
  EXPECT_EQ(error_status(errc::unsupported_media_type), 415u);
  EXPECT_EQ(error_status(errc::range_not_satisfiable), 416u);
  EXPECT_EQ(error_status(errc::too_many_requests), 429u);
  EXPECT_EQ(error_status(errc::header_too_large), 431u);
  EXPECT_EQ(error_status(errc::internal), 500u);
  EXPECT_EQ(error_status(errc::unavailable), 503u);
  EXPECT_EQ(error_status(errc::overloaded), 503u);
}

TEST(ErrorMapping, CodesAreDistinctSnakeCaseNames) {
  EXPECT_EQ(error_code_name(errc::not_found), "not_found");
  EXPECT_EQ(error_code_name(errc::header_too_large), "header_too_large");
  EXPECT_NE(error_code_name(errc::unavailable), error_code_name(errc::overloaded));
}

TEST(ErrorResponse, HasTheJsonErrorShape) {
  auto res = error_response(errc::not_found, "no song 7");
  EXPECT_EQ(res.status, 404u);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["message"], "no song 7");
}

TEST(ErrorResponse, MergesDetailsIntoTheErrorObject) {
  auto res = error_response(errc::conflict, "stale", R"({"snapshot_id":"9"})");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"]["snapshot_id"], "9");
  EXPECT_EQ(body["error"]["code"], "conflict");
}

TEST(ErrorResponse, DetailsCannotOverrideCodeOrMessage) {
  auto res = error_response(errc::conflict, "stale", R"({"code":"x","message":"y"})");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"]["code"], "conflict");
  EXPECT_EQ(body["error"]["message"], "stale");
}

TEST(ErrorResponse, InvalidUtf8InMessageStillGivesValidJson) {
  auto res = error_response(errc::bad_request, std::string("bad \xff byte"));
  EXPECT_TRUE(nlohmann::json::accept(res.body));
}

}  // namespace
}  // namespace tonearm::http
