// Shared request and response helpers of every module's handlers: numeric ids,
// Spotify-style paging objects, JSON bodies and their typed fields, JSON responses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http {

// The path parameter `name` as a positive 64-bit id; throws api_error(bad_request)
// "song id must be a positive integer, got 'abc'" (with `what` = "song").
std::int64_t path_id(const request& req, std::string_view name, std::string_view what);

// The query parameter `name` as comma-separated positive ids, 1 to `max` of them, in
// order (repeats kept); throws api_error(bad_request) naming the parameter and the bad id.
std::vector<std::int64_t> ids_param(const request& req, std::string_view name, std::size_t max);

// limit and offset query parameters: limit 1..max_limit (default `default_limit`),
// offset 0..max_offset (default 0); throws api_error(bad_request) naming the bad one.
struct paging {
  int limit = 20;
  int offset = 0;
};
paging paging_params(const request& req, int default_limit = 20, int max_limit = 50, int max_offset = 1000000);

// The request body as a JSON object. Throws api_error: unsupported_media_type when a
// Content-Type other than application/json is given, bad_request when the body is
// not a JSON object or nests arrays and objects deeper than max_json_depth.
inline constexpr int max_json_depth = 32;
nlohmann::json json_body(const request& req);
// True when `text` opens more than `max_depth` arrays/objects inside each other (strings
// skipped); a scan with no allocation, so it can run before the parser.
bool nests_deeper_than(std::string_view text, int max_depth);

// Percent-encodes a query component (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view text);

// {"items":[...],"total":N,"limit":L,"offset":O,"next":URL|null,"previous":URL|null}.
// next/previous repeat `path` with the request's query parameters, `overrides`
// replacing same-named ones, and offset moved by a page.
nlohmann::json paging_object(nlohmann::json items, std::int64_t total, int limit, int offset, const request& req,
                             const std::vector<std::pair<std::string, std::string>>& overrides = {});

// Body fields. Each throws api_error(bad_request) naming the field when it has the
// wrong type ("name must be a string"); the required ones also when it is missing.
// Strings holding a NUL character are refused (nlohmann checks UTF-8 already).
std::string required_string(const nlohmann::json& body, const char* field);
std::optional<std::string> optional_string(const nlohmann::json& body, const char* field);
std::optional<bool> optional_bool(const nlohmann::json& body, const char* field);
// Integers within 32 bits.
std::optional<std::int64_t> optional_int(const nlohmann::json& body, const char* field);
std::int64_t required_int(const nlohmann::json& body, const char* field);
// A non-empty array of at most `max` integers.
std::vector<std::int64_t> required_int_array(const nlohmann::json& body, const char* field, std::size_t max);
// The field when present and not null, else nullptr (for fields of several types).
const nlohmann::json* present_field(const nlohmann::json& body, const char* field);

// A JSON response of personal data (Cache-Control: no-store); client text is in
// bodies, so invalid UTF-8 is replaced.
response json_ok(unsigned status, const nlohmann::json& body);
// 204 with Cache-Control: no-store.
response no_content();

}  // namespace tonearm::http
