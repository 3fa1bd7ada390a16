// The parts of a running server, built once in `serve` and passed by reference:
// the stores, the domain services, the authenticator and every handler object.
// routes.cpp only maps paths onto the handlers built here.
#pragma once

#include <condition_variable>
#include <optional>
#include <stop_token>
#include <thread>

#include "tonearm/accounts/account_handlers.hpp"
#include "tonearm/accounts/auth.hpp"
#include "tonearm/accounts/credentials.hpp"
#include "tonearm/accounts/rate_limiter.hpp"
#include "tonearm/accounts/token_cache.hpp"
#include "tonearm/app/config.hpp"
#include "tonearm/app/health_handlers.hpp"
#include "tonearm/catalog/catalog_handlers.hpp"
#include "tonearm/catalog/search_service.hpp"
#include "tonearm/http/server.hpp"
#include "tonearm/playlists/playlist_handlers.hpp"
#include "tonearm/store/account_repository.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/pg_pool.hpp"
#include "tonearm/store/playlist_repository.hpp"
#include "tonearm/store/redis_client.hpp"
#include "tonearm/stream/cover_handler.hpp"
#include "tonearm/stream/hot_cache.hpp"
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/play_recorder.hpp"
#include "tonearm/stream/song_directory.hpp"
#include "tonearm/stream/stream_handler.hpp"
#include "tonearm/store/credential_repository.hpp"
#include "tonearm/store/library_repository.hpp"
#include "tonearm/subsonic/me_handlers.hpp"
#include "tonearm/subsonic/subsonic_api.hpp"

namespace tonearm::app {

struct services {
  explicit services(const config& c);

  app::config cfg;
  store::pg_pool db;
  std::unique_ptr<store::pg_pool> read_db;  // database_read_url, when set
  store::read_route reads;
  store::redis_client redis;
  std::unique_ptr<store::blob_store> blob_owner;  // blob_backend: local or s3
  store::blob_store& blobs;
  store::catalog_repository catalog;
  catalog::search_service search;
  stream::play_counter plays;
  stream::hot_cache hot;
  stream::song_directory directory;
  stream::play_recorder recorder;  // after plays, hot and directory: stops before them
  store::account_repository users;
  store::playlist_repository playlists;
  store::library_repository library;
  store::credential_repository app_credentials;
  // Seals app passwords (subsonic_secret_key); empty without one.
  std::optional<tonearm::accounts::secret_box> app_box;
  tonearm::accounts::password_hasher hasher;
  tonearm::accounts::rate_limiter limiter;
  tonearm::accounts::token_cache tokens;
  http::connection_stats connections;  // filled by the server, read by /readyz

  // Who is calling: one authenticator for every handler and gate.
  tonearm::accounts::authenticator auth;
  // The handlers.
  readyz_handler readyz;
  catalog::catalog_handlers catalog_api;
  stream::stream_handler streamer;
  stream::cover_handler covers;
  stream::charts_handler charts;
  tonearm::accounts::account_handlers accounts_api;
  tonearm::playlists::playlist_handlers playlists_api;
  subsonic::me_handlers me_api;
  subsonic::subsonic_api subsonic_api;

  // Flushes play counts to PostgreSQL every play_flush seconds until stopped.
  void start_play_flusher();
  // Stops the flusher and flushes once more (at shutdown).
  void stop_play_flusher();

 private:
  std::condition_variable_any flush_wake_;
  std::jthread flusher_;
};

}  // namespace tonearm::app
