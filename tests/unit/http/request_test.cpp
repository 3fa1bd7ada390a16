// Request helpers: percent-decoding, query parsing, target splitting, headers.
#include "tonearm/http/request.hpp"

#include <gtest/gtest.h>

namespace tonearm::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(percent_decode("a%20b%C3%A9", false), "a bé");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

TEST(PercentDecode, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%zz", false));
  EXPECT_FALSE(percent_decode("a%00b", false));
}

TEST(ParseQuery, SplitsPairsAndDecodes) {
  auto q = parse_query("q=karma+pol&limit=20&&flag&x=%C3%B6");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"q", "karma pol"}));
  EXPECT_EQ(q[1].second, "20");
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3].second, "ö");
}

TEST(SplitTarget, SeparatesPathAndQuery) {
  request r;
  r.target = "/v1/search?q=a&limit=5";
  split_target(r);
  EXPECT_EQ(r.path, "/v1/search");
  EXPECT_EQ(r.query, "q=a&limit=5");
  EXPECT_EQ(r.query_param("limit"), "5");
  EXPECT_FALSE(r.query_param("offset"));
}

TEST(Headers, LookupIsCaseInsensitiveAndSetReplaces) {
  headers h;
  h.add("Content-Type", "a");
  h.add("X-Two", "1");
  h.add("x-two", "2");
  EXPECT_EQ(h.get("content-type"), "a");
  h.set("X-TWO", "3");
  EXPECT_EQ(h.get("x-two"), "3");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_FALSE(h.has("missing"));
}

}  // namespace
}  // namespace tonearm::http

namespace tonearm::http {
namespace {

TEST(TextProblem, NamesTheParameterThatIsNotUtf8Text) {
  request r;
  r.target = "/v1/search?q=bj%C3%B6rk&limit=5&q2=a%09b";
  split_target(r);
  EXPECT_EQ(text_problem(r), "");
  for (std::string target : {"/x?q=%FF", "/x?q=%C3", "/x?a=1&q=a%1Fb", "/x?q=a%7F", "/x?q=%zz", "/x?q=a%00", "/x?q=%4"}) {
    request bad;
    bad.target = target;
    split_target(bad);
    EXPECT_NE(text_problem(bad).find("'q'"), std::string::npos) << target << ": " << text_problem(bad);
  }
  request name;
  name.target = "/x?%FF=1";
  split_target(name);
  EXPECT_NE(text_problem(name), "");
  request path;
  path.path_params = {{"id", "\xFF"}};
  EXPECT_NE(text_problem(path).find("{id}"), std::string::npos);
}

}  // namespace
}  // namespace tonearm::http
