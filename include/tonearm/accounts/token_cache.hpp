// Tokens checked lately, so that gates (search and streaming with anonymous access
// off) do not ask PostgreSQL on every request, and keep working while it is away.
//
// - In this process: a token the database confirmed within `fresh` is taken without
//   asking again (the I/O thread may ask too: it never blocks). A logout here drops
//   it at once; a logout on another instance is seen here within `fresh`.
// - In Redis, for every instance: tonearm:token:{sha256 hex} -> "user_id expires_at",
//   expiring with the session. Read only when PostgreSQL is unavailable, so a token
//   revoked in the database is refused whenever the database can say so.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "tonearm/store/redis_client.hpp"

namespace tonearm::accounts {

class token_cache {
 public:
  // `fresh` 0 turns the cache off: every check asks the database.
  token_cache(store::redis_client& redis, std::chrono::seconds fresh, std::size_t max_entries = 100000)
      : redis_(redis), fresh_(fresh), max_entries_(max_entries) {}
  bool enabled() const { return fresh_.count() > 0; }

  // The user of a token (its SHA-256) confirmed within `fresh` and not expired.
  std::optional<std::int64_t> fresh(const std::string& hash) const;
  // The database confirmed the token until `expires_at` (Unix seconds).
  void remember(const std::string& hash, std::int64_t user_id, std::int64_t expires_at);
  // When the database is unavailable: the last word on an unexpired token, from this
  // process or any instance (Redis).
  std::optional<std::int64_t> last_known(const std::string& hash) const;
  // Logout.
  void forget(const std::string& hash);
  // The database no longer knows the token: forgotten if this process knew it (a bad
  // token sent by anyone costs no Redis call).
  void forget_if_known(const std::string& hash);

 private:
  void drop(const std::string& hash, bool always);
  struct entry {
    std::int64_t user_id;
    std::int64_t expires_at;
    std::chrono::steady_clock::time_point confirmed;
  };
  store::redis_client& redis_;
  const std::chrono::seconds fresh_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace tonearm::accounts
