// Bearer tokens: only their SHA-256 is looked up.
#include "auth.hpp"

#include "tonearm/accounts/credentials.hpp"
#include "tonearm/core/error.hpp"

namespace tonearm::accounts {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
}  // namespace

std::string authenticator::token_of(const http::request& req) {
  auto header = req.header("Authorization");
  if (!header.empty()) {
    auto space = header.find(' ');
    if (space == std::string_view::npos || !iequals(header.substr(0, space), "Bearer"))
      throw api_error(errc::unauthorized, "the Authorization header must be 'Bearer <token>'");
    auto token = header.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) throw api_error(errc::unauthorized, "the bearer token is empty");
    return std::string(token);
  }
  if (req.method == "GET" || req.method == "HEAD")
    if (auto t = req.query_param("access_token"); t && !t->empty()) return *t;
  return {};
}

std::optional<user> authenticator::current(const http::request& req) const {
  auto token = token_of(req);
  if (token.empty()) return std::nullopt;
  // Tokens we issue are 43 characters; anything far longer is not one of ours.
  std::optional<user> u;
  if (token.size() <= 256) u = repo_.user_by_token(token_hash(token));
  if (!u) throw api_error(errc::unauthorized, "the token is invalid or has expired; log in again");
  return u;
}

user authenticator::require(const http::request& req) const {
  auto u = current(req);
  if (!u) throw api_error(errc::unauthorized, "this needs a signed-in user: send 'Authorization: Bearer <token>'");
  return *u;
}

}  // namespace tonearm::accounts
