// Builds the shared parts from the configuration.
#include "tonearm/app/services.hpp"
#include "tonearm/app/blob_backend.hpp"

#include <spdlog/spdlog.h>

namespace tonearm::app {

namespace {
std::optional<accounts::secret_box> app_box_for(const config& c) {
  if (c.subsonic_secret_key.empty()) return std::nullopt;
  std::string why;
  auto box = accounts::secret_box::from_text(c.subsonic_secret_key, why);
  if (!box) throw std::invalid_argument("subsonic_secret_key " + why);
  return box;
}

store::redis_options redis_options_for(const config& c) {
  auto o = store::parse_redis_url(c.redis_url);
  o.timeout = c.redis_timeout;
  o.pool_size = static_cast<std::size_t>(c.worker_threads);
  return o;
}
}  // namespace

services::services(const config& c)
    : cfg(c),
      db(c.database_url, static_cast<std::size_t>(c.db_pool_size), c.db_timeout),
      read_db(c.database_read_url.empty() ? nullptr
                                          : std::make_unique<store::pg_pool>(
                                                c.database_read_url, static_cast<std::size_t>(c.db_pool_size), c.db_timeout)),
      reads(db, read_db.get(), c.database_read_max_lag),
      redis(redis_options_for(c)),
      blob_owner(open_blob_store(c)),
      blobs(*blob_owner),
      catalog(db, &reads),
      search(catalog, c.search_refresh, c.search_popularity_refresh),
      plays(redis, c.play_dedup),
      hot(redis, blobs, stream::hot_cache_options{c.hot_threshold, c.hot_window, c.hot_max_bytes, c.hot_ttl, 256 * 1024, c.hot_local_bytes}),
      directory(redis, c.song_directory_ttl),
      recorder(plays, hot, &directory),
      users(db),
      playlists(db, c.playlist_max_items, &reads),
      library(db),
      app_credentials(db),
      app_box(app_box_for(c)),
      hasher(accounts::password_cost{c.password_hash_ops, c.password_hash_memory_kib}),
      limiter(redis, c.login_window),
      tokens(redis, c.token_cache),
      auth(users, &tokens),
      readyz(db, reads, redis, blobs, connections),
      catalog_api(catalog, search),
      streamer(catalog, directory, blobs, recorder, hot),
      covers(catalog, blobs),
      charts(catalog, plays, recorder),
      accounts_api(users, catalog, limiter, hasher,
                   accounts::account_settings{c.session_ttl, c.login_attempts_per_user, c.login_attempts_per_address,
                                              c.password_hash_concurrency},
                   auth),
      playlists_api(playlists, users, catalog, auth),
      me_api(app_credentials, library, catalog, auth, app_box ? &*app_box : nullptr),
      subsonic_api(library, app_credentials, playlists, search, streamer, covers, limiter,
                   app_box ? &*app_box : nullptr,
                   subsonic::api_settings{TONEARM_VERSION, c.login_attempts_per_user, c.login_attempts_per_address}) {}

namespace {
void flush_once(services& s) {
  try {
    if (auto n = s.plays.flush(s.catalog); n && *n > 0) spdlog::debug("flushed plays of {} songs", *n);
  } catch (const std::exception& e) {
    spdlog::warn("play count flush failed (kept in Redis for the next one): {}", e.what());
  }
}
}  // namespace

void services::start_play_flusher() {
  flusher_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::unique_lock lock(m);
    while (!stop.stop_requested()) {
      flush_wake_.wait_for(lock, stop, cfg.play_flush, [] { return false; });
      if (stop.stop_requested()) break;
      flush_once(*this);
    }
  });
}

void services::stop_play_flusher() {
  if (flusher_.joinable()) {
    flusher_.request_stop();
    flush_wake_.notify_all();
    flusher_.join();
  }
  recorder.stop();  // queued plays reach Redis first
  flush_once(*this);
}

}  // namespace tonearm::app
