// Request targets, query strings and percent-decoding: split_target, parse_query,
// percent_decode, url_encode as their inverse, and the text checks of hostile input
// (text_problem, core::valid_utf8) against a reference that decodes code points.
// Input: "TARGET\nNAME\nVALUE" (missing lines are empty). TARGET goes through
// split_target and is percent-decoded both ways; NAME and VALUE are url_encode'd into a
// query string that parse_query must give back exactly.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/core/text.hpp"
#include "tonearm/http/params.hpp"
#include "tonearm/http/request.hpp"

using namespace tonearm;

namespace {

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// RFC 3629 by decoding: the shortest form, no surrogates, nothing above U+10FFFF.
bool reference_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3F);
    }
    static const std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < shortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool text_ok(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
  }
  return reference_utf8(s);
}

void check_utf8(std::string_view s) {
  FUZZ_CHECK(core::valid_utf8(s) == reference_utf8(s), "valid_utf8('%s') = %d", fuzz::printable(s).c_str(),
             core::valid_utf8(s));
}

void check_decode(std::string_view text, bool plus_as_space) {
  auto d = http::percent_decode(text, plus_as_space);
  const std::string shown = fuzz::printable(text);
  if (!d) {
    FUZZ_CHECK(text.find('%') != std::string_view::npos, "percent_decode('%s') failed without a '%%'", shown.c_str());
    return;
  }
  // Only a decoded NUL is refused (a raw one never gets past the HTTP parser).
  FUZZ_CHECK(!has_nul(*d) || has_nul(text), "percent_decode('%s') decoded a NUL", shown.c_str());
  FUZZ_CHECK(d->size() <= text.size(), "percent_decode('%s') grew the text", shown.c_str());
  if (text.find('%') == std::string_view::npos) {
    std::string expect(text);
    if (plus_as_space)
      for (auto& c : expect) c = c == '+' ? ' ' : c;
    FUZZ_CHECK(*d == expect, "percent_decode('%s') changed text without escapes", shown.c_str());
  }
}

void check_encoded(std::string_view raw) {
  std::string enc = http::url_encode(raw);
  for (char c : enc) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '~' || c == '%';
    FUZZ_CHECK(ok, "url_encode('%s') left '%c' unescaped", fuzz::printable(raw).c_str(), c);
  }
  auto back = http::percent_decode(enc, true);
  if (has_nul(raw)) {
    FUZZ_CHECK(!back, "a decoded NUL must be refused");
  } else {
    FUZZ_CHECK(back && *back == raw, "percent_decode(url_encode('%s')) = '%s'", fuzz::printable(raw).c_str(),
               back ? fuzz::printable(*back).c_str() : "nullopt");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  auto nl = input.find('\n');
  std::string_view target = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  auto nl2 = rest.find('\n');
  std::string_view name = rest.substr(0, nl2);
  std::string_view value = nl2 == std::string_view::npos ? std::string_view{} : rest.substr(nl2 + 1);

  http::request req;
  req.target = std::string(target);
  http::split_target(req);
  auto q = target.find('?');
  FUZZ_CHECK(req.path == target.substr(0, q), "path '%s' of target '%s'", fuzz::printable(req.path).c_str(),
             fuzz::printable(target).c_str());
  FUZZ_CHECK(q == std::string_view::npos ? req.query.empty() : req.query == target.substr(q + 1), "query '%s'",
             fuzz::printable(req.query).c_str());
  FUZZ_CHECK(req.query_params == http::parse_query(req.query), "split_target and parse_query disagree");
  std::size_t parts = 1;
  for (char c : req.query) parts += c == '&';
  FUZZ_CHECK(req.query_params.size() <= parts, "%zu parameters from %zu parts", req.query_params.size(), parts);
  for (const auto& kv : req.query_params)
    FUZZ_CHECK(req.query_param(kv.first).has_value(), "query_param misses '%s'", fuzz::printable(kv.first).c_str());

  // text_problem: "" exactly when every escape of the query is well-formed (and not
  // %00) and every decoded name and value is UTF-8 without control characters.
  bool expect_ok = http::percent_decode(req.query, true).has_value();
  for (const auto& [k, v] : req.query_params) expect_ok = expect_ok && text_ok(k) && text_ok(v);
  const std::string problem = http::text_problem(req);
  FUZZ_CHECK(problem.empty() == expect_ok, "text_problem('%s') = '%s'", fuzz::printable(req.query).c_str(),
             fuzz::printable(problem).c_str());
  FUZZ_CHECK(text_ok(problem), "text_problem's message '%s' is not clean text", fuzz::printable(problem).c_str());
  for (auto s : {target, name, value}) check_utf8(s);
  for (const auto& kv : req.query_params) {
    check_utf8(kv.first);
    check_utf8(kv.second);
  }

  check_decode(target, false);
  check_decode(target, true);
  check_decode(req.path, false);
  check_encoded(name);
  check_encoded(value);

  // A query string built with url_encode parses back to exactly its pair.
  if (!has_nul(name) && !has_nul(value) && !name.empty()) {
    auto parsed = http::parse_query(http::url_encode(name) + "=" + http::url_encode(value));
    FUZZ_CHECK(parsed.size() == 1 && parsed[0].first == name && parsed[0].second == value,
               "parse_query(url_encode('%s')=url_encode('%s')) gave %zu pairs", fuzz::printable(name).c_str(),
               fuzz::printable(value).c_str(), parsed.size());
    auto two = http::parse_query("a=1&" + http::url_encode(name) + "=" + http::url_encode(value) + "&&b");
    FUZZ_CHECK(two.size() == 3 && two[1].first == name && two[1].second == value && two[2].first == "b" &&
                   two[2].second.empty(),
               "parse_query of three parameters gave %zu", two.size());
  }
  return 0;
}
