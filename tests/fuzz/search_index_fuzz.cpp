// search_index: build from fuzzed documents (words through parse_tsvector_text), then
// run fuzzed queries.
// Input: FuzzedDataProvider bytes: up to 40 documents (id, popularity, title, genre,
// year, country, tsvector text), then up to 4 queries (words with weights and
// corrections, filters, whole_fold, limit 1..50, offset with offset + limit <= 1000).
// Checked against a brute-force scan of the documents: the match count (total, capped
// at 1000), the page size, every id a match and no id twice, matches of the words as
// typed before corrected-only ones, exact titles first within a tier, and (for the
// first 200 results) every page a slice of one order. Also genre_counts.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_common.hpp"
#include "tonearm/catalog/search_index.hpp"

using namespace tonearm::catalog;

namespace {

constexpr std::size_t max_prefix_words = 64;  // search_index.cpp: completions per word

struct doc_match {
  bool any = false;    // matches (words typed or corrected, and filters)
  bool typed = false;  // matches with the words as typed
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<index_doc> docs;
  std::set<std::int64_t> ids;
  const int n = in.ConsumeIntegralInRange(0, 40);
  for (int i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    index_doc d;
    d.id = in.ConsumeIntegral<std::int64_t>();
    d.popularity = in.ConsumeIntegral<std::int64_t>();
    d.title_fold = in.ConsumeRandomLengthString(12);
    d.genre_fold = in.ConsumeRandomLengthString(6);
    d.year = in.ConsumeBool() ? in.ConsumeIntegralInRange(1990, 1999) : in.ConsumeIntegral<int>();
    d.country = in.ConsumeRandomLengthString(3);
    d.words = parse_tsvector_text(in.ConsumeRandomLengthString(120));
    for (const auto& [lexeme, bits] : d.words)
      FUZZ_CHECK(bits != 0 && bits <= 15, "parse_tsvector_text: weight bits %u for '%s'", bits,
                 tonearm::fuzz::printable(lexeme).c_str());
    if (!ids.insert(d.id).second) continue;  // ids are primary keys
    docs.push_back(std::move(d));
  }
  const search_index index(docs);
  FUZZ_CHECK(index.size() == docs.size(), "index of %zu docs has size %zu", docs.size(), index.size());
  (void)index.memory_bytes();

  // genre_counts: every non-empty genre, counts summing to the docs with a genre.
  std::unordered_map<std::string, std::int64_t> genres;
  for (const auto& d : docs)
    if (!d.genre_fold.empty()) ++genres[d.genre_fold];
  auto counts = index.genre_counts();
  FUZZ_CHECK(counts.size() == genres.size(), "%zu genres, expected %zu", counts.size(), genres.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    FUZZ_CHECK(genres[counts[i].first] == counts[i].second, "genre count of '%s'",
               tonearm::fuzz::printable(counts[i].first).c_str());
    if (i > 0)
      FUZZ_CHECK(counts[i - 1].second > counts[i].second ||
                     (counts[i - 1].second == counts[i].second && counts[i - 1].first < counts[i].first),
                 "genre_counts out of order at %zu", i);
  }

  std::set<std::string> vocabulary;
  for (const auto& d : docs)
    for (const auto& w : d.words) vocabulary.insert(w.first);

  for (int qi = 0; qi < 4 && in.remaining_bytes() > 0; ++qi) {
    index_query q;
    const int nwords = in.ConsumeIntegralInRange(0, 4);
    for (int w = 0; w < nwords; ++w) {
      index_word word;
      word.lexeme = in.ConsumeRandomLengthString(10);
      word.weights = in.ConsumeIntegral<std::uint8_t>() & 15;
      const int ncorr = in.ConsumeIntegralInRange(0, 2);
      for (int c = 0; c < ncorr; ++c) word.corrections.push_back(in.ConsumeRandomLengthString(10));
      q.words.push_back(std::move(word));
    }
    if (in.ConsumeBool()) q.genre_fold = in.ConsumeRandomLengthString(6);
    if (in.ConsumeBool()) {
      int from = in.ConsumeIntegralInRange(1000, 9999);
      q.years = year_range{from, in.ConsumeIntegralInRange(from, 9999)};
    }
    if (in.ConsumeBool()) q.country = in.ConsumeRandomLengthString(3);
    q.whole_fold = in.ConsumeRandomLengthString(12);
    q.limit = in.ConsumeIntegralInRange(1, max_search_limit);
    q.offset = in.ConsumeBool() ? in.ConsumeIntegralInRange(0, 3) : in.ConsumeIntegralInRange(0, max_search_results - q.limit);

    // Brute force. A prefix with more than 64 completions keeps only the most frequent
    // ones, so the count is exact only when no word has that many.
    bool exact = true;
    for (const auto& w : q.words) {
      std::size_t completions = 0;
      for (auto it = vocabulary.lower_bound(w.lexeme); it != vocabulary.end() && starts_with(*it, w.lexeme); ++it)
        ++completions;
      exact = exact && completions <= max_prefix_words;
    }
    std::unordered_map<std::int64_t, doc_match> match;
    std::int64_t matches = 0;
    for (const auto& d : docs) {
      bool filters = (!q.genre_fold || (!d.genre_fold.empty() && d.genre_fold == *q.genre_fold)) &&
                     (!q.country || (!d.country.empty() && d.country == *q.country)) &&
                     (!q.years || (d.year != 0 && d.year >= q.years->from && d.year <= q.years->to));
      bool typed = filters, any = filters;
      for (const auto& w : q.words) {
        bool t = false, c = false;
        for (const auto& [lexeme, bits] : d.words) {
          if (w.weights && !(bits & w.weights)) continue;
          t = t || starts_with(lexeme, w.lexeme);
          for (const auto& corr : w.corrections) c = c || lexeme == corr;
        }
        typed = typed && t;
        any = any && (t || c);
      }
      match[d.id] = {any, typed};
      matches += any;
    }

    const index_result r = index.search(q);
    const std::int64_t capped = std::min<std::int64_t>(matches, max_search_results);
    if (exact) FUZZ_CHECK(r.total == capped, "total %lld, brute force %lld", static_cast<long long>(r.total),
                          static_cast<long long>(capped));
    else FUZZ_CHECK(r.total <= capped, "total %lld > brute force %lld", static_cast<long long>(r.total),
                    static_cast<long long>(capped));
    FUZZ_CHECK(r.total >= 0 && r.total <= max_search_results, "total %lld", static_cast<long long>(r.total));
    const std::int64_t page = std::max<std::int64_t>(0, std::min<std::int64_t>(q.offset + q.limit, r.total) - q.offset);
    FUZZ_CHECK(static_cast<std::int64_t>(r.ids.size()) == page, "%zu ids for total %lld offset %d limit %d",
               r.ids.size(), static_cast<long long>(r.total), q.offset, q.limit);
    std::set<std::int64_t> seen;
    std::unordered_map<std::int64_t, std::string> titles;
    for (const auto& d : docs) titles[d.id] = d.title_fold;
    auto exact_title = [&](std::int64_t id) { return !q.whole_fold.empty() && titles[id] == q.whole_fold; };
    for (std::size_t i = 0; i < r.ids.size(); ++i) {
      const auto id = r.ids[i];
      FUZZ_CHECK(seen.insert(id).second, "id %lld twice in a page", static_cast<long long>(id));
      auto it = match.find(id);
      FUZZ_CHECK(it != match.end() && it->second.any, "id %lld does not match the query", static_cast<long long>(id));
      if (!exact || i == 0) continue;
      // Ranking tiers: typed matches first, then an exact title, within a page.
      const bool typed = it->second.typed, prev_typed = match[r.ids[i - 1]].typed;
      FUZZ_CHECK(!(typed && !prev_typed), "a match as typed (id %lld) ranked after a corrected-only one",
                 static_cast<long long>(id));
      if (typed == prev_typed)
        FUZZ_CHECK(!(exact_title(id) && !exact_title(r.ids[i - 1])),
                   "an exact title (id %lld) ranked after another title in its tier", static_cast<long long>(id));
    }

    // Pages within the first 200 results are slices of one order.
    if (q.offset > 0 && q.offset + q.limit <= 200) {
      index_query first = q;
      first.offset = 0;
      first.limit = 50;
      std::vector<std::int64_t> order;
      for (int off = 0; off < q.offset + q.limit; off += 50) {
        first.offset = off;
        auto part = index.search(first).ids;
        order.insert(order.end(), part.begin(), part.end());
      }
      for (std::size_t i = 0; i < r.ids.size(); ++i)
        FUZZ_CHECK(static_cast<std::size_t>(q.offset) + i < order.size() && order[q.offset + i] == r.ids[i],
                   "page at offset %d is not a slice of the first 200 results (position %zu)", q.offset, i);
    }
  }
  return 0;
}
