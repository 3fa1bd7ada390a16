// Response head serialisation, request ids, access log.
#include "wire.hpp"

#include "tonearm/core/log_format.hpp"
#include "tonearm/core/text.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <random>

namespace tonearm::http::wire {

namespace {

// RFC 9110 IMF-fixdate, recomputed at most once a second per thread.
const std::string& http_date_now() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

// Names and values are set by handlers, but may carry client text: neither can end
// the line (CR, LF, NUL) and a name cannot hold the colon or spaces that end a name.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  for (char c : name) out.push_back(c == '\r' || c == '\n' || c == '\0' || c == ':' || c == ' ' || c == '\t' ? '-' : c);
  out.append(": ");
  for (char c : value) out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
  out.append("\r\n");
}

bool valid_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == ':';
}

}  // namespace

std::string_view reason_phrase(unsigned status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

namespace {
// Comma-separated list elements, trimmed of spaces and tabs, empty ones skipped
// (RFC 9110 section 5.6.1), from every line of a field.
std::vector<std::string> list_elements(const std::vector<std::string_view>& lines) {
  std::vector<std::string> out;
  for (auto line : lines) {
    while (!line.empty()) {
      auto comma = line.find(',');
      auto item = line.substr(0, comma);
      line = comma == std::string_view::npos ? std::string_view{} : line.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
    }
  }
  return out;
}
}  // namespace

std::optional<framing_error> framing_problem(const std::vector<std::string_view>& transfer_encoding,
                                             const std::vector<std::string_view>& content_length, unsigned version) {
  auto lengths = list_elements(content_length);
  if (lengths.size() > 1) return framing_error{errc::bad_request, "request has more than one Content-Length"};
  if (transfer_encoding.empty()) return std::nullopt;
  if (version < 11)
    return framing_error{errc::bad_request, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  if (!content_length.empty())
    return framing_error{errc::bad_request, "request has both Transfer-Encoding and Content-Length"};
  auto codings = list_elements(transfer_encoding);
  if (codings.empty()) return framing_error{errc::bad_request, "Transfer-Encoding is empty"};
  auto name = [](const std::string& coding) {  // without parameters, lower case
    std::string n = coding.substr(0, coding.find(';'));
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
    for (auto& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return n;
  };
  if (name(codings.back()) != "chunked")
    return framing_error{errc::bad_request, "the final transfer coding must be chunked"};
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    auto n = name(codings[i]);
    if (n == "chunked") return framing_error{errc::bad_request, "chunked transfer coding applied twice"};
    return framing_error{errc::not_implemented, "transfer coding '" + core::printable(n) + "' is not supported"};
  }
  return std::nullopt;
}

std::string request_id_for(std::string_view client_value) {
  if (!client_value.empty() && client_value.size() <= 128) {
    bool ok = true;
    for (char c : client_value) ok = ok && valid_id_char(c);
    if (ok) return std::string(client_value);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::string serialize_head(const response& res, std::string_view request_id, bool keep_alive) {
  std::string out;
  out.reserve(256 + res.headers.size() * 48);
  out.append("HTTP/1.1 ");
  out.append(std::to_string(res.status));
  out.push_back(' ');
  out.append(reason_phrase(res.status));
  out.append("\r\n");
  for (const auto& f : res.headers) {
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Connection")) continue;
    append_field(out, f.name, f.value);
  }
  append_field(out, "Server", "tonearm");
  append_field(out, "Date", http_date_now());
  append_field(out, "X-Request-Id", request_id);
  bool bodyless = res.status < 200 || res.status == 204 || res.status == 304;
  if (!bodyless) append_field(out, "Content-Length", std::to_string(res.stream ? res.stream->size() : res.body.size()));
  append_field(out, "Connection", keep_alive && !wants_close(res) ? "keep-alive" : "close");
  out.append("\r\n");
  return out;
}

bool wants_close(const response& res) { return iequals(res.headers.get("Connection"), "close"); }

std::string redacted_target(std::string_view target) {
  // Query parameters that carry a secret: a bearer token in the query (for <audio>
  // elements), and Subsonic's password, token, salt and API key.
  static constexpr std::string_view secret[] = {"access_token", "p", "t", "s", "apiKey"};
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  auto query = target.substr(q + 1);
  while (true) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    auto name = part.substr(0, eq);
    if (eq != std::string_view::npos && std::find(std::begin(secret), std::end(secret), name) != std::end(secret))
      out.append(name).append("=REDACTED");
    else
      out.append(part);
    if (amp == std::string_view::npos) break;
    out.push_back('&');
    query.remove_prefix(amp + 1);
  }
  return out;
}

void log_access(const request& req, const response& res, std::chrono::steady_clock::time_point started) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  // logfmt; the target is quoted with quotes and control bytes escaped.
  std::string target;
  target.reserve(req.target.size());
  const std::string redacted = redacted_target(req.target);
  std::string_view raw = redacted;
  for (unsigned char c : raw) {
    if (c == '"' || c == '\\') { target.push_back('\\'); target.push_back(static_cast<char>(c)); }
    else if (c < 0x20 || c == 0x7f) target.append("?");
    else target.push_back(static_cast<char>(c));
  }
  // The Range asked for, when there was one: seeking players show up as bytes=N-.
  std::string range;
  if (auto r = req.headers.get("Range"); !r.empty()) {
    range = " range=\"";
    for (char c : r.substr(0, 100)) range.push_back(c == '"' || c < 0x20 ? '?' : c);
    range += "\"";
  }
  if (logging::current_format() == logging::format::json) {
    nlohmann::json fields{{"request_id", req.request_id},
                          {"remote", req.remote.empty() ? "-" : req.remote},
                          {"method", req.method},
                          {"target", std::string(raw)},
                          {"status", res.status},
                          {"bytes", res.body_bytes_sent},
                          {"duration_ms", static_cast<double>(us) / 1000.0}};
    if (auto r = req.headers.get("Range"); !r.empty()) fields["range"] = std::string(r.substr(0, 100));
    auto text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text[0] = ',';  // {"a":1} -> ,"a":1: members after the message
    spdlog::info("{}\"message\":\"access\"{}", logging::json_members, std::string_view(text).substr(0, text.size() - 1));
    return;
  }
  spdlog::info("access request_id={} remote={} method={} target=\"{}\"{} status={} bytes={} duration_ms={:.3f}",
               req.request_id, req.remote.empty() ? "-" : req.remote, req.method, target, range, res.status,
               res.body_bytes_sent, static_cast<double>(us) / 1000.0);
}

}  // namespace tonearm::http::wire
