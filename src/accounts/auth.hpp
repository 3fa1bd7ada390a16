// Who is calling: the bearer token of a request, checked against the sessions table.
#pragma once

#include <optional>
#include <string>

#include "tonearm/accounts/types.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/store/account_repository.hpp"

namespace tonearm::accounts {

class authenticator {
 public:
  explicit authenticator(store::account_repository& repo) : repo_(repo) {}

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

 private:
  store::account_repository& repo_;
};

}  // namespace tonearm::accounts
