// The REST side of what the Subsonic API uses: a user's app passwords and API keys
// (/v1/me/app-passwords) and their play queue (/v1/me/player/queue), the one listening
// state every device of theirs shares.
#pragma once

#include "tonearm/accounts/app_credentials.hpp"
#include "tonearm/accounts/auth.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/credential_repository.hpp"
#include "tonearm/store/library_repository.hpp"

namespace tonearm::subsonic {

class me_handlers final {
 public:
  // `box` null: no subsonic_secret_key, so no app passwords (API keys only).
  me_handlers(store::credential_repository& credentials, store::library_repository& library,
              store::catalog_repository& catalog, const accounts::authenticator& auth, const accounts::secret_box* box)
      : credentials_(credentials), library_(library), catalog_(catalog), auth_(auth), box_(box) {}

  // POST /v1/me/app-passwords {"label", "kind": "password"|"api_key"} -> 201 with the
  // secret, shown this once.
  http::response create_credential(const http::request& req) const;
  // GET /v1/me/app-passwords -> {"items": [...]} (never the secrets)
  http::response credentials(const http::request& req) const;
  // DELETE /v1/me/app-passwords/{id} -> 204: it stops working at once, everywhere.
  http::response revoke_credential(const http::request& req) const;

  // GET /v1/me/player/queue -> the queue with its songs (empty when none was saved).
  http::response queue(const http::request& req) const;
  // PUT /v1/me/player/queue {"song_ids", "current_song_id", "position_ms", "device"}
  http::response save_queue(const http::request& req) const;

 private:
  store::credential_repository& credentials_;
  store::library_repository& library_;
  store::catalog_repository& catalog_;
  const accounts::authenticator& auth_;
  const accounts::secret_box* box_;
};

}  // namespace tonearm::subsonic
