// A parsed HTTP request as handlers see it: no sockets, no Beast types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tonearm/core/request_context.hpp"
#include "tonearm/http/headers.hpp"

namespace tonearm::http {

struct request {
  std::string method;   // as sent, e.g. "GET"
  std::string target;   // raw request-target, e.g. "/v1/search?q=a%20b"
  std::string path;     // target before '?', percent-decoding NOT applied
  std::string query;    // raw text after '?', may be empty
  http::headers headers;
  std::string body;
  std::string remote;      // client IP address
  std::string request_id;  // X-Request-Id, passed through or generated
  // Filled at dispatch: the matched route's pattern ("/v1/songs/{id}", a view into
  // the router, which outlives every request), empty when none matched. Metrics label
  // requests with it, never with the raw path.
  std::string_view route;
  // Timings and the id for the layers below (set current while the handler runs).
  core::request_context context;
  // Filled by the router: {name} segments of the route pattern, percent-decoded.
  std::vector<std::pair<std::string, std::string>> path_params;
  // Parsed from `query` by split_target: name/value pairs, '+' and %XX decoded.
  std::vector<std::pair<std::string, std::string>> query_params;
  // The first query parameter with a malformed or %00 escape (text_problem refuses it).
  std::optional<std::string> malformed_param;

  std::string_view header(std::string_view name) const noexcept { return headers.get(name); }
  // The path parameter `name`; throws std::out_of_range when the route has none.
  const std::string& param(std::string_view name) const;
  // The first query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
};

// Splits a target into path and query and parses the query parameters.
void split_target(request& req);

// Why the request's text parameters cannot be taken, or "" when they can: every
// query parameter name and value and every path parameter must be well-formed UTF-8
// without control characters (a tab is allowed), and every %XX escape of the query
// well-formed and not %00. The message names the parameter.
std::string text_problem(const request& req);

// Percent-decodes `text`; with `plus_as_space` '+' becomes ' ' (query strings).
// Returns nullopt on a malformed escape or a decoded NUL byte.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// A malformed escape keeps its raw text; when `malformed` is given, the (decoded or
// raw) name of the first parameter with one is stored there.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query,
                                                             std::optional<std::string>* malformed = nullptr);

}  // namespace tonearm::http
