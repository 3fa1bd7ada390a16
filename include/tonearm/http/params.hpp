// Shared request-parameter helpers: numeric ids and Spotify-style paging objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tonearm/http/request.hpp"

namespace tonearm::http {

// The path parameter `name` as a positive 64-bit id; throws api_error(bad_request)
// "song id must be a positive integer, got 'abc'" (with `what` = "song").
std::int64_t path_id(const request& req, std::string_view name, std::string_view what);

// Percent-encodes a query component (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view text);

// {"items":[...],"total":N,"limit":L,"offset":O,"next":URL|null,"previous":URL|null}.
// next/previous repeat `path` with the request's query parameters, `overrides`
// replacing same-named ones, and offset moved by a page.
nlohmann::json paging_object(nlohmann::json items, std::int64_t total, int limit, int offset, const request& req,
                             const std::vector<std::pair<std::string, std::string>>& overrides = {});

}  // namespace tonearm::http
