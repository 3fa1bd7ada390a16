// Catalog handlers: validate, call the repository, shape JSON.
#include "tonearm/catalog/catalog_handlers.hpp"

#include <nlohmann/json.hpp>

#include "tonearm/catalog/catalog_json.hpp"
#include "tonearm/catalog/search_query.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::catalog {

namespace {

http::response ok(const nlohmann::json& body) {
  // Client input comes back in bodies; replace invalid UTF-8 rather than fail.
  auto res = http::json_response(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  res.headers.set("Cache-Control", "public, max-age=60");
  return res;
}

template <class T, class F>
nlohmann::json items_json(const std::vector<T>& items, F to_json) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : items) out.push_back(to_json(i));
  return out;
}

}  // namespace

http::response catalog_handlers::search(const http::request& req) const {
  search_params p{req.query_param("q"), req.query_param("type"), req.query_param("limit"), req.query_param("offset"),
                  req.query_param("genre"), req.query_param("year"), req.query_param("country")};
  auto q = parse_search(p);
  auto results = search_.search(q);
  nlohmann::json body = nlohmann::json::object();
  if (results.songs)
    body["songs"] = http::paging_object(items_json(results.songs->items, song_json), results.songs->total, q.limit,
                                        q.offset, req, {{"type", "song"}});
  if (results.authors)
    body["authors"] = http::paging_object(items_json(results.authors->items, author_json), results.authors->total,
                                          q.limit, q.offset, req, {{"type", "author"}});
  if (results.albums)
    body["albums"] = http::paging_object(items_json(results.albums->items, album_json), results.albums->total,
                                         q.limit, q.offset, req, {{"type", "album"}});
  return ok(body);
}

http::response catalog_handlers::genres(const http::request&) const {
  auto all = search_.genres();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& g : all) items.push_back({{"name", g.name}, {"songs", g.songs}});
  return ok({{"items", std::move(items)}, {"total", all.size()}});
}

http::response catalog_handlers::song(const http::request& req) const {
  auto id = http::path_id(req, "id", "song");
  auto s = repo_.find_song(id);
  if (!s) return http::error_response(errc::not_found, "no song with id " + std::to_string(id));
  return ok(song_json(*s));
}

http::response catalog_handlers::author(const http::request& req) const {
  auto id = http::path_id(req, "id", "author");
  auto a = repo_.find_author(id);
  if (!a) return http::error_response(errc::not_found, "no author with id " + std::to_string(id));
  auto body = author_json(*a);
  body["top_songs"] = items_json(repo_.top_songs_by_author(id, 10), song_json);
  body["albums"] = items_json(repo_.albums_by_author(id), album_json);
  return ok(body);
}

http::response catalog_handlers::album(const http::request& req) const {
  auto id = http::path_id(req, "id", "album");
  auto a = repo_.find_album(id);
  if (!a) return http::error_response(errc::not_found, "no album with id " + std::to_string(id));
  auto body = album_json(*a);
  body["tracks"] = items_json(repo_.album_tracks(id), song_json);
  return ok(body);
}

}  // namespace tonearm::catalog
