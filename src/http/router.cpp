// Route table: literal and {param} segments, 404/405 decisions, HEAD as GET.
#include "tonearm/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace tonearm::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // "/a/" == "/a"
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// A route's specificity: literal positions, compared lexicographically.
std::vector<int> literal_mask(const route& r) {
  std::vector<int> mask;
  for (const auto& s : r.segments) mask.push_back(is_param(s) ? 0 : 1);
  return mask;
}

}  // namespace

void router::add(std::string method, std::string pattern, handler fn, execution exec) {
  if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  route r{std::move(method), std::move(pattern), std::move(fn), exec, {}, {}, false};
  for (auto seg : split_path(r.pattern)) {
    if (seg.empty()) throw std::invalid_argument("empty segment in route pattern: " + r.pattern);
    if (seg.find_first_of("{}") != std::string_view::npos && !is_param(seg))
      throw std::invalid_argument("malformed parameter in route pattern: " + r.pattern);
    r.segments.emplace_back(seg);
  }
  for (const auto& other : routes_)
    if (other.method == r.method && other.segments == r.segments)
      throw std::invalid_argument("duplicate route: " + r.method + " " + r.pattern);
  routes_.push_back(std::move(r));
}

void router::add(std::string method, std::string pattern, fast_path fast, handler fn) {
  add(std::move(method), std::move(pattern), std::move(fn), execution::blocking);
  routes_.back().fast = std::move(fast);
}

void router::limit_streams(std::string_view method, std::string_view pattern) {
  for (auto& r : routes_)
    if (r.method == method && r.pattern == pattern) {
      r.streams = true;
      return;
    }
  throw std::invalid_argument("no route " + std::string(method) + " " + std::string(pattern) + " to limit");
}

route_match router::match(std::string_view method, std::string_view path) const {
  route_match result;
  auto parts = split_path(path);
  std::vector<std::pair<const route*, std::vector<std::pair<std::string, std::string>>>> candidates;
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    std::vector<std::pair<std::string, std::string>> params;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      if (is_param(r.segments[i])) {
        auto decoded = percent_decode(parts[i], false);
        if (!decoded || decoded->empty()) {
          result.bad_path = !decoded.has_value();
          ok = false;
        } else {
          params.emplace_back(r.segments[i].substr(1, r.segments[i].size() - 2), std::move(*decoded));
        }
      } else {
        ok = r.segments[i] == parts[i];
      }
    }
    if (ok) candidates.emplace_back(&r, std::move(params));
  }
  if (candidates.empty()) return result;

  // The most specific matching pattern decides; other patterns with the same
  // specificity cannot exist (duplicates are refused), so this is deterministic.
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return literal_mask(*a.first) > literal_mask(*b.first);
  });
  const auto& best_segments = candidates.front().first->segments;

  std::vector<std::string> allowed;
  const route* chosen = nullptr;
  const route* get_route = nullptr;
  std::vector<std::pair<std::string, std::string>> chosen_params;
  for (auto& [r, params] : candidates) {
    if (r->segments != best_segments) continue;
    allowed.push_back(r->method);
    if (r->method == method) { chosen = r; chosen_params = params; }
    if (r->method == "GET") get_route = r;
    if (r->method == "GET" && method == "HEAD" && !chosen) chosen_params = params;
  }
  if (get_route && std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) allowed.push_back("HEAD");
  allowed.push_back("OPTIONS");
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  for (const auto& m : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
  }

  if (!chosen && method == "HEAD" && get_route) chosen = get_route;
  if (!chosen) {
    result.outcome = route_match::kind::method_not_allowed;
    return result;
  }
  result.outcome = route_match::kind::found;
  result.route = chosen;
  result.params = std::move(chosen_params);
  return result;
}

}  // namespace tonearm::http
