// Who is calling: the bearer token of a request, checked against the sessions table.
#pragma once

#include <optional>
#include <string>

#include "tonearm/accounts/token_cache.hpp"
#include "tonearm/accounts/types.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/store/account_repository.hpp"

namespace tonearm::accounts {

class authenticator {
 public:
  // `tokens` may be null: every check asks the database.
  authenticator(store::account_repository& repo, token_cache* tokens) : repo_(repo), tokens_(tokens) {}

  // The token of `req`: "Authorization: Bearer <token>", or for GET requests the
  // `access_token` query parameter (RFC 6750 2.3; an <audio> element cannot send
  // headers). Empty when there is none.
  static std::string token_of(const http::request& req);
  // The signed-in user, or nullopt for an anonymous request. A token that is present
  // but invalid or expired throws api_error(unauthorized): a client that thinks it is
  // signed in must hear that it is not.
  std::optional<user> current(const http::request& req) const;
  // The signed-in user; throws api_error(unauthorized) when there is none.
  user require(const http::request& req) const;
  // For gates (search and streaming with anonymous access off): the signed-in user's
  // id. A token confirmed lately is not checked again; while PostgreSQL is unavailable
  // the last word on it from any instance stands. Throws api_error(unauthorized)
  // when there is no valid token.
  std::int64_t require_id(const http::request& req) const;
  // The same from this process's memory only (never blocks: for the I/O thread);
  // nullopt when the token was not confirmed lately.
  std::optional<std::int64_t> recent_id(const http::request& req) const;
  // Logout: the session is gone from the database and from the caches.
  void end_session(const http::request& req) const;

 private:
  store::account_repository& repo_;
  token_cache* tokens_;
};

}  // namespace tonearm::accounts
