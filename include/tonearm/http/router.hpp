// Maps method + path to a handler; patterns have literal and {param} segments.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http {

using handler = std::function<response(request&)>;
// Answers on the I/O thread when it can do so without blocking (everything it needs is
// in memory); nullopt sends the request on to the blocking handler.
using fast_path = std::function<std::optional<response>(request&)>;

// Where a handler runs: `inline_io` on the I/O thread (must never block: no database,
// no Redis), `blocking` on the bounded worker pool.
enum class execution { inline_io, blocking };

struct route {
  std::string method;
  std::string pattern;
  http::handler handler;
  http::execution execution = execution::blocking;
  std::vector<std::string> segments;  // pattern split on '/'
  fast_path fast;                     // optional, tried first for blocking routes
  bool streams = false;               // answers with audio: admitted under max_streams
};

struct route_match {
  enum class kind { found, not_found, method_not_allowed } outcome = kind::not_found;
  const http::route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for method_not_allowed and OPTIONS, e.g. "GET, HEAD, OPTIONS"
  bool bad_path = false;  // a path segment had a malformed %-escape
};

class router {
 public:
  // Adds a route; throws std::invalid_argument on a malformed or duplicate pattern.
  void add(std::string method, std::string pattern, handler fn,
           execution exec = execution::blocking);
  // A blocking route with a fast path tried first on the I/O thread.
  void add(std::string method, std::string pattern, fast_path fast, handler fn);
  // Marks a route added before as one whose answers stream audio (server_options::
  // max_streams admits them). Throws std::invalid_argument when there is no such route.
  void limit_streams(std::string_view method, std::string_view pattern);
  // HEAD matches a GET route when no HEAD route exists. When several patterns
  // match, the one with a literal segment earliest wins ("/a/current" over "/a/{id}").
  route_match match(std::string_view method, std::string_view path) const;
  // Every route, in the order added (the OpenAPI contract test compares them with
  // the document's paths).
  const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
};

}  // namespace tonearm::http
