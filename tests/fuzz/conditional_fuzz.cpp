// Conditional requests and HTTP dates: parse_http_date, format_http_date,
// not_modified, range_allowed.
// Input: lines "IF-NONE-MATCH\nIF-MODIFIED-SINCE\nIF-RANGE\nETAG\nLAST-MODIFIED"
// (missing lines are empty; LAST-MODIFIED is a signed decimal).
// Properties: every date the parser accepts formats back to a date it parses to the
// same second; IMF-fixdate, RFC 850 and asctime spellings of one instant agree; the
// RFC 9110 rules the header documents ("*", weak comparison for If-None-Match, strong
// for If-Range, W/ never allows a Range, dates compared as documented).
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/stream/conditional.hpp"

using namespace tonearm;

namespace {

// IMF-fixdate has a four-digit year: 1970-01-01 .. 9999-12-31 23:59:59.
constexpr std::int64_t max_date = 253402300799;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::int64_t parse_signed(std::string_view s) {
  bool neg = !s.empty() && s.front() == '-';
  if (neg) s.remove_prefix(1);
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<std::int64_t>(neg ? ~n + 1 : n);  // wraps: any value is reachable
}

std::string strftime_utc(std::int64_t t, const char* fmt) {
  std::time_t s = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

void check_round_trip(std::int64_t t) {
  if (t < 0 || t > max_date) return;
  std::string text = stream::format_http_date(t);
  FUZZ_CHECK(text.size() == 29, "format_http_date(%lld) = '%s' is not an IMF-fixdate", static_cast<long long>(t),
             text.c_str());
  auto back = stream::parse_http_date(text);
  FUZZ_CHECK(back && *back == t, "parse_http_date(format_http_date(%lld) = '%s') = %lld", static_cast<long long>(t),
             text.c_str(), back ? static_cast<long long>(*back) : -1LL);
  // The obsolete forms of the same instant (RFC 850's two-digit year: 1970..2069).
  std::string asctime = strftime_utc(t, "%a %b %e %H:%M:%S %Y");
  auto a = stream::parse_http_date(asctime);
  FUZZ_CHECK(a && *a == t, "asctime '%s' parsed to %lld, IMF-fixdate to %lld", asctime.c_str(),
             a ? static_cast<long long>(*a) : -1LL, static_cast<long long>(t));
  if (t < 3155760000) {  // 2070-01-01
    std::string rfc850 = strftime_utc(t, "%A, %d-%b-%y %H:%M:%S GMT");
    auto r = stream::parse_http_date(rfc850);
    FUZZ_CHECK(r && *r == t, "RFC 850 '%s' parsed to %lld, IMF-fixdate to %lld", rfc850.c_str(),
               r ? static_cast<long long>(*r) : -1LL, static_cast<long long>(t));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto f = fuzz::lines(fuzz::as_text(data, size));
  f.resize(5);
  const std::string_view inm = f[0], ims = f[1], if_range = f[2];
  const stream::validators v{std::string(f[3]), parse_signed(f[4])};

  for (auto text : {inm, ims, if_range}) {
    if (auto t = stream::parse_http_date(text)) check_round_trip(*t);
  }
  check_round_trip(v.last_modified);
  if (v.last_modified >= 0) check_round_trip(v.last_modified % (max_date + 1));

  const bool nm = stream::not_modified(inm, ims, v);
  const bool ra = stream::range_allowed(if_range, v);

  // If-None-Match decides alone when present.
  if (trim(inm) == "*") FUZZ_CHECK(nm, "If-None-Match: * must match");
  if (trim(inm).empty()) {
    if (auto date = stream::parse_http_date(ims))
      FUZZ_CHECK(nm == (v.last_modified <= *date), "If-Modified-Since '%s' (%lld) vs last_modified %lld gave %d",
                 fuzz::printable(ims).c_str(), static_cast<long long>(*date), static_cast<long long>(v.last_modified),
                 nm);
    else
      FUZZ_CHECK(!nm, "an unparseable If-Modified-Since '%s' must be ignored", fuzz::printable(ims).c_str());
  }
  // Weak comparison: the (strong, quoted) ETag itself and its W/ form both match.
  std::string_view etag = v.etag;
  if (!etag.empty() && etag.front() == '"' && etag == trim(etag) && etag.find(',') == std::string_view::npos) {
    FUZZ_CHECK(stream::not_modified(etag, ims, v), "If-None-Match equal to the ETag '%s' must match",
               fuzz::printable(etag).c_str());
    FUZZ_CHECK(stream::not_modified("W/" + v.etag, ims, v), "If-None-Match W/ + ETag '%s' must match (weak)",
               fuzz::printable(etag).c_str());
    FUZZ_CHECK(stream::range_allowed(etag, v), "If-Range equal to the strong ETag '%s' must allow the Range",
               fuzz::printable(etag).c_str());
  }

  // If-Range.
  auto ir = trim(if_range);
  if (ir.empty()) FUZZ_CHECK(ra, "no If-Range must allow the Range");
  if (ir.substr(0, 2) == "W/") FUZZ_CHECK(!ra, "a weak If-Range '%s' must never allow a Range", fuzz::printable(ir).c_str());
  if (!ir.empty() && ir.front() == '"')
    FUZZ_CHECK(ra == (ir == etag), "If-Range '%s' vs ETag '%s': strong comparison gave %d", fuzz::printable(ir).c_str(),
               fuzz::printable(etag).c_str(), ra);
  if (v.last_modified >= 0 && v.last_modified <= max_date) {
    std::string date = stream::format_http_date(v.last_modified);
    FUZZ_CHECK(stream::range_allowed(date, v), "If-Range '%s' equal to Last-Modified must allow the Range", date.c_str());
    FUZZ_CHECK(stream::not_modified("", date, v), "If-Modified-Since equal to Last-Modified must be not modified");
  }
  return 0;
}
