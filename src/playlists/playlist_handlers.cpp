// Playlists. Item edits take an optional snapshot_id: a stale one is refused with 409
// and the current one (never merged), so two devices editing at once cannot silently
// lose or scramble items; without one the edit applies to the current state.
#include "tonearm/playlists/playlist_handlers.hpp"

#include <map>

#include "playlist_json.hpp"
#include "tonearm/catalog/catalog_json.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::playlists {

namespace {

constexpr std::size_t max_ids_per_request = 100;  // as Spotify's API

std::string checked_name(const std::string& name) {
  if (auto problem = name_problem(name); !problem.empty()) throw api_error(errc::bad_request, problem);
  return name;
}

std::string checked_description(const std::string& d) {
  if (auto problem = description_problem(d); !problem.empty()) throw api_error(errc::bad_request, problem);
  return d;
}

nlohmann::json snapshot_body(const std::string& snapshot) { return {{"snapshot_id", snapshot}}; }

}  // namespace

// Read-your-writes: read from the standby (when it keeps up), but a signed-in viewer's
// own playlist, or one the standby does not have yet (it may be theirs, just made),
// again from the primary.
playlist playlist_handlers::visible(const http::request& req, std::int64_t id, store::read_from* items_from) const {
  auto viewer = auth_.current(req);
  auto from = store::read_from::replica;
  auto p = repo_.find(id, from);
  if (viewer && (!p || p->owner.id == viewer->id)) {
    from = store::read_from::primary;
    p = repo_.find(id, from);
  }
  if (!p || !playlists::visible(*p, viewer ? std::optional(viewer->id) : std::nullopt)) raise(no_playlist(id));
  if (items_from) *items_from = from;
  return *p;
}

http::paging playlist_handlers::items_paging(const http::request& req) { return http::paging_params(req, 100, 100); }

nlohmann::json playlist_handlers::items_page(const playlist& p, const http::paging& paging, const http::request& req,
                                             store::read_from from) const {
  auto rows = repo_.items(p.id, paging.limit, paging.offset, from);
  std::vector<std::int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.song_id);
  auto songs = catalog::songs_json_by_id(catalog_, ids);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows) {
    auto it = songs.find(r.song_id);
    items.push_back({{"position", r.position},
                     {"song", it == songs.end() ? nlohmann::json(nullptr) : it->second},
                     {"added_at", r.added_at}});
  }
  return http::paging_object(std::move(items), p.item_count, paging.limit, paging.offset, req);
}

http::response playlist_handlers::create(const http::request& req) const {
  auto me = auth_.require(req);
  auto body = http::json_body(req);
  auto name = checked_name(http::required_string(body, "name"));
  auto description = checked_description(http::optional_string(body, "description").value_or(""));
  auto is_public = http::optional_bool(body, "public").value_or(true);
  auto paging = items_paging(req);  // checked before anything is created
  auto p = repo_.create(me.id, name, description, is_public);
  auto j = playlist_json(p);
  j["items"] = items_page(p, paging, req);
  auto res = http::json_ok(201, j);
  res.headers.set("Location", "/v1/playlists/" + std::to_string(p.id));
  return res;
}

http::response playlist_handlers::get(const http::request& req) const {
  auto from = store::read_from::primary;
  auto p = visible(req, http::path_id(req, "id", "playlist"), &from);
  auto j = playlist_json(p);
  j["items"] = items_page(p, items_paging(req), req, from);
  return http::json_ok(200, j);
}

http::response playlist_handlers::items(const http::request& req) const {
  auto from = store::read_from::primary;
  auto p = visible(req, http::path_id(req, "id", "playlist"), &from);
  return http::json_ok(200, items_page(p, items_paging(req), req, from));
}

http::response playlist_handlers::update(const http::request& req) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "playlist");
  auto body = http::json_body(req);
  playlists::changes changes;
  if (auto n = http::optional_string(body, "name")) changes.name = checked_name(*n);
  if (auto d = http::optional_string(body, "description")) changes.description = checked_description(*d);
  changes.is_public = http::optional_bool(body, "public");
  if (!changes.name && !changes.description && !changes.is_public)
    throw api_error(errc::bad_request, "give at least one of name, description, public");
  auto p = value_or_raise(repo_.update({id, me.id, optional_snapshot(body)}, changes));
  return http::json_ok(200, playlist_json(p));
}

http::response playlist_handlers::remove(const http::request& req) const {
  auto me = auth_.require(req);
  value_or_raise(repo_.remove(http::path_id(req, "id", "playlist"), me.id));
  return http::no_content();
}

http::response playlist_handlers::add_items(const http::request& req) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "playlist");
  auto body = http::json_body(req);
  auto song_ids = http::required_int_array(body, "song_ids", max_ids_per_request);
  auto position = http::optional_int(body, "position");
  return http::json_ok(200, snapshot_body(value_or_raise(repo_.add_items({id, me.id, optional_snapshot(body)}, song_ids, position))));
}

http::response playlist_handlers::remove_items(const http::request& req) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "playlist");
  auto body = http::json_body(req);
  auto positions = http::required_int_array(body, "positions", max_ids_per_request);
  return http::json_ok(200, snapshot_body(value_or_raise(repo_.remove_items({id, me.id, optional_snapshot(body)}, positions))));
}

http::response playlist_handlers::reorder_items(const http::request& req) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "playlist");
  auto body = http::json_body(req);
  auto start = http::required_int(body, "range_start");
  auto length = http::optional_int(body, "range_length").value_or(1);
  auto before = http::required_int(body, "insert_before");
  return http::json_ok(200, snapshot_body(value_or_raise(repo_.reorder({id, me.id, optional_snapshot(body)}, start, length, before))));
}

namespace {
http::response playlist_list(const page<playlist>& page, const http::paging& paging,
                             const http::request& req) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& p : page.items) items.push_back(playlist_json(p));
  return http::json_ok(200, http::paging_object(std::move(items), page.total, paging.limit, paging.offset, req));
}
}  // namespace

http::response playlist_handlers::mine(const http::request& req) const {
  auto me = auth_.require(req);
  auto paging = http::paging_params(req);
  return playlist_list(repo_.library(me.id, paging.limit, paging.offset), paging, req);
}

http::response playlist_handlers::of_user(const http::request& req) const {
  auto id = http::path_id(req, "id", "user");
  auto paging = http::paging_params(req);
  if (!users_.find_user(id)) throw api_error(errc::not_found, "no user with id " + std::to_string(id));
  auto viewer = auth_.current(req);
  // One's own list from the primary (read-your-writes), others' from the standby.
  const bool own = viewer && viewer->id == id;
  auto page = repo_.owned_by(id, own, paging.limit, paging.offset,
                             own ? store::read_from::primary : store::read_from::replica);
  return playlist_list(page, paging, req);
}

http::response playlist_handlers::follow(const http::request& req, bool follow) const {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "playlist");
  value_or_raise(repo_.set_follow(me.id, id, follow));
  return http::no_content();
}

}  // namespace tonearm::playlists
