// HTTP handlers of the catalog: search and songs/authors/albums by id.
#pragma once

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/catalog/search_service.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::catalog {

class catalog_handlers final {
 public:
  catalog_handlers(store::catalog_repository& repo, const search_service& search) : repo_(repo), search_(search) {}

  // GET /v1/search?q=&type=&limit=&offset=&genre=&year=&country=
  http::response search(const http::request& req) const;
  // GET /v1/genres: {"items":[{"name","songs"}],"total"}, most songs first
  http::response genres(const http::request& req) const;
  // GET /v1/songs/{id}
  http::response song(const http::request& req) const;
  // GET /v1/authors/{id}: the author with "top_songs" and "albums"
  http::response author(const http::request& req) const;
  // GET /v1/albums/{id}: the album with "tracks" in order
  http::response album(const http::request& req) const;

 private:
  store::catalog_repository& repo_;
  const search_service& search_;
};

}  // namespace tonearm::catalog
