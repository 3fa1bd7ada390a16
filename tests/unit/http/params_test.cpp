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

TEST(PagingObject, NullAtTheEnds) {
  request r;
  r.target = "/v1/x";
  split_target(r);
  auto page = paging_object(nlohmann::json::array(), 3, 5, 0, r);
  EXPECT_TRUE(page["next"].is_null());
  EXPECT_TRUE(page["previous"].is_null());
}

}  // namespace
}  // namespace tonearm::http
