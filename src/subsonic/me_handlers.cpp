// App passwords, API keys and the play queue over the REST API (see me_handlers.hpp).
#include "tonearm/subsonic/me_handlers.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "tonearm/catalog/catalog_json.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::subsonic {

namespace {

constexpr std::size_t max_credentials = 50;  // per user
constexpr std::size_t max_queue = 10000;

nlohmann::json credential_json(const accounts::app_credential& c) {
  return {{"id", std::to_string(c.id)},
          {"kind", c.kind},
          {"label", c.label},
          {"created_at", c.created_at},
          {"last_used_at", c.last_used_at ? nlohmann::json(*c.last_used_at) : nlohmann::json(nullptr)}};
}

std::size_t characters(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) {
    return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  }));
}

}  // namespace

http::response me_handlers::create_credential(const http::request& req) const {
  auto me = auth_.require(req);
  auto body = http::json_body(req);
  auto label = http::required_string(body, "label");
  if (label.find_first_not_of(" \t\r\n") == std::string::npos || characters(label) > 100)
    throw api_error(errc::bad_request, "label must be 1 to 100 characters, not all blank");
  auto kind = http::optional_string(body, "kind").value_or("password");
  if (kind != "password" && kind != "api_key")
    throw api_error(errc::bad_request, "kind must be \"password\" or \"api_key\"");
  if (credentials_.list(me.id).size() >= max_credentials)
    throw api_error(errc::conflict, "at most " + std::to_string(max_credentials) +
                                        " app passwords and API keys per user: revoke one first");
  std::string secret;
  accounts::app_credential made;
  if (kind == "password") {
    if (!box_)
      throw api_error(errc::not_implemented,
                      "app passwords need subsonic_secret_key in the server's configuration; API keys work without it");
    secret = accounts::new_app_password();
    made = credentials_.add_password(me.id, label, box_->seal(secret), box_->key_id());
  } else {
    secret = accounts::new_api_key();
    made = credentials_.add_api_key(me.id, label, accounts::api_key_hash(secret));
  }
  spdlog::info("user id={} made an app {} id={}", me.id, kind, made.id);
  auto json = credential_json(made);
  json["secret"] = secret;
  auto res = http::json_ok(201, json);
  res.headers.set("Location", "/v1/me/app-passwords/" + std::to_string(made.id));
  return res;
}

http::response me_handlers::credentials(const http::request& req) const {
  auto me = auth_.require(req);
  auto items = nlohmann::json::array();
  for (const auto& c : credentials_.list(me.id)) items.push_back(credential_json(c));
  return http::json_ok(200, {{"items", items}});
}

http::response me_handlers::revoke_credential(const http::request& req) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "app password");
  if (!credentials_.revoke(me.id, id)) throw api_error(errc::not_found, "no app password with id " + std::to_string(id));
  spdlog::info("user id={} revoked app credential id={}", me.id, id);
  return http::no_content();
}

http::response me_handlers::queue(const http::request& req) const {
  auto me = auth_.require(req);
  auto q = library_.play_queue(me.id);
  nlohmann::json out = {{"song_ids", nlohmann::json::array()},
                        {"current_song_id", nullptr},
                        {"position_ms", 0},
                        {"changed_at", nullptr},
                        {"changed_by", nullptr},
                        {"songs", nlohmann::json::array()}};
  if (q) {
    auto ids = nlohmann::json::array();
    for (auto id : q->song_ids) ids.push_back(std::to_string(id));
    out["song_ids"] = ids;
    if (q->current) out["current_song_id"] = std::to_string(*q->current);
    out["position_ms"] = q->position_ms;
    out["changed_at"] = q->changed;
    out["changed_by"] = q->changed_by;
    // Distinct ids in one query, then in queue order (repeats kept).
    auto unique = q->song_ids;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    auto found = catalog_.songs_by_ids(unique);
    auto songs = nlohmann::json::array();
    for (auto id : q->song_ids) {
      auto it = std::find_if(found.begin(), found.end(), [id](const auto& s) { return s.id == id; });
      if (it != found.end()) songs.push_back(catalog::song_json(*it));
    }
    out["songs"] = songs;
  }
  return http::json_ok(200, out);
}

http::response me_handlers::save_queue(const http::request& req) const {
  auto me = auth_.require(req);
  auto body = http::json_body(req);
  play_queue q;
  if (const auto* ids = http::present_field(body, "song_ids")) {
    if (!ids->is_array()) throw api_error(errc::bad_request, "song_ids must be an array of song ids");
    if (ids->size() > max_queue)
      throw api_error(errc::bad_request, "song_ids holds at most " + std::to_string(max_queue) + " songs");
    for (const auto& v : *ids) {
      std::int64_t id = 0;
      if (v.is_number_integer()) id = v.get<std::int64_t>();
      else if (v.is_string()) id = std::atoll(v.get<std::string>().c_str());
      if (id <= 0) throw api_error(errc::bad_request, "song_ids must hold positive song ids");
      q.song_ids.push_back(id);
    }
  }
  if (const auto* current = http::present_field(body, "current_song_id")) {
    std::int64_t id = 0;
    if (current->is_number_integer()) id = current->get<std::int64_t>();
    else if (current->is_string()) id = std::atoll(current->get<std::string>().c_str());
    if (id <= 0) throw api_error(errc::bad_request, "current_song_id must be a song id");
    if (std::find(q.song_ids.begin(), q.song_ids.end(), id) == q.song_ids.end())
      throw api_error(errc::bad_request, "current_song_id must be one of song_ids");
    q.current = id;
  } else if (!q.song_ids.empty()) {
    throw api_error(errc::bad_request, "current_song_id is required when song_ids is not empty");
  }
  auto position = http::present_field(body, "position_ms");
  if (position) {
    if (!position->is_number_integer() || position->get<std::int64_t>() < 0)
      throw api_error(errc::bad_request, "position_ms must be a non-negative integer");
    q.position_ms = position->get<std::int64_t>();
  }
  auto device = http::optional_string(body, "device").value_or("web");
  if (characters(device) > 100) throw api_error(errc::bad_request, "device must be at most 100 characters long");
  q.changed_by = device;
  library_.save_play_queue(me.id, q);
  return queue(req);
}

}  // namespace tonearm::subsonic
