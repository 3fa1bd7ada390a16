// Conditional request evaluation and HTTP dates.
#include "tonearm/stream/conditional.hpp"
#include "tonearm/core/text.hpp"

#include <ctime>

namespace tonearm::stream {

namespace {

using core::trim_ows;

std::string_view opaque(std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; }

// Calls `f` with each entity-tag of a comma-separated list; stops when it returns true.
template <class F>
bool any_tag(std::string_view list, F f) {
  while (true) {
    auto comma = list.find(',');
    auto tag = trim_ows(list.substr(0, comma));
    if (!tag.empty() && f(tag)) return true;
    if (comma == std::string_view::npos) return false;
    list = list.substr(comma + 1);
  }
}

int month_of(std::string_view m) {
  static const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == names[i]) return i;
  return -1;
}

std::optional<int> digits(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<std::int64_t> make_time(int year, int month, int day, std::string_view hms) {
  if (hms.size() != 8 || hms[2] != ':' || hms[5] != ':') return std::nullopt;
  auto h = digits(hms.substr(0, 2)), mi = digits(hms.substr(3, 2)), s = digits(hms.substr(6, 2));
  if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 60 || month < 0 || day < 1 || day > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view t) {
  t = trim_ows(t);
  auto comma = t.find(',');
  if (comma == 3 && t.size() == 29 && t.substr(25) == " GMT") {  // IMF-fixdate
    auto day = digits(t.substr(5, 2)), year = digits(t.substr(12, 4));
    if (!day || !year || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ') return std::nullopt;
    return make_time(*year, month_of(t.substr(8, 3)), *day, t.substr(17, 8));
  }
  if (comma != std::string_view::npos && comma > 3) {  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    auto rest = trim_ows(t.substr(comma + 1));
    if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' || rest.substr(18) != " GMT")
      return std::nullopt;
    auto day = digits(rest.substr(0, 2)), yy = digits(rest.substr(7, 2));
    if (!day || !yy) return std::nullopt;
    int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;  // RFC 9110 5.6.7: 50-year window, simplified
    return make_time(year, month_of(rest.substr(3, 3)), *day, rest.substr(10, 8));
  }
  if (t.size() == 24 && t[3] == ' ' && t[7] == ' ') {  // asctime: Sun Nov  6 08:49:37 1994
    auto day = digits(trim_ows(t.substr(8, 2))), year = digits(t.substr(20, 4));
    if (!day || !year || t[10] != ' ' || t[19] != ' ') return std::nullopt;
    return make_time(*year, month_of(t.substr(4, 3)), *day, t.substr(11, 8));
  }
  return std::nullopt;
}

std::string format_http_date(std::int64_t seconds) {
  std::time_t s = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, const validators& v) {
  if_none_match = trim_ows(if_none_match);
  if (!if_none_match.empty()) {
    if (if_none_match == "*") return true;
    return any_tag(if_none_match, [&](std::string_view tag) { return opaque(tag) == v.etag; });
  }
  if (auto date = parse_http_date(if_modified_since)) return v.last_modified <= *date;
  return false;
}

bool range_allowed(std::string_view if_range, const validators& v) {
  if_range = trim_ows(if_range);
  if (if_range.empty()) return true;
  if (if_range.front() == '"') return if_range == v.etag;  // strong comparison
  if (if_range.substr(0, 2) == "W/") return false;
  auto date = parse_http_date(if_range);
  return date && *date == v.last_modified;
}

}  // namespace tonearm::stream
