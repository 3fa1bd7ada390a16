// The Subsonic API (1.16.1, with the OpenSubsonic extensions) at /rest/{method}, so the
// many existing Subsonic apps play from Tonearm: browsing by tags and by folders,
// search, streaming (the same range semantics as /v1), stars and ratings, playlists
// (the same playlists and owner rules as /v1), scrobbles and the play queue.
//
// Callers prove who they are with an app password (u+p, or u+t+s token auth) or an
// OpenSubsonic API key, never with the account password (see
// accounts/app_credentials.hpp). Every answer is HTTP 200 with status="ok" or
// status="failed" and the protocol's error code, as clients expect; audio, and the
// range errors of audio, keep their HTTP statuses.
#pragma once

#include <memory>
#include <string>

#include "tonearm/accounts/app_credentials.hpp"
#include "tonearm/accounts/rate_limiter.hpp"
#include "tonearm/catalog/search_service.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/credential_repository.hpp"
#include "tonearm/store/library_repository.hpp"
#include "tonearm/store/playlist_repository.hpp"
#include "tonearm/stream/cover_handler.hpp"
#include "tonearm/stream/stream_handler.hpp"

namespace tonearm::subsonic {

struct api_settings {
  std::string server_version;  // serverVersion in every answer
  // Failed sign-ins allowed per username and per address in the limiter's window
  // (the same limits as POST /v1/sessions).
  int attempts_per_user = 10;
  int attempts_per_address = 50;
};

class subsonic_api final {
 public:
  // `box` null: no subsonic_secret_key, so app passwords cannot be checked (API keys
  // still work).
  subsonic_api(store::library_repository& library, store::credential_repository& credentials,
               store::playlist_repository& playlists, catalog::search_service& search,
               const stream::stream_handler& streamer, const stream::cover_handler& covers,
               accounts::rate_limiter& limiter, const accounts::secret_box* box, api_settings settings);
  ~subsonic_api();

  // GET, HEAD or POST (formPost) /rest/{method} and /rest/{method}.view.
  http::response operator()(const http::request& req) const;

  struct call;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tonearm::subsonic
