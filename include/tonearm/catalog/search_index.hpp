// An in-process search index over one entity (songs, authors or albums): posting
// lists in popularity order, so the best candidates are the first hits of a walk.
// Built from PostgreSQL (the source of truth) and replaced whole when the catalog
// changes; immutable once built, so any number of threads may search it.
#pragma once

#include <cstdint>
#include <exception>
#include <stop_token>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tonearm/catalog/search_query.hpp"

namespace tonearm::catalog {

// Field bits of a word in a document (tsvector weights A, B, C, D).
enum : std::uint8_t { weight_a = 1, weight_b = 2, weight_c = 4, weight_d = 8 };

struct index_doc {
  std::int64_t id = 0;
  std::int64_t popularity = 0;
  std::string title_fold;  // folded title or name, for "title equals the query"
  std::string genre_fold;  // "" when none
  int year = 0;            // 0 when unknown
  std::string country;     // upper-case ISO code, "" when none
  std::vector<std::pair<std::string, std::uint8_t>> words;  // lexeme, weight bits
};

// One query word as PostgreSQL analysed it.
struct index_word {
  std::string lexeme;
  std::uint8_t weights = 0;              // 0: any field; else the allowed weight bits
  std::vector<std::string> corrections;  // typo neighbours from the dictionary
};

struct index_query {
  std::vector<index_word> words;
  std::optional<std::string> genre_fold;
  std::optional<year_range> years;
  std::optional<std::string> country;
  std::string whole_fold;  // the folded query text
  int limit = 20;
  int offset = 0;
};

struct index_result {
  std::vector<std::int64_t> ids;  // the page, best first
  std::int64_t total = 0;         // matches, at most max_search_results
};

// Thrown by a build asked to stop (the server shuts down): nothing half built is kept.
struct build_stopped : std::exception {
  const char* what() const noexcept override { return "search index build stopped"; }
};

class search_index {
 public:
  search_index() = default;
  // Builds over `docs`. Checks `stop` every 4096 documents and throws build_stopped
  // once it is requested: a build of millions of songs never holds up a shutdown.
  explicit search_index(std::vector<index_doc> docs, std::stop_token stop = {});

  // Matches: every word, as a prefix of a catalog word or through one of its
  // corrections, within its allowed fields; all filters. Ranking: matches of the
  // words as typed first, then a title equal to the query, then the field weights
  // of the matched words (title 1.0, artist 0.4, album 0.2, other 0.1, summed over
  // words) times (1 + ln(1 + popularity) / 10), then popularity, then id. Only the
  // most popular matches of each tier are ranked: 200 for pages within the first 200
  // results (so those pages are slices of one order), the page's end rounded up to a
  // multiple of 200 beyond.
  index_result search(const index_query& q) const;

  // Each genre (folded) with its number of documents, most first, then by name.
  std::vector<std::pair<std::string, std::int64_t>> genre_counts() const;

  std::size_t size() const { return ids_.size(); }
  std::size_t word_count() const { return words_.size(); }
  std::size_t memory_bytes() const;

 private:
  using bitset = std::vector<std::uint64_t>;
  bitset empty_bits() const { return bitset((ids_.size() + 63) / 64, 0); }
  bitset all_bits() const;
  // Words (ids) starting with `prefix`, at most `max` of them, most frequent first.
  std::vector<std::uint32_t> completions(const std::string& prefix, std::size_t max) const;
  void add_postings(bitset& bits, std::uint32_t word, std::uint8_t weights) const;
  std::optional<bitset> filter_bits(const index_query& q) const;

  // Documents are numbered 0.. in popularity order (most played first).
  std::vector<std::int64_t> ids_;
  std::vector<std::int64_t> popularity_;
  std::vector<std::string> title_fold_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_title_;  // docs ascending
  std::vector<std::uint32_t> forward_offset_;                      // doc -> start in forward_
  std::vector<std::pair<std::uint32_t, std::uint8_t>> forward_;  // word id, weight bits
  std::vector<std::string> words_;                                 // sorted
  std::vector<std::vector<std::uint32_t>> postings_;               // word -> docs, ascending
  std::vector<std::vector<std::uint8_t>> posting_weights_;         // parallel to postings_
  // Words in more than 1/32 of the documents also as a bitset: OR-ing 16 k words
  // beats setting 300 k bits one by one.
  std::unordered_map<std::uint32_t, bitset> dense_;
  std::unordered_map<std::string, bitset> genre_bits_, country_bits_;
  std::unordered_map<int, bitset> year_bits_;
};

// Parses PostgreSQL's tsvector text ("'joga':1A 'bjork':2B,3") into lexemes with
// weight bits; a position without a letter is weight D.
std::vector<std::pair<std::string, std::uint8_t>> parse_tsvector_text(const std::string& text);

}  // namespace tonearm::catalog
