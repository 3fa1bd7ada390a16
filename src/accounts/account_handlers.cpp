// Accounts: validate, rate-limit, hash off the I/O threads (these handlers run on the
// blocking pool), call the repository, shape JSON.
#include "tonearm/accounts/account_handlers.hpp"

#include <spdlog/spdlog.h>

#include "account_json.hpp"
#include "tonearm/catalog/catalog_json.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::accounts {

namespace {
std::string address_of(const http::request& req) { return req.remote.empty() ? "-" : req.remote; }

// A follow or like of something that does not exist is a 404 naming it.
void require_found(store::account_repository::toggle t, const char* what, std::int64_t id) {
  if (t == store::account_repository::toggle::missing)
    throw api_error(errc::not_found, std::string("no ") + what + " with id " + std::to_string(id));
}
}  // namespace

account_handlers::account_handlers(store::account_repository& repo, store::catalog_repository& catalog,
                                   rate_limiter& limiter, const password_hasher& hasher, account_settings settings,
                                   const authenticator& auth)
    : repo_(repo),
      catalog_(catalog),
      limiter_(limiter),
      hasher_(hasher),
      settings_(settings),
      auth_(auth),
      hash_slots_(std::clamp(settings.hash_concurrency, 1, 256)) {}

template <class F>
auto account_handlers::hashing(F&& fn) {
  if (!hash_slots_.try_acquire_for(std::chrono::seconds(10)))
    throw api_error(errc::overloaded, "too many logins at once; retry shortly");
  core::fair_slots::hold guard(hash_slots_);
  return fn();
}

http::response account_handlers::too_many(std::int64_t retry_after) const {
  auto res = http::error_response(errc::too_many_requests,
                                  "too many attempts; retry in " + std::to_string(retry_after) + " s");
  res.headers.set("Retry-After", std::to_string(retry_after));
  return res;
}

http::response account_handlers::register_user(const http::request& req) {
  auto body = http::json_body(req);
  auto username = http::required_string(body, "username");
  auto password = http::required_string(body, "password");
  if (auto problem = username_problem(username); !problem.empty()) throw api_error(errc::bad_request, problem);
  if (auto problem = password_problem(password); !problem.empty()) throw api_error(errc::bad_request, problem);
  if (auto wait = limiter_.hit("register:addr:" + address_of(req), settings_.attempts_per_address))
    return too_many(*wait);
  auto hash = hashing([&] { return hasher_.hash(password); });
  auto created = repo_.create_user(username, hash);
  if (!created) throw api_error(errc::conflict, "username '" + username + "' is taken");
  const auto& u = *created;
  spdlog::info("registered user id={} username={}", u.id, u.username);
  auto res = http::json_ok(201, user_json(u, true));
  res.headers.set("Location", "/v1/users/" + std::to_string(u.id));
  return res;
}

http::response account_handlers::login(const http::request& req) {
  auto body = http::json_body(req);
  auto username = http::required_string(body, "username");
  auto password = http::required_string(body, "password");
  if (auto wait = limiter_.hit("login:addr:" + address_of(req), settings_.attempts_per_address)) return too_many(*wait);
  // One canonical form keys the limiter, the lookup and the comparison: a name no
  // account can have is refused before any of them.
  auto canonical = canonical_username(username);
  if (!canonical) throw api_error(errc::bad_request, username_problem(username));
  auto user_key = "login:user:" + *canonical;
  if (auto wait = limiter_.blocked(user_key, settings_.attempts_per_user)) return too_many(*wait);

  // An unknown name costs one argon2id verify too, and both failures read the same.
  auto creds = repo_.credentials(*canonical);
  bool ok = hashing([&] { return creds ? hasher_.verify(creds->password_hash, password) : hasher_.verify_nobody(password); });
  if (!ok) {
    limiter_.hit(user_key, settings_.attempts_per_user);
    return http::error_response(errc::unauthorized, "wrong username or password");
  }
  auto token = new_token();
  auto expires_at = repo_.create_session(creds->id, token.hash, settings_.session_ttl);
  repo_.delete_expired_sessions(creds->id);
  auto u = repo_.find_user(creds->id);
  if (!u) throw api_error(errc::unauthorized, "wrong username or password");  // deleted meanwhile
  return http::json_ok(201, {{"token", token.token},
                       {"token_type", "Bearer"},
                       {"expires_at", expires_at},
                       {"user", user_json(*u, true)}});
}

http::response account_handlers::logout(const http::request& req) {
  auth_.require(req);
  auth_.end_session(req);
  return http::no_content();
}

http::response account_handlers::me(const http::request& req) { return http::json_ok(200, user_json(auth_.require(req), true)); }

http::response account_handlers::user(const http::request& req) {
  auto id = http::path_id(req, "id", "user");
  auto u = repo_.find_user(id);
  if (!u) throw api_error(errc::not_found, "no user with id " + std::to_string(id));
  auto viewer = auth_.current(req);
  return http::json_ok(200, user_json(*u, viewer && viewer->id == id));
}

http::response account_handlers::follow_user(const http::request& req, bool follow) {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "user");
  if (me.id == id) throw api_error(errc::bad_request, "you cannot follow yourself");
  require_found(repo_.set_follow_user(me.id, id, follow), "user", id);
  return http::no_content();
}

http::response account_handlers::follow_author(const http::request& req, bool follow) {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "author");
  require_found(repo_.set_follow_author(me.id, id, follow), "author", id);
  return http::no_content();
}

namespace {
template <class T, class F>
nlohmann::json page_json(const page<T>& p, F to_json, const http::paging& paging, const http::request& req) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : p.items) items.push_back(to_json(i));
  return http::paging_object(std::move(items), p.total, paging.limit, paging.offset, req);
}
}  // namespace

http::response account_handlers::followers(const http::request& req) {
  auto id = http::path_id(req, "id", "user");
  auto paging = http::paging_params(req);
  if (!repo_.find_user(id)) throw api_error(errc::not_found, "no user with id " + std::to_string(id));
  auto page = repo_.followers(id, paging.limit, paging.offset);
  return http::json_ok(200, page_json(page, [](const auto& u) { return user_json(u, false); }, paging, req));
}

http::response account_handlers::following(const http::request& req) {
  auto id = http::path_id(req, "id", "user");
  auto paging = http::paging_params(req);
  auto type = req.query_param("type").value_or("user");
  if (type != "user" && type != "author")
    throw api_error(errc::bad_request, "type must be 'user' or 'author', got '" + type.substr(0, 32) + "'");
  if (!repo_.find_user(id)) throw api_error(errc::not_found, "no user with id " + std::to_string(id));
  if (type == "author")
    return http::json_ok(200, page_json(repo_.following_authors(id, paging.limit, paging.offset), catalog::author_json,
                                  paging, req));
  auto page = repo_.following_users(id, paging.limit, paging.offset);
  return http::json_ok(200, page_json(page, [](const auto& u) { return user_json(u, false); }, paging, req));
}

http::response account_handlers::like_song(const http::request& req, bool like) {
  auto me = auth_.require(req);
  auto id = http::path_id(req, "id", "song");
  require_found(repo_.set_like(me.id, id, like), "song", id);
  return http::no_content();
}

http::response account_handlers::likes(const http::request& req) {
  auto me = auth_.require(req);
  auto ids = http::ids_param(req, "ids", 50);
  nlohmann::json out = nlohmann::json::array();
  for (bool b : repo_.likes(me.id, ids)) out.push_back(b);
  return http::json_ok(200, out);
}

http::response account_handlers::liked_songs(const http::request& req) {
  auto me = auth_.require(req);
  auto paging = http::paging_params(req);
  auto page = repo_.liked_songs(me.id, paging.limit, paging.offset);
  std::vector<std::int64_t> ids;
  for (const auto& [added, id] : page.items) ids.push_back(id);
  auto songs = catalog::songs_json_by_id(catalog_, ids);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [added, id] : page.items)
    if (auto it = songs.find(id); it != songs.end()) items.push_back({{"added_at", added}, {"song", it->second}});
  return http::json_ok(200, http::paging_object(std::move(items), page.total, paging.limit, paging.offset, req));
}

}  // namespace tonearm::accounts
