// HTTP handlers of accounts: registration, sessions, profiles, following, liked songs.
#pragma once

#include <chrono>

#include "tonearm/core/fair_slots.hpp"
#include "tonearm/accounts/auth.hpp"
#include "tonearm/accounts/credentials.hpp"
#include "tonearm/accounts/rate_limiter.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/account_repository.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::accounts {

struct account_settings {
  std::chrono::seconds session_ttl{30 * 86400};
  int attempts_per_user = 10;
  int attempts_per_address = 50;
  int hash_concurrency = 2;
};

class account_handlers final {
 public:
  account_handlers(store::account_repository& repo, store::catalog_repository& catalog, rate_limiter& limiter,
                   const password_hasher& hasher, account_settings settings, const authenticator& auth);

  // POST /v1/users {"username","password"} -> 201 user
  http::response register_user(const http::request& req);
  // POST /v1/sessions {"username","password"} -> 201 {"token","token_type","expires_at","user"}
  http::response login(const http::request& req);
  // DELETE /v1/sessions/current -> 204
  http::response logout(const http::request& req);
  // GET /v1/me
  http::response me(const http::request& req);
  // GET /v1/users/{id}
  http::response user(const http::request& req);
  // PUT / DELETE /v1/me/following/users/{id} and /authors/{id} -> 204
  http::response follow_user(const http::request& req, bool follow);
  http::response follow_author(const http::request& req, bool follow);
  // GET /v1/users/{id}/followers, /v1/users/{id}/following?type=user|author
  http::response followers(const http::request& req);
  http::response following(const http::request& req);
  // PUT / DELETE /v1/me/library/songs/{id} -> 204; GET /v1/me/library/songs
  http::response like_song(const http::request& req, bool like);
  http::response liked_songs(const http::request& req);
  // GET /v1/me/library/songs/contains?ids=1,2,3 -> [true,false,true] (1 to 50 ids)
  http::response likes(const http::request& req);

 private:
  // Runs `fn` holding one of the hashing slots (argon2id holds its memory while it runs).
  template <class F>
  auto hashing(F&& fn);
  http::response too_many(std::int64_t retry_after) const;
  store::account_repository& repo_;
  store::catalog_repository& catalog_;
  rate_limiter& limiter_;
  const password_hasher& hasher_;
  account_settings settings_;
  const authenticator& auth_;
  core::fair_slots hash_slots_;  // FIFO: no login waits out its timeout behind later ones
};

}  // namespace tonearm::accounts
