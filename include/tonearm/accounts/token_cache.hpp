// Tokens checked lately, so that gates (search and streaming with anonymous access
// off) do not ask PostgreSQL on every request, and keep working while it is away.
//
// - In this process: a token the database confirmed within `fresh` is taken without
//   asking again (the I/O thread may ask too: it never blocks). A logout here drops
//   it at once; a logout on another instance is seen here within `fresh`.
// - In Redis, for every instance: tonearm:token:{sha256 hex} -> "user_id expires_at",
//   expiring with the session, or "revoked" after a logout (a tombstone, so that a
//   check that read the session just before the logout cannot write it back). Read
//   only when PostgreSQL is unavailable: a token revoked in the database is refused
//   whenever the database can say so. During an outage Redis has the last word;
//   this process's memory is used only when Redis cannot be reached either.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "tonearm/store/redis_client.hpp"

namespace tonearm::accounts {

class token_cache {
 public:
  // `fresh` 0 turns the cache off: every check asks the database (logouts still leave
  // their tombstone, for instances that have it on).
  token_cache(store::redis_client& redis, std::chrono::seconds fresh, std::size_t max_entries = 100000)
      : redis_(redis), fresh_(fresh), max_entries_(max_entries) {}
  bool enabled() const { return fresh_.count() > 0; }

  // The user of a token (its SHA-256) confirmed within `fresh` and not expired.
  std::optional<std::int64_t> fresh(const std::string& hash) const;
  // The database confirmed the token until `expires_at` (Unix seconds). Ignored for a
  // token logged out meanwhile.
  void remember(const std::string& hash, std::int64_t user_id, std::int64_t expires_at);
  // When the database is unavailable: the last word on an unexpired token, from any
  // instance (Redis), or from this process when Redis cannot be reached; never a token
  // logged out in this process.
  std::optional<std::int64_t> last_known(const std::string& hash) const;
  // Logout of a session valid until `expires_at`.
  void forget(const std::string& hash, std::int64_t expires_at);
  // The database no longer knows the token (expired or revoked there): dropped here,
  // and tombstoned in Redis if this process knew it (a bad token sent by anyone costs
  // no Redis call; other entries expire with their session, read only in outages).
  void forget_if_known(const std::string& hash);

 private:
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
  std::unordered_set<std::string> revoked_;  // dropped here: never remembered again
  std::deque<std::string> revoked_order_;     // oldest first: the set forgets from there when full
};

}  // namespace tonearm::accounts
