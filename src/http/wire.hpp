// Response heads as bytes, request ids and the access log: the session's helpers
// that need no Asio (kept apart so they compile fast and test without sockets).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http::wire {

// The client's X-Request-Id when it is 1..128 chars of [A-Za-z0-9._:-], else a new
// random 16-hex-digit id.
std::string request_id_for(std::string_view client_value);

// "HTTP/1.1 200 OK\r\n" + fields + "\r\n". Adds Server, Date, X-Request-Id,
// Content-Length (from the body or stream; none for 1xx/204/304) and Connection.
// CR and LF in handler-set values are replaced, so no header can be injected.
std::string serialize_head(const response& res, std::string_view request_id, bool keep_alive);

// True when the handler asked to close the connection after this response.
bool wants_close(const response& res);

// One structured line per request.
void log_access(const request& req, const response& res, std::chrono::steady_clock::time_point started);

std::string_view reason_phrase(unsigned status) noexcept;

}  // namespace tonearm::http::wire
