// Bearer tokens: only their SHA-256 is looked up.
#include "tonearm/accounts/auth.hpp"

#include "tonearm/accounts/credentials.hpp"
#include "tonearm/core/error.hpp"

#include <spdlog/spdlog.h>

namespace tonearm::accounts {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Tokens we issue are 43 characters; anything far longer is not one of ours.
constexpr std::size_t max_token_chars = 256;
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
  std::optional<user> u;
  if (token.size() <= max_token_chars) u = repo_.user_by_token(token_hash(token));
  if (!u) throw api_error(errc::unauthorized, "the token is invalid or has expired; log in again");
  return u;
}

std::int64_t authenticator::require_id(const http::request& req) const {
  auto token = token_of(req);
  if (token.empty()) throw api_error(errc::unauthorized, "this needs a signed-in user: send 'Authorization: Bearer <token>'");
  if (token.size() > max_token_chars) throw api_error(errc::unauthorized, "the token is invalid or has expired; log in again");
  auto hash = token_hash(token);
  if (tokens_)
    if (auto id = tokens_->fresh(hash)) return *id;
  std::optional<store::account_repository::session_info> session;
  try {
    session = repo_.session_by_token(hash);
  } catch (const api_error& e) {
    if (e.code() != errc::unavailable || !tokens_) throw;
    auto id = tokens_->last_known(hash);
    if (!id) throw;
    spdlog::warn("token of user {} taken on its last known state while PostgreSQL is unavailable ({})", *id, e.what());
    return *id;
  }
  if (!session) {
    if (tokens_) tokens_->forget_if_known(hash);  // revoked or expired since: not even during an outage
    throw api_error(errc::unauthorized, "the token is invalid or has expired; log in again");
  }
  if (tokens_) tokens_->remember(hash, session->user_id, session->expires_at);
  return session->user_id;
}

std::optional<std::int64_t> authenticator::recent_id(const http::request& req) const {
  if (!tokens_) return std::nullopt;
  auto token = token_of(req);
  if (token.empty() || token.size() > max_token_chars) return std::nullopt;
  return tokens_->fresh(token_hash(token));
}

void authenticator::end_session(const http::request& req) const {
  auto hash = token_hash(token_of(req));
  auto expires_at = repo_.delete_session(hash);
  if (tokens_ && expires_at) tokens_->forget(hash, *expires_at);
}

user authenticator::require(const http::request& req) const {
  auto u = current(req);
  if (!u) throw api_error(errc::unauthorized, "this needs a signed-in user: send 'Authorization: Bearer <token>'");
  return *u;
}

}  // namespace tonearm::accounts
