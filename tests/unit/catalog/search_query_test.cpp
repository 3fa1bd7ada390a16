// Search query parsing (q with field prefixes, filters, paging) and tsquery building.
#include "tonearm/catalog/search_query.hpp"

#include <gtest/gtest.h>

#include "tonearm/core/error.hpp"

namespace tonearm::catalog {
namespace {

search_query parse_q(const std::string& q) {
  search_params p;
  p.q = q;
  return parse_search(p);
}

std::string bad_request_message(const search_params& p) {
  try {
    parse_search(p);
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::bad_request);
    return e.what();
  }
  return "";
}

TEST(ParseSearch, PlainWordsAreTermsForAnyField) {
  auto q = parse_q("karma  pol");
  ASSERT_EQ(q.terms.size(), 2u);
  EXPECT_EQ(q.terms[0].text, "karma");
  EXPECT_EQ(q.terms[1].text, "pol");
  EXPECT_EQ(q.terms[0].field, search_field::any);
  EXPECT_TRUE(q.songs && q.authors && q.albums);
  EXPECT_EQ(q.limit, 20);
  EXPECT_EQ(q.offset, 0);
}

TEST(ParseSearch, FieldPrefixesInQ) {
  auto q = parse_q("artist:radiohead genre:rock year:1997 title:karma album:ok country:gb");
  ASSERT_EQ(q.terms.size(), 3u);
  EXPECT_EQ(q.terms[0].field, search_field::author);
  EXPECT_EQ(q.terms[1].field, search_field::title);
  EXPECT_EQ(q.terms[2].field, search_field::album);
  EXPECT_EQ(q.genre, "rock");
  ASSERT_TRUE(q.years);
  EXPECT_EQ(q.years->from, 1997);
  EXPECT_EQ(q.years->to, 1997);
  EXPECT_EQ(q.country, "GB");
}

TEST(ParseSearch, QuotedFieldValueKeepsSpaces) {
  auto q = parse_q(R"(artist:"sigur ros" hoppipolla)");
  ASSERT_EQ(q.terms.size(), 2u);
  EXPECT_EQ(q.terms[0].text, "sigur ros");
  EXPECT_EQ(q.terms[0].field, search_field::author);
}

TEST(ParseSearch, AuthorIsASynonymOfArtistAndKeysIgnoreCase) {
  EXPECT_EQ(parse_q("Author:bjork").terms[0].field, search_field::author);
}

TEST(ParseSearch, UnknownPrefixIsPlainText) {
  auto q = parse_q("re:member");
  ASSERT_EQ(q.terms.size(), 1u);
  EXPECT_EQ(q.terms[0].text, "re:member");
}

TEST(ParseSearch, FiltersAloneAreAValidQuery) {
  auto q = parse_q("genre:jazz");
  EXPECT_TRUE(q.terms.empty());
  EXPECT_EQ(q.genre, "jazz");
}

TEST(ParseSearch, ExplicitParametersWinOverPrefixes) {
  search_params p;
  p.q = "year:1990 x";
  p.year = "2000-2009";
  p.genre = "Pop";
  p.country = "se";
  p.type = "song,album";
  p.limit = "5";
  p.offset = "10";
  auto q = parse_search(p);
  EXPECT_EQ(q.years->from, 2000);
  EXPECT_EQ(q.years->to, 2009);
  EXPECT_EQ(q.genre, "Pop");
  EXPECT_EQ(q.country, "SE");
  EXPECT_TRUE(q.songs);
  EXPECT_FALSE(q.authors);
  EXPECT_TRUE(q.albums);
  EXPECT_EQ(q.limit, 5);
  EXPECT_EQ(q.offset, 10);
}

TEST(ParseSearch, BadInputIsBadRequestNamingTheParameter) {
  search_params p;
  EXPECT_NE(bad_request_message(p).find("'q'"), std::string::npos);
  p.q = "   ";
  EXPECT_NE(bad_request_message(p).find("'q'"), std::string::npos);
  p.q = "x";
  p.limit = "0";
  EXPECT_NE(bad_request_message(p).find("'limit'"), std::string::npos);
  p.limit = "51";
  EXPECT_NE(bad_request_message(p).find("'limit'"), std::string::npos);
  p.limit = "ten";
  EXPECT_NE(bad_request_message(p).find("'limit'"), std::string::npos);
  p.limit.reset();
  p.offset = "-1";
  EXPECT_NE(bad_request_message(p).find("'offset'"), std::string::npos);
  p.offset = "990";
  p.limit = "20";
  EXPECT_NE(bad_request_message(p).find("1000"), std::string::npos);
  p.offset.reset();
  p.limit.reset();
  p.year = "199";
  EXPECT_NE(bad_request_message(p).find("'year'"), std::string::npos);
  p.year = "1999-1990";
  EXPECT_NE(bad_request_message(p).find("'year'"), std::string::npos);
  p.year.reset();
  p.type = "song,video";
  EXPECT_NE(bad_request_message(p).find("'type'"), std::string::npos);
  p.type = "";  // not "everything": that is leaving type out
  EXPECT_NE(bad_request_message(p).find("at least one"), std::string::npos);
  p.type = " , ";
  EXPECT_NE(bad_request_message(p).find("'type'"), std::string::npos);
  p.type.reset();
  p.country = "GBR";
  EXPECT_NE(bad_request_message(p).find("country"), std::string::npos);
  p.country.reset();
  p.q = "year:199x";
  EXPECT_NE(bad_request_message(p).find("year"), std::string::npos);
  p.q = std::string(501, 'a');
  EXPECT_NE(bad_request_message(p).find("500"), std::string::npos);
}

TEST(ParseYearRange, SingleYearAndRange) {
  EXPECT_EQ(parse_year_range("1997")->from, 1997);
  EXPECT_EQ(parse_year_range("1990-1999")->to, 1999);
  EXPECT_FALSE(parse_year_range("97"));
  EXPECT_FALSE(parse_year_range("1990-"));
  EXPECT_FALSE(parse_year_range("0999"));
  EXPECT_FALSE(parse_year_range("2000-1990"));
}

}  // namespace
}  // namespace tonearm::catalog

namespace tonearm::catalog {
namespace {

// The analysis cache key once joined terms with \x1f, so "xqa\x1fyqb" (one term) hit
// the analysis of "xqa", "yqb" (two) and the search read past its terms.
TEST(AnalysisKey, DistinctTermsAndGenresGiveDistinctKeys) {
  using terms = std::vector<std::string>;
  std::vector<std::pair<terms, std::optional<std::string>>> inputs = {
      {{"xqa", "yqb"}, std::nullopt}, {{"xqa\x1fyqb"}, std::nullopt}, {{"xqa\x1f", "yqb"}, std::nullopt},
      {{"xqa"}, std::string("yqb")},  {{"xqa"}, std::nullopt},        {{"xqa"}, std::string("")},
      {{}, std::string("rock")},      {{}, std::string("rock\x1f\x1d")}, {{"rock"}, std::nullopt},
      {{"1:a"}, std::nullopt},        {{"a"}, std::nullopt},          {{"", ""}, std::nullopt},
      {{""}, std::nullopt},           {{}, std::nullopt}};
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (std::size_t j = i + 1; j < inputs.size(); ++j)
      EXPECT_NE(analysis_key(inputs[i].first, inputs[i].second), analysis_key(inputs[j].first, inputs[j].second))
          << i << " vs " << j;
  EXPECT_EQ(analysis_key({"a", "b"}, std::string("g")), analysis_key({"a", "b"}, std::string("g")));
}

TEST(ParseSearch, ControlCharactersAndInvalidUtf8AreRefused) {
  for (std::string q : std::vector<std::string>{"xqa\x1fyqb", std::string("a\0b", 3), "a\x7f", "\xff", "\xc3", "artist:\xff"}) {
    search_params p;
    p.q = q;
    EXPECT_THROW(parse_search(p), api_error) << ::testing::PrintToString(q);
  }
  search_params genre;
  genre.q = "rock";
  genre.genre = "rock\x1f\x1d";
  EXPECT_THROW(parse_search(genre), api_error);
  search_params tab;
  tab.q = "sine\ttest";
  EXPECT_EQ(parse_search(tab).terms.size(), 2u);
}

}  // namespace
}  // namespace tonearm::catalog
