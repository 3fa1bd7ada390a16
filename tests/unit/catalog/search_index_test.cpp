// The in-process search index: matching, fields, filters, ranking, paging.
#include "tonearm/catalog/search_index.hpp"

#include <gtest/gtest.h>

namespace tonearm::catalog {
namespace {

index_doc doc(std::int64_t id, std::int64_t plays, const std::string& title, const std::string& tsv,
              const std::string& genre = "", int year = 0, const std::string& country = "") {
  return {id, plays, title, genre, year, country, parse_tsvector_text(tsv)};
}

index_query words(std::vector<index_word> w, const std::string& whole = "") {
  index_query q;
  q.words = std::move(w);
  q.whole_fold = whole;
  return q;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  search_index index{{
      doc(1, 5, "lovers rock", "'lovers':1A 'rock':2A 'band':3B", "reggae", 1980, "NO"),
      doc(2, 1000, "glove story", "'glove':1A 'story':2A 'band':3B", "rock", 1990, "NO"),
      doc(3, 10, "love song one", "'love':1A 'song':2A 'one':3A 'band':4B", "pop", 1991, "SE"),
      doc(4, 500, "love song two", "'love':1A 'song':2A 'two':3A 'band':4B", "pop", 1992, "SE"),
      doc(5, 0, "love", "'love':1A 'band':2B", "pop", 1993, "SE"),
      doc(6, 50, "night", "'night':1A 'love':2B", "pop", 1993, "SE"),
  }};
};

TEST(ParseTsvectorText, LexemesWithWeightBits) {
  auto w = parse_tsvector_text("'it''s':1A 'joga':2B,5 'x':3 'post':4C,6A");
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0], (std::pair<std::string, std::uint8_t>{"it's", weight_a}));
  EXPECT_EQ(w[1].second, weight_b | weight_d);
  EXPECT_EQ(w[2].second, weight_d);
  EXPECT_EQ(w[3].second, weight_c | weight_a);
}

TEST_F(SearchIndexTest, PrefixMatchesEveryCompletion) {
  auto r = index.search(words({{"lov", 0, {}}}));
  EXPECT_EQ(r.total, 5);  // lovers, love x3, and "night" by an author named love
}

TEST_F(SearchIndexTest, ExactTitleThenWeightTimesPopularity) {
  auto r = index.search(words({{"love", 0, {}}}, "love"));
  ASSERT_GE(r.ids.size(), 4u);
  EXPECT_EQ(r.ids[0], 5);  // title equals the query
  EXPECT_EQ(r.ids[1], 4);  // title match, 500 plays
  EXPECT_EQ(r.ids[2], 3);  // title match, 10 plays
  EXPECT_EQ(r.ids.back(), 6) << "an artist match weighs less than a title match";
}

TEST_F(SearchIndexTest, WordsAsTypedRankBeforeCorrections) {
  auto r = index.search(words({{"lover", 0, {"love", "glove"}}}));
  ASSERT_EQ(r.total, 6);
  EXPECT_EQ(r.ids[0], 1);  // "lovers" as typed
  EXPECT_EQ(r.ids[1], 2);  // then the most popular correction match
}

TEST_F(SearchIndexTest, FieldRestrictionUsesWeights) {
  EXPECT_EQ(index.search(words({{"love", weight_b, {}}})).ids, (std::vector<std::int64_t>{6}));
  EXPECT_EQ(index.search(words({{"band", weight_a, {}}})).total, 0);
}

TEST_F(SearchIndexTest, AllWordsMustMatch) {
  EXPECT_EQ(index.search(words({{"love", 0, {}}, {"two", 0, {}}})).ids, (std::vector<std::int64_t>{4}));
  EXPECT_EQ(index.search(words({{"love", 0, {}}, {"zzz", 0, {}}})).total, 0);
}

TEST_F(SearchIndexTest, FiltersAreAnded) {
  auto q = words({{"band", 0, {}}});
  q.genre_fold = "pop";
  q.years = year_range{1992, 1993};
  EXPECT_EQ(index.search(q).ids, (std::vector<std::int64_t>{4, 5}));
  q.country = "NO";
  EXPECT_EQ(index.search(q).total, 0);
  q.genre_fold = "unknown";
  q.country.reset();
  EXPECT_EQ(index.search(q).total, 0);
}

TEST_F(SearchIndexTest, NoWordsListsFilteredDocumentsByPopularity) {
  index_query q;
  q.country = "SE";
  auto r = index.search(q);
  EXPECT_EQ(r.total, 4);
  EXPECT_EQ(r.ids.front(), 4);
}

TEST_F(SearchIndexTest, PagesAreSlicesOfOneOrder) {
  auto all = index.search(words({{"band", 0, {}}}));
  std::vector<std::int64_t> paged;
  for (int off = 0; off < 6; off += 2) {
    auto q = words({{"band", 0, {}}});
    q.limit = 2;
    q.offset = off;
    for (auto id : index.search(q).ids) paged.push_back(id);
  }
  EXPECT_EQ(paged, all.ids);
  EXPECT_EQ(all.total, 5);
}

TEST_F(SearchIndexTest, GenreCountsMostFirstThenByName) {
  auto g = index.genre_counts();
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0], (std::pair<std::string, std::int64_t>{"pop", 4}));
  EXPECT_EQ(g[1], (std::pair<std::string, std::int64_t>{"reggae", 1}));
  EXPECT_EQ(g[2], (std::pair<std::string, std::int64_t>{"rock", 1}));
  EXPECT_TRUE(search_index().genre_counts().empty());
}

TEST(SearchIndex, EmptyIndexFindsNothing) {
  search_index empty;
  EXPECT_EQ(empty.search(words({{"x", 0, {}}})).total, 0);
}

}  // namespace
}  // namespace tonearm::catalog
