// All SQL of accounts: users, sessions, following and liked songs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tonearm/core/page.hpp"
#include "tonearm/accounts/types.hpp"
#include "tonearm/catalog/types.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

class account_repository {
 public:
  explicit account_repository(pg_pool& db) : db_(db) {}

  // The new user; nullopt when the username is taken (case-insensitively).
  std::optional<accounts::user> create_user(const std::string& username, const std::string& password_hash) const;
  std::optional<accounts::user> find_user(std::int64_t id) const;
  // By the canonical (lower-case) name, accounts::canonical_username: compared with
  // the unique index's lower(username) as given, never folded again here.
  std::optional<accounts::user> find_user_by_name(const std::string& canonical) const;
  std::optional<accounts::user_credentials> credentials(const std::string& canonical) const;

  // Stores a session token's hash; returns its expiry (ISO 8601).
  std::string create_session(std::int64_t user_id, const std::string& token_hash, std::chrono::seconds ttl) const;
  // The user of an unexpired session token hash.
  std::optional<accounts::user> user_by_token(const std::string& token_hash) const;
  // The user id and expiry (Unix seconds) of an unexpired session token hash.
  struct session_info {
    std::int64_t user_id = 0;
    std::int64_t expires_at = 0;
  };
  std::optional<session_info> session_by_token(const std::string& token_hash) const;
  // Deletes the session; returns its expiry (Unix seconds) when there was one.
  std::optional<std::int64_t> delete_session(const std::string& token_hash) const;
  // Deletes the user's sessions that expired; returns how many.
  std::int64_t delete_expired_sessions(std::int64_t user_id) const;

  // What a follow, unfollow, like or unlike did. Repeating one changes nothing, and
  // the counters move only when a row really came or went.
  enum class toggle { changed, unchanged, missing /* no such user, author or song */ };
  // Follow (on) or unfollow (off) a user or an author.
  toggle set_follow_user(std::int64_t follower, std::int64_t followee, bool on) const;
  toggle set_follow_author(std::int64_t user_id, std::int64_t author_id, bool on) const;
  // Newest first.
  page<accounts::user> followers(std::int64_t user_id, int limit, int offset) const;
  page<accounts::user> following_users(std::int64_t user_id, int limit, int offset) const;
  page<catalog::author> following_authors(std::int64_t user_id, int limit, int offset) const;

  // Like (on) or unlike (off) a song. The list is newest first: (added_at, song id).
  toggle set_like(std::int64_t user_id, std::int64_t song_id, bool on) const;
  page<std::pair<std::string, std::int64_t>> liked_songs(std::int64_t user_id, int limit, int offset) const;
  // Element i: whether the user likes song_ids[i].
  std::vector<bool> likes(std::int64_t user_id, const std::vector<std::int64_t>& song_ids) const;

 private:
  pg_pool& db_;
};

}  // namespace tonearm::store
