// parse_search (the q syntax with field prefixes, and the other search parameters)
// and parse_year_range.
// Input: lines "NAME=VALUE" with NAME one of q, type, limit, offset, genre, year,
// country (others ignored; a later line wins); a parameter without a line is absent.
// Only api_error(bad_request) may come out; a parsed query must be within the
// documented bounds, its text UTF-8 without control characters; analysis_key tells
// apart term lists that differ only in how the same bytes are split.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/catalog/search_query.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/core/text.hpp"

using namespace tonearm;
using namespace tonearm::catalog;

namespace {

std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

void check_years(const year_range& y, const char* where) {
  FUZZ_CHECK(y.from >= 1000 && y.to <= 9999 && y.from <= y.to, "%s: bad year range %d-%d", where, y.from, y.to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  search_params p;
  for (auto line : fuzz::lines(fuzz::as_text(data, size))) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = line.substr(0, eq);
    std::string value(line.substr(eq + 1));
    if (name == "q") p.q = value;
    else if (name == "type") p.type = value;
    else if (name == "limit") p.limit = value;
    else if (name == "offset") p.offset = value;
    else if (name == "genre") p.genre = value;
    else if (name == "year") p.year = value;
    else if (name == "country") p.country = value;
  }

  if (p.q) {
    if (auto y = parse_year_range(*p.q)) check_years(*y, "parse_year_range(q)");
  }

  search_query out;
  try {
    out = parse_search(p);
  } catch (const api_error& e) {
    FUZZ_CHECK(e.code() == errc::bad_request, "api_error with code %d", static_cast<int>(e.code()));
    FUZZ_CHECK(e.what()[0] != '\0', "api_error without a message");
    return 0;
  }

  FUZZ_CHECK(p.q && !trimmed(*p.q).empty() && p.q->size() <= 500, "parsed without a usable q");
  FUZZ_CHECK(out.limit >= 1 && out.limit <= max_search_limit, "limit %d", out.limit);
  FUZZ_CHECK(out.offset >= 0 && out.offset + out.limit <= max_search_results, "offset %d limit %d", out.offset,
             out.limit);
  FUZZ_CHECK(!out.terms.empty() || out.genre || out.years || out.country, "a query with nothing to search for");
  for (const auto& t : out.terms) FUZZ_CHECK(!t.text.empty(), "an empty search term");
  if (out.years) check_years(*out.years, "years");
  if (out.country) {
    const auto& c = *out.country;
    FUZZ_CHECK(c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z', "country '%s'",
               fuzz::printable(c).c_str());
  }
  if (out.genre) FUZZ_CHECK(!trimmed(*out.genre).empty(), "an empty genre");
  // Explicit parameters win over prefixes in q.
  if (p.genre) FUZZ_CHECK(out.genre == trimmed(*p.genre), "genre parameter lost to q");
  if (p.year) {
    auto y = parse_year_range(trimmed(*p.year));
    FUZZ_CHECK(y && out.years && out.years->from == y->from && out.years->to == y->to, "year parameter lost to q");
  }
  if (p.country) {
    std::string c = trimmed(*p.country);
    for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    FUZZ_CHECK(out.country == c, "country parameter lost to q");
  }
  if (!p.type) FUZZ_CHECK(out.songs && out.authors && out.albums, "no type parameter must search everything");
  for (const auto& t : out.terms)
    FUZZ_CHECK(core::valid_utf8(t.text) && !core::has_control(t.text, true), "term '%s' is not clean text",
               fuzz::printable(t.text).c_str());

  // analysis_key: one key per (terms, genre); the same bytes split otherwise, or a
  // term moved into the genre, give another key.
  std::vector<std::string> terms;
  for (const auto& t : out.terms) terms.push_back(t.text);
  const std::string key = analysis_key(terms, out.genre);
  FUZZ_CHECK(key == analysis_key(terms, out.genre), "analysis_key is not a function");
  auto differs = [&](const std::vector<std::string>& t2, const std::optional<std::string>& g2, const char* how) {
    if (t2 == terms && g2 == out.genre) return;
    FUZZ_CHECK(analysis_key(t2, g2) != key, "analysis_key collision (%s) for key '%s'", how, fuzz::printable(key).c_str());
  };
  for (std::size_t i = 0; i + 1 < terms.size(); ++i) {
    auto merged = terms;
    merged[i] += merged[i + 1];
    merged.erase(merged.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    differs(merged, out.genre, "two terms joined");
  }
  if (!terms.empty()) {
    auto split = terms;
    auto& t0 = split[0];
    std::string tail = t0.substr(t0.size() / 2);
    t0.resize(t0.size() / 2);
    split.insert(split.begin() + 1, tail);
    differs(split, out.genre, "a term split");
    auto fewer = terms;
    std::string last = fewer.back();
    fewer.pop_back();
    differs(fewer, last, "the last term as the genre");
    differs(fewer, out.genre ? std::optional<std::string>(last + *out.genre) : std::nullopt, "term into genre");
  }
  differs(terms, out.genre ? std::nullopt : std::optional<std::string>(""), "no genre vs empty genre");
  return 0;
}
