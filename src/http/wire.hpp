// Response heads as bytes, request ids and the access log: the session's helpers
// that need no Asio (kept apart so they compile fast and test without sockets).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "tonearm/core/error.hpp"

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http::wire {

// The client's X-Request-Id when it is 1..128 chars of [A-Za-z0-9._:-], else a new
// random 16-hex-digit id.
std::string request_id_for(std::string_view client_value);

// "HTTP/1.1 200 OK\r\n" + fields + "\r\n". Adds Server, Date, X-Request-Id,
// Content-Length (from the body or stream; none for 1xx/204/304) and Connection.
// No header can be injected through a handler-set field: in names CR, LF, NUL, ':',
// space and tab become '-'; in values CR, LF and NUL become spaces.
std::string serialize_head(const response& res, std::string_view request_id, bool keep_alive);

// True when the handler asked to close the connection after this response.
bool wants_close(const response& res);

// One structured line per request.
// `target` with the values of the query parameters that carry secrets (access_token;
// Subsonic's p, t, s and apiKey) replaced by REDACTED: what the access log shows.
std::string redacted_target(std::string_view target);
void log_access(const request& req, const response& res, std::chrono::steady_clock::time_point started);

std::string_view reason_phrase(unsigned status) noexcept;

// Request framing that must not be guessed at (RFC 9112 sections 6.1 and 6.3), from
// the values of every Transfer-Encoding and Content-Length line of a request head and
// its HTTP version (10 or 11). nullopt when the framing is unambiguous: no
// Transfer-Encoding, or one whose only and final coding is chunked, in HTTP/1.1,
// without a Content-Length; at most one Content-Length value. Otherwise the error to
// answer before closing the connection: bad_request for ambiguous framing (a final
// coding other than chunked, chunked twice, Transfer-Encoding with Content-Length or
// in HTTP/1.0, several Content-Length values), not_implemented for a coding we do not
// decode (gzip, chunked).
struct framing_error {
  errc code;
  std::string message;
};
std::optional<framing_error> framing_problem(const std::vector<std::string_view>& transfer_encoding,
                                             const std::vector<std::string_view>& content_length, unsigned version);

}  // namespace tonearm::http::wire
