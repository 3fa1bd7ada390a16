// Search requests: parsing q (with field prefixes), the filters and paging. Pure
// functions, tested by tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tonearm::catalog {

// Which part of a song a term must match (tsvector weights: title A, author B, album C).
enum class search_field { any, title, author, album };

struct search_term {
  std::string text;  // as typed (folding and tokenising happen in PostgreSQL)
  search_field field = search_field::any;
};

struct year_range {
  int from = 0;
  int to = 0;
};

struct search_query {
  std::vector<search_term> terms;
  std::optional<std::string> genre;    // compared accent- and case-folded
  std::optional<year_range> years;
  std::optional<std::string> country;  // ISO 3166-1 alpha-2, any case
  bool songs = true, authors = true, albums = true;
  int limit = 20;
  int offset = 0;
};

struct search_params {
  std::optional<std::string> q, type, limit, offset, genre, year, country;
};

inline constexpr int max_search_limit = 50;
// Search pages reach the first 1000 results (offset + limit <= 1000), as in
// Spotify's API: ranking stays bounded work however common the words are.
inline constexpr int max_search_results = 1000;

// Validates and parses. `q` may hold field prefixes: artist:radiohead (also author:),
// title:, album:, genre:rock, year:1997 or year:1990-1999, country:IS; a value may be
// quoted: artist:"sigur ros". Explicit parameters win over prefixes in q.
// Text must be UTF-8 without control characters (a tab separates words).
// Throws tonearm::api_error(bad_request) with a message naming the parameter.
search_query parse_search(const search_params& params);

// The analysis cache's key for these terms and genre: distinct inputs give distinct
// keys whatever bytes the texts hold (each part is length-prefixed).
std::string analysis_key(const std::vector<std::string>& terms, const std::optional<std::string>& genre);

// "1997" or "1990-1999" (years 1000..9999); nullopt when malformed or reversed.
std::optional<year_range> parse_year_range(std::string_view text);

}  // namespace tonearm::catalog
