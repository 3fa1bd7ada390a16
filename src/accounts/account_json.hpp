// JSON shapes of users and playlists, and typed fields of request bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tonearm/accounts/types.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::accounts {

// {"id","username","created_at","followers":{"total"},"following":{"total"}}, plus
// "billing_id" when `self` (the user looking at their own account).
nlohmann::json user_json(const user& u, bool self);
// {"id","name","description","public","owner":{"id","username"},"snapshot_id",
//  "followers":{"total"},"created_at","updated_at","items":{"total"}}; the handlers
// replace "items" with a paging object where the items are shown.
nlohmann::json playlist_json(const playlist& p);

// A JSON response; client text is in bodies, so invalid UTF-8 is replaced.
http::response json_ok(unsigned status, const nlohmann::json& body);
http::response no_content();

// Body fields. Each throws api_error(bad_request) naming the field when it has the
// wrong type ("name must be a string"); the required ones also when it is missing.
// Strings holding a NUL character are refused (nlohmann checks UTF-8 already).
std::string required_string(const nlohmann::json& body, const char* field);
std::optional<std::string> optional_string(const nlohmann::json& body, const char* field);
std::optional<bool> optional_bool(const nlohmann::json& body, const char* field);
std::optional<std::int64_t> optional_int(const nlohmann::json& body, const char* field);
std::int64_t required_int(const nlohmann::json& body, const char* field);
// A non-empty array of at most `max` integers.
std::vector<std::int64_t> required_int_array(const nlohmann::json& body, const char* field, std::size_t max);
// "snapshot_id": a string (numbers are accepted too), or absent.
std::optional<std::string> optional_snapshot(const nlohmann::json& body);

}  // namespace tonearm::accounts
