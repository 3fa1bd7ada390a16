// HTTP handlers of playlists: CRUD, items with snapshot ids, following.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "tonearm/accounts/auth.hpp"
#include "tonearm/http/params.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/playlists/types.hpp"
#include "tonearm/store/account_repository.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/playlist_repository.hpp"

namespace tonearm::playlists {

class playlist_handlers final {
 public:
  playlist_handlers(store::playlist_repository& repo, store::account_repository& users,
                    store::catalog_repository& catalog, const accounts::authenticator& auth)
      : repo_(repo), users_(users), catalog_(catalog), auth_(auth) {}

  http::response create(const http::request& req) const;          // POST /v1/playlists
  http::response get(const http::request& req) const;             // GET /v1/playlists/{id}
  http::response items(const http::request& req) const;           // GET /v1/playlists/{id}/items
  http::response update(const http::request& req) const;          // PATCH /v1/playlists/{id}
  http::response remove(const http::request& req) const;          // DELETE /v1/playlists/{id}
  http::response add_items(const http::request& req) const;       // POST /v1/playlists/{id}/items
  http::response remove_items(const http::request& req) const;    // DELETE /v1/playlists/{id}/items
  http::response reorder_items(const http::request& req) const;   // PUT /v1/playlists/{id}/items
  http::response mine(const http::request& req) const;            // GET /v1/me/playlists
  http::response of_user(const http::request& req) const;         // GET /v1/users/{id}/playlists
  http::response follow(const http::request& req, bool follow) const;  // PUT/DELETE /v1/playlists/{id}/followers

 private:
  // The items page of a visible playlist as a paging object of {"position","song","added_at"}.
  // ?limit= (1..100, default 100) and ?offset= of an items page.
  static http::paging items_paging(const http::request& req);
  nlohmann::json items_page(const playlist& p, const http::paging& paging, const http::request& req,
                            store::read_from from = store::read_from::primary) const;
  // The playlist if the caller may see it (else 404); `items_from`: where to read its
  // items so that they match.
  playlist visible(const http::request& req, std::int64_t id, store::read_from* items_from = nullptr) const;
  store::playlist_repository& repo_;
  store::account_repository& users_;
  store::catalog_repository& catalog_;
  const accounts::authenticator& auth_;
};

}  // namespace tonearm::playlists
