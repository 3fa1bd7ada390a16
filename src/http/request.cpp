// Request helpers: target splitting, percent-decoding, query parsing.
#include "tonearm/http/request.hpp"

#include <stdexcept>

#include "tonearm/core/text.hpp"

namespace tonearm::http {

namespace {
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query,
                                                             std::optional<std::string>* malformed) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    auto n = percent_decode(name, true);
    auto v = percent_decode(value, true);
    // A malformed escape keeps the raw text: validation of the value happens where
    // it is used, and a garbled value then fails there with a clear message.
    out.emplace_back(n ? *n : std::string(name), v ? *v : std::string(value));
    if (malformed && !*malformed && (!n || !v)) *malformed = out.back().first;
  }
  return out;
}

void split_target(request& req) {
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? std::string{} : req.target.substr(q + 1);
  req.query_params = parse_query(req.query, &req.malformed_param);
}

const std::string& request::param(std::string_view name) const {
  for (const auto& [k, v] : path_params)
    if (k == name) return v;
  throw std::out_of_range("no path parameter " + std::string(name));
}

std::string text_problem(const request& req) {
  auto bad = [](std::string_view s) { return !core::valid_utf8(s) || core::has_control(s, /*allow_tab=*/true); };
  auto shown = [](std::string_view s) { return core::printable(s); };
  // parse_query keeps the raw text of a malformed escape ("%zz", "%00"); here it is refused.
  if (req.malformed_param)
    return "parameter '" + shown(*req.malformed_param) + "' has a malformed percent-escape (or an escaped NUL)";
  for (const auto& [k, v] : req.query_params) {
    if (bad(k)) return "a query parameter name is not UTF-8 text without control characters ('" + shown(k) + "')";
    if (bad(v)) return "parameter '" + shown(k) + "' must be UTF-8 text without control characters";
  }
  for (const auto& [k, v] : req.path_params)
    if (bad(v)) return "path segment {" + k + "} must be UTF-8 text without control characters";
  return {};
}

std::optional<std::string> request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query_params)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace tonearm::http
