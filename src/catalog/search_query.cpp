// Search query parsing.
#include "tonearm/catalog/search_query.hpp"

#include <charconv>

#include "tonearm/core/error.hpp"
#include "tonearm/core/text.hpp"

namespace tonearm::catalog {

namespace {

[[noreturn]] void bad(const std::string& message) { throw api_error(errc::bad_request, message); }

int parse_int_param(const std::optional<std::string>& v, const char* name, int fallback, int lo, int hi) {
  if (!v) return fallback;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc{} || p != v->data() + v->size() || n < lo || n > hi)
    bad(std::string("parameter '") + name + "' must be an integer from " + std::to_string(lo) + " to " +
        std::to_string(hi) + ", got '" + *v + "'");
  return n;
}

struct q_token {
  std::string key;  // "" for a plain word
  std::string value;
};

// Splits q on spaces; key:value and key:"quoted value" stay together; a quoted
// phrase without a key becomes one plain token.
std::vector<q_token> tokenize(std::string_view q) {
  std::vector<q_token> out;
  std::size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && (q[i] == ' ' || q[i] == '\t')) ++i;
    if (i >= q.size()) break;
    q_token t;
    std::size_t start = i;
    while (i < q.size() && q[i] != ' ' && q[i] != '\t' && q[i] != ':' && q[i] != '"') ++i;
    if (i < q.size() && q[i] == ':' && i > start) {
      t.key = std::string(q.substr(start, i - start));
      for (auto& c : t.key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
    } else {
      i = start;
    }
    if (i < q.size() && q[i] == '"') {
      auto close = q.find('"', i + 1);
      std::size_t end = close == std::string_view::npos ? q.size() : close;
      t.value = std::string(q.substr(i + 1, end - i - 1));
      i = close == std::string_view::npos ? q.size() : close + 1;
    } else {
      std::size_t vstart = i;
      while (i < q.size() && q[i] != ' ' && q[i] != '\t') ++i;
      t.value = std::string(q.substr(vstart, i - vstart));
    }
    out.push_back(std::move(t));
  }
  return out;
}

using core::trimmed;

std::string normalized_country(const std::string& v, const char* where) {
  std::string c = trimmed(v);
  if (c.size() != 2 || !std::isalpha(static_cast<unsigned char>(c[0])) || !std::isalpha(static_cast<unsigned char>(c[1])))
    bad(std::string(where) + " must be a two-letter country code (ISO 3166-1), got '" + v + "'");
  for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c;
}

}  // namespace

std::optional<year_range> parse_year_range(std::string_view text) {
  auto year = [](std::string_view s) -> std::optional<int> {
    int y = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), y);
    if (s.size() != 4 || ec != std::errc{} || p != s.data() + s.size() || y < 1000) return std::nullopt;
    return y;
  };
  auto dash = text.find('-');
  auto from = year(text.substr(0, dash));
  if (!from) return std::nullopt;
  if (dash == std::string_view::npos) return year_range{*from, *from};
  auto to = year(text.substr(dash + 1));
  if (!to || *to < *from) return std::nullopt;
  return year_range{*from, *to};
}

std::string analysis_key(const std::vector<std::string>& terms, const std::optional<std::string>& genre) {
  // Each part length-prefixed: no term or genre text can run into the next part.
  std::string key;
  for (const auto& t : terms) key += std::to_string(t.size()) + ':' + t;
  key += genre ? "g" + std::to_string(genre->size()) + ':' + *genre : "-";
  return key;
}

search_query parse_search(const search_params& params) {
  search_query out;
  for (const auto* p : {&params.q, &params.type, &params.limit, &params.offset, &params.genre, &params.year,
                        &params.country}) {
    if (*p && (!core::valid_utf8(**p) || core::has_control(**p, /*allow_tab=*/true)))
      bad("search parameters must be UTF-8 text without control characters");
  }
  if (!params.q || trimmed(*params.q).empty()) bad("parameter 'q' is required and must not be empty");
  if (params.q->size() > 500) bad("parameter 'q' is longer than 500 characters");
  out.limit = parse_int_param(params.limit, "limit", 20, 1, max_search_limit);
  out.offset = parse_int_param(params.offset, "offset", 0, 0, max_search_results - 1);
  if (out.offset + out.limit > max_search_results)
    bad("offset + limit must not exceed " + std::to_string(max_search_results) + ": search pages reach the first " +
        std::to_string(max_search_results) + " results");

  if (params.type) {
    out.songs = out.authors = out.albums = false;
    std::string_view types = *params.type;
    while (!types.empty()) {
      auto comma = types.find(',');
      std::string t = trimmed(std::string(types.substr(0, comma)));
      types = comma == std::string_view::npos ? std::string_view{} : types.substr(comma + 1);
      if (t == "song" || t == "songs") out.songs = true;
      else if (t == "author" || t == "authors" || t == "artist" || t == "artists") out.authors = true;
      else if (t == "album" || t == "albums") out.albums = true;
      else bad("parameter 'type' takes song, author and album (comma-separated), got '" + t + "'");
    }
    if (!out.songs && !out.authors && !out.albums)
      bad("parameter 'type' must name at least one of song, author and album (leave it out for all three)");
  }

  for (auto& tok : tokenize(*params.q)) {
    std::string value = trimmed(tok.value);
    if (tok.key.empty()) {
      if (!value.empty()) out.terms.push_back({value, search_field::any});
    } else if (tok.key == "artist" || tok.key == "author") {
      if (!value.empty()) out.terms.push_back({value, search_field::author});
    } else if (tok.key == "title" || tok.key == "song" || tok.key == "track") {
      if (!value.empty()) out.terms.push_back({value, search_field::title});
    } else if (tok.key == "album") {
      if (!value.empty()) out.terms.push_back({value, search_field::album});
    } else if (tok.key == "genre") {
      if (value.empty()) bad("genre: needs a value");
      out.genre = value;
    } else if (tok.key == "year") {
      out.years = parse_year_range(value);
      if (!out.years) bad("year: must be a year (1997) or a range (1990-1999), got '" + value + "'");
    } else if (tok.key == "country") {
      out.country = normalized_country(value, "country:");
    } else {
      // Not a field we know ("ac:dc", "re:member"): the whole token is plain text.
      out.terms.push_back({tok.key + ":" + tok.value, search_field::any});
    }
  }
  if (params.genre) {
    if (trimmed(*params.genre).empty()) bad("parameter 'genre' must not be empty");
    out.genre = trimmed(*params.genre);
  }
  if (params.year) {
    out.years = parse_year_range(trimmed(*params.year));
    if (!out.years) bad("parameter 'year' must be a year (1997) or a range (1990-1999), got '" + *params.year + "'");
  }
  if (params.country) out.country = normalized_country(*params.country, "parameter 'country'");
  if (out.terms.empty() && !out.genre && !out.years && !out.country)
    bad("parameter 'q' has no words to search for");
  return out;
}

}  // namespace tonearm::catalog
