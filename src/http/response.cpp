// Error mapping (the one switch from errc to status and code) and response helpers.
#include "tonearm/http/response.hpp"

#include <nlohmann/json.hpp>

namespace tonearm::http {

unsigned error_status(errc code) noexcept {
  switch (code) {
    case errc::bad_request: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::method_not_allowed: return 405;
    case errc::conflict: return 409;
    case errc::payload_too_large: return 413;
    case errc::unsupported_media_type: return 415;
    case errc::range_not_satisfiable: return 416;
    case errc::too_many_requests: return 429;
    case errc::header_too_large: return 431;
    case errc::internal: return 500;
    case errc::unavailable: return 503;
    case errc::overloaded: return 503;
    case errc::not_implemented: return 501;
  }
  return 500;
}

std::string_view error_code_name(errc code) noexcept {
  switch (code) {
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::conflict: return "conflict";
    case errc::payload_too_large: return "payload_too_large";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::range_not_satisfiable: return "range_not_satisfiable";
    case errc::too_many_requests: return "too_many_requests";
    case errc::header_too_large: return "header_too_large";
    case errc::internal: return "internal";
    case errc::unavailable: return "unavailable";
    case errc::overloaded: return "overloaded";
    case errc::not_implemented: return "not_implemented";
  }
  return "internal";
}

response json_response(unsigned status, std::string json_text) {
  response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = std::move(json_text);
  res.body.push_back('\n');
  return res;
}

response error_response(errc code, std::string_view message, std::string_view details) {
  nlohmann::json err = nlohmann::json::object();
  if (!details.empty()) {
    auto extra = nlohmann::json::parse(details, nullptr, /*allow_exceptions=*/false);
    if (extra.is_object()) err = std::move(extra);
  }
  err["code"] = error_code_name(code);
  err["message"] = message;
  nlohmann::json body{{"error", std::move(err)}};
  // Replace invalid UTF-8 (it may echo client input) instead of throwing.
  auto res = json_response(error_status(code), body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // RFC 6750 3: a 401 names the scheme that would work.
  if (code == errc::unauthorized) res.headers.set("WWW-Authenticate", "Bearer realm=\"tonearm\"");
  return res;
}

}  // namespace tonearm::http
