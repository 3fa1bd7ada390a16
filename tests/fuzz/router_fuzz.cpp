// router::add and router::match over the server's route table (src/app/routes.cpp)
// plus routes from the input.
// Input: "METHOD PATH" on the first line; each further line "METHOD PATTERN" adds a
// route (std::invalid_argument for a malformed or duplicate one is fine).
// The match is checked against a reference built from one-route routers (which
// routes match this path at all): 404 exactly when none does, the most specific
// pattern decides (a literal segment earliest wins), 405 lists exactly its methods
// (plus HEAD for GET, plus OPTIONS), HEAD falls back to GET, parameters are the
// pattern's names with non-empty decoded values, and a path rebuilt from the match
// with url_encode'd values routes to the same place.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "tonearm/http/params.hpp"
#include "tonearm/http/router.hpp"

using namespace tonearm;
using http::route_match;

namespace {

// The server's table (src/app/routes.cpp), methods and patterns only.
const std::vector<std::pair<std::string, std::string>>& server_routes() {
  static const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/healthz"},
      {"GET", "/readyz"},
      {"GET", "/v1/search"},
      {"GET", "/v1/genres"},
      {"GET", "/v1/songs/{id}"},
      {"GET", "/v1/authors/{id}"},
      {"GET", "/v1/albums/{id}"},
      {"GET", "/v1/songs/{id}/stream"},
      {"GET", "/v1/charts/top"},
      {"POST", "/v1/users"},
      {"GET", "/v1/users/{id}"},
      {"GET", "/v1/users/{id}/followers"},
      {"GET", "/v1/users/{id}/following"},
      {"POST", "/v1/sessions"},
      {"DELETE", "/v1/sessions/current"},
      {"GET", "/v1/me"},
      {"PUT", "/v1/me/following/users/{id}"},
      {"DELETE", "/v1/me/following/users/{id}"},
      {"PUT", "/v1/me/following/authors/{id}"},
      {"DELETE", "/v1/me/following/authors/{id}"},
      {"GET", "/v1/me/library/songs"},
      {"GET", "/v1/me/library/songs/contains"},
      {"PUT", "/v1/me/library/songs/{id}"},
      {"DELETE", "/v1/me/library/songs/{id}"},
      {"POST", "/v1/playlists"},
      {"GET", "/v1/playlists/{id}"},
      {"PATCH", "/v1/playlists/{id}"},
      {"DELETE", "/v1/playlists/{id}"},
      {"GET", "/v1/playlists/{id}/items"},
      {"POST", "/v1/playlists/{id}/items"},
      {"DELETE", "/v1/playlists/{id}/items"},
      {"PUT", "/v1/playlists/{id}/items"},
      {"PUT", "/v1/playlists/{id}/followers"},
      {"DELETE", "/v1/playlists/{id}/followers"},
      {"GET", "/v1/me/playlists"},
      {"GET", "/v1/users/{id}/playlists"},
      {"GET", "/"},
      {"GET", "/{file}"},
  };
  return routes;
}

http::response no_op(http::request&) { return {}; }

bool is_param(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

std::vector<int> literal_mask(const http::route& r) {
  std::vector<int> mask;
  for (const auto& s : r.segments) mask.push_back(is_param(s) ? 0 : 1);
  return mask;
}

// One added route, with a router holding only it (the reference for "does it match").
struct entry {
  std::string method, pattern;
  std::shared_ptr<http::router> alone;
};

void add_route(http::router& all, std::vector<entry>& entries, const std::string& method, const std::string& pattern) {
  try {
    all.add(method, pattern, no_op);
  } catch (const std::invalid_argument&) {
    return;
  }
  auto alone = std::make_shared<http::router>();
  alone->add(method, pattern, no_op);  // accepted by the full router, so valid on its own
  entries.push_back({method, pattern, std::move(alone)});
}

// HTTP methods are tokens (RFC 9110 5.6.2); Beast's parser lets nothing else through.
bool is_method(std::string_view m) {
  if (m.empty()) return false;
  for (char c : m) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = fuzz::lines(fuzz::as_text(data, size));
  if (input.size() > 9) input.resize(9);  // at most 8 routes of our own

  // The server's routes are added once; routes from the input go to a copy, after them.
  static const auto base = [] {
    std::pair<http::router, std::vector<entry>> b;
    for (const auto& [m, p] : server_routes()) add_route(b.first, b.second, m, p);
    return b;
  }();
  std::optional<http::router> own;
  std::vector<entry> entries = base.second;
  for (std::size_t i = 1; i < input.size(); ++i) {
    auto sp = input[i].find(' ');
    if (sp == std::string_view::npos || !is_method(input[i].substr(0, sp))) continue;
    if (!own) own = base.first;
    add_route(*own, entries, std::string(input[i].substr(0, sp)), std::string(input[i].substr(sp + 1)));
  }
  const http::router& router = own ? *own : base.first;

  auto sp = input[0].find(' ');
  std::string method(sp == std::string_view::npos ? std::string_view("GET") : input[0].substr(0, sp));
  if (!is_method(method)) method = "GET";
  std::string path(sp == std::string_view::npos ? input[0] : input[0].substr(sp + 1));
  const std::string shown = method + " " + fuzz::printable(path);

  route_match m = router.match(method, path);

  // Reference: the routes whose pattern matches the path, the most specific ones.
  std::vector<const http::route*> matching;
  for (const auto& e : entries) {
    auto one = e.alone->match(e.method, path);
    if (one.outcome == route_match::kind::found) matching.push_back(one.route);
  }
  if (matching.empty()) {
    FUZZ_CHECK(m.outcome == route_match::kind::not_found, "%s: no pattern matches, but outcome %d", shown.c_str(),
               static_cast<int>(m.outcome));
  } else {
    FUZZ_CHECK(m.outcome != route_match::kind::not_found, "%s: '%s' matches, but 404", shown.c_str(),
               matching.front()->pattern.c_str());
  }
  if (m.outcome == route_match::kind::not_found) {
    FUZZ_CHECK(m.route == nullptr && m.params.empty(), "%s: 404 with a route", shown.c_str());
    if (m.bad_path)
      FUZZ_CHECK(!http::percent_decode(path, false), "%s: bad_path, but the path decodes", shown.c_str());
    return 0;
  }

  std::vector<int> best;
  for (auto* r : matching) best = std::max(best, literal_mask(*r));
  std::vector<const http::route*> top;
  std::set<std::vector<std::string>> shapes;
  for (auto* r : matching)
    if (literal_mask(*r) == best) {
      top.push_back(r);
      shapes.insert(r->segments);
    }
  // Same literals, parameters named differently (/a/{id} and /a/{x}): the order
  // between those is not specified, so only the single-shape case is checked.
  const bool one_shape = shapes.size() == 1;

  std::set<std::string> methods;
  for (auto* r : top) methods.insert(r->method);
  std::set<std::string> expect_allow = methods;
  if (methods.count("GET")) expect_allow.insert("HEAD");
  expect_allow.insert("OPTIONS");
  std::set<std::string> allow;
  for (std::string_view a = m.allow; !a.empty();) {
    auto comma = a.find(", ");
    allow.insert(std::string(a.substr(0, comma)));
    a = comma == std::string_view::npos ? std::string_view{} : a.substr(comma + 2);
  }
  if (one_shape) FUZZ_CHECK(allow == expect_allow, "%s: Allow '%s' is not the methods of the best pattern", shown.c_str(),
                            m.allow.c_str());
  FUZZ_CHECK(allow.count("OPTIONS"), "%s: Allow '%s' without OPTIONS", shown.c_str(), m.allow.c_str());

  const bool expect_found = methods.count(method) || (method == "HEAD" && methods.count("GET"));
  if (one_shape)
    FUZZ_CHECK((m.outcome == route_match::kind::found) == expect_found, "%s: outcome %d, expected %s", shown.c_str(),
               static_cast<int>(m.outcome), expect_found ? "found" : "405");

  if (m.outcome == route_match::kind::method_not_allowed) {
    FUZZ_CHECK(m.route == nullptr, "%s: 405 with a route", shown.c_str());
    if (method != "OPTIONS")
      FUZZ_CHECK(!allow.count(method), "%s: 405 but Allow '%s' has the method", shown.c_str(), m.allow.c_str());
    return 0;
  }

  // Found.
  FUZZ_CHECK(m.route != nullptr, "%s: found without a route", shown.c_str());
  const http::route& r = *m.route;
  FUZZ_CHECK(r.method == method || (method == "HEAD" && r.method == "GET"), "%s: routed to %s %s", shown.c_str(),
             r.method.c_str(), r.pattern.c_str());
  FUZZ_CHECK(literal_mask(r) == best, "%s: %s is not the most specific matching pattern", shown.c_str(),
             r.pattern.c_str());
  std::vector<std::string> names;
  for (const auto& s : r.segments)
    if (is_param(s)) names.push_back(s.substr(1, s.size() - 2));
  FUZZ_CHECK(m.params.size() == names.size(), "%s: %zu parameters for %s", shown.c_str(), m.params.size(),
             r.pattern.c_str());
  for (std::size_t i = 0; i < names.size(); ++i) {
    FUZZ_CHECK(m.params[i].first == names[i], "%s: parameter %zu named '%s'", shown.c_str(), i,
               m.params[i].first.c_str());
    FUZZ_CHECK(!m.params[i].second.empty(), "%s: empty parameter {%s}", shown.c_str(), names[i].c_str());
    FUZZ_CHECK(m.params[i].second.find('\0') == std::string::npos || path.find('\0') != std::string::npos,
               "%s: a decoded NUL in parameter {%s}", shown.c_str(), names[i].c_str());
  }

  // The path rebuilt from the pattern routes back to this pattern (or to one more
  // specific, when a decoded value spells a literal: "%63urrent" vs "current").
  if (path.find('\0') != std::string::npos) return 0;  // a raw NUL has no %-encoded form that decodes
  std::string rebuilt;
  std::size_t next = 0;
  for (const auto& s : r.segments) rebuilt += "/" + (is_param(s) ? http::url_encode(m.params[next++].second) : s);
  if (rebuilt.empty()) rebuilt = "/";
  route_match again = router.match(method, rebuilt);
  FUZZ_CHECK(again.outcome != route_match::kind::not_found, "%s: rebuilt path '%s' is not found", shown.c_str(),
             fuzz::printable(rebuilt).c_str());
  if (again.outcome == route_match::kind::found) {
    FUZZ_CHECK(literal_mask(*again.route) >= literal_mask(r), "%s: rebuilt '%s' went to the less specific %s",
               shown.c_str(), fuzz::printable(rebuilt).c_str(), again.route->pattern.c_str());
    if (again.route == &r)
      FUZZ_CHECK(again.params == m.params, "%s: rebuilt '%s' has other parameters", shown.c_str(),
                 fuzz::printable(rebuilt).c_str());
  }
  return 0;
}
