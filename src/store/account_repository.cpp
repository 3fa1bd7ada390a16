// Accounts SQL. Counters (followers, following) change in the same transaction as
// the row they count, and only when a row was really inserted or deleted, so repeated
// PUTs and DELETEs are idempotent and the counts stay exact.
#include "tonearm/store/account_repository.hpp"

#include <pqxx/pqxx>

#include <unordered_set>

#include "catalog_rows.hpp"
#include "tonearm/accounts/credentials.hpp"
#include "tonearm/core/error.hpp"
#include "follower_counts.hpp"

namespace tonearm::store {

using namespace std::string_literals;

namespace {

// ISO 8601 in UTC with a Z, the way every timestamp leaves the API.
std::string iso(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

const std::string user_columns =
    "u.id, u.username, " + iso("u.created_at") + ", " + followers_of('u', "u.id") + ", u.following_count, u.billing_id";

accounts::user user_from_row(const pqxx::row& r) {
  accounts::user u;
  u.id = r[0].as<std::int64_t>();
  u.username = r[1].as<std::string>();
  u.created_at = r[2].as<std::string>();
  u.followers = r[3].as<std::int64_t>();
  u.following = r[4].as<std::int64_t>();
  if (!r[5].is_null()) u.billing_id = r[5].as<std::string>();
  return u;
}

std::string bytea(const std::string& raw) { return "\\x" + accounts::to_hex(raw); }

void require_user(pqxx::transaction_base& tx, std::int64_t id) {
  if (tx.exec_params("SELECT 1 FROM users WHERE id = $1", id).empty())
    throw api_error(errc::not_found, "no user with id " + std::to_string(id));
}

// Moves the follower's "following" and the followee's "followers" by `delta`. The
// rows locked are the follower's own and one of the followee's counter shards, never
// another user's row: A following B while B follows A cannot deadlock.
void move_user_counts(pqxx::transaction_base& tx, std::int64_t follower, std::int64_t followee, int delta) {
  tx.exec_params("UPDATE users SET following_count = following_count + $2 WHERE id = $1", follower, delta);
  add_follower_count(tx, 'u', followee, follower, delta);
}

page<accounts::user> user_page(pg_pool& db, const std::string& join_column, const std::string& where_column,
                               std::int64_t id, int limit, int offset) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    page<accounts::user> out;
    // The page's ids first: the follower-count sums run for its rows only, not for
    // every row the OFFSET skips.
    auto r = tx.exec_params("SELECT " + user_columns + " FROM (SELECT f." + join_column + " AS id, f.created_at" +
                                " FROM follows f WHERE f." + where_column + " = $1 ORDER BY f.created_at DESC, f." +
                                join_column + " DESC LIMIT $2 OFFSET $3) pg JOIN users u ON u.id = pg.id" +
                                " ORDER BY pg.created_at DESC, pg.id DESC",
                            id, limit, offset);
    for (const auto& row : r) out.items.push_back(user_from_row(row));
    out.total = tx.exec_params("SELECT count(*) FROM follows WHERE " + where_column + " = $1", id)[0][0]
                    .as<std::int64_t>();
    return out;
  });
}

}  // namespace

accounts::user account_repository::create_user(const std::string& username, const std::string& password_hash) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("INSERT INTO users AS u (username, password_hash) VALUES ($1, $2)"
                            " ON CONFLICT ((lower(username))) DO NOTHING RETURNING " + user_columns,
                            username, password_hash);
    if (r.empty()) throw api_error(errc::conflict, "username '" + username + "' is taken");
    auto u = user_from_row(r[0]);
    tx.commit();
    return u;
  });
}

std::optional<accounts::user> account_repository::find_user(std::int64_t id) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::user> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT " + user_columns + " FROM users u WHERE u.id = $1", id);
    if (r.empty()) return std::nullopt;
    return user_from_row(r[0]);
  });
}

std::optional<accounts::user> account_repository::find_user_by_name(const std::string& username) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::user> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT " + user_columns + " FROM users u WHERE lower(u.username) = $1", username);
    if (r.empty()) return std::nullopt;
    return user_from_row(r[0]);
  });
}

std::optional<accounts::user_credentials> account_repository::credentials(const std::string& username) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::user_credentials> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT id, password_hash FROM users WHERE lower(username) = $1", username);
    if (r.empty()) return std::nullopt;
    return accounts::user_credentials{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>()};
  });
}

std::string account_repository::create_session(std::int64_t user_id, const std::string& token_hash,
                                               std::chrono::seconds ttl) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("INSERT INTO tokens (token_hash, user_id, expires_at)"
                            " VALUES ($1::bytea, $2, now() + make_interval(secs => $3)) RETURNING " +
                                iso("expires_at"),
                            bytea(token_hash), user_id, static_cast<std::int64_t>(ttl.count()));
    auto expires = r[0][0].as<std::string>();
    tx.commit();
    return expires;
  });
}

std::optional<accounts::user> account_repository::user_by_token(const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::user> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT " + user_columns +
                                " FROM tokens t JOIN users u ON u.id = t.user_id"
                                " WHERE t.token_hash = $1::bytea AND t.expires_at > now()",
                            bytea(token_hash));
    if (r.empty()) return std::nullopt;
    return user_from_row(r[0]);
  });
}

std::optional<account_repository::session_info> account_repository::session_by_token(
    const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<session_info> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT user_id, floor(extract(epoch FROM expires_at))::bigint FROM tokens"
                            " WHERE token_hash = $1::bytea AND expires_at > now()",
                            bytea(token_hash));
    if (r.empty()) return std::nullopt;
    return session_info{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
  });
}

std::optional<std::int64_t> account_repository::delete_session(const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<std::int64_t> {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM tokens WHERE token_hash = $1::bytea"
                            " RETURNING floor(extract(epoch FROM expires_at))::bigint",
                            bytea(token_hash));
    tx.commit();
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  });
}

std::int64_t account_repository::delete_expired_sessions(std::int64_t user_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM tokens WHERE user_id = $1 AND expires_at <= now()", user_id);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

bool account_repository::follow_user(std::int64_t follower, std::int64_t followee) const {
  if (follower == followee) throw api_error(errc::bad_request, "you cannot follow yourself");
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    require_user(tx, followee);
    auto r = tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)"
                            " ON CONFLICT DO NOTHING RETURNING 1",
                            follower, followee);
    if (!r.empty()) move_user_counts(tx, follower, followee, 1);
    tx.commit();
    return !r.empty();
  });
}

bool account_repository::unfollow_user(std::int64_t follower, std::int64_t followee) const {
  if (follower == followee) throw api_error(errc::bad_request, "you cannot follow yourself");
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    require_user(tx, followee);
    auto r = tx.exec_params("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1", follower,
                            followee);
    if (!r.empty()) move_user_counts(tx, follower, followee, -1);
    tx.commit();
    return !r.empty();
  });
}

namespace {
bool change_author_follow(pg_pool& db, std::int64_t user_id, std::int64_t author_id, bool follow) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_params("SELECT 1 FROM authors WHERE id = $1", author_id).empty())
      throw api_error(errc::not_found, "no author with id " + std::to_string(author_id));
    auto r = follow ? tx.exec_params("INSERT INTO author_follows (user_id, author_id) VALUES ($1, $2)"
                                     " ON CONFLICT DO NOTHING RETURNING 1",
                                     user_id, author_id)
                    : tx.exec_params("DELETE FROM author_follows WHERE user_id = $1 AND author_id = $2 RETURNING 1",
                                     user_id, author_id);
    if (!r.empty()) {
      int delta = follow ? 1 : -1;
      tx.exec_params("UPDATE users SET following_count = following_count + $2 WHERE id = $1", user_id, delta);
      add_follower_count(tx, 'a', author_id, user_id, delta);
    }
    tx.commit();
    return !r.empty();
  });
}
}  // namespace

bool account_repository::follow_author(std::int64_t user_id, std::int64_t author_id) const {
  return change_author_follow(db_, user_id, author_id, true);
}

bool account_repository::unfollow_author(std::int64_t user_id, std::int64_t author_id) const {
  return change_author_follow(db_, user_id, author_id, false);
}

page<accounts::user> account_repository::followers(std::int64_t user_id, int limit, int offset) const {
  return user_page(db_, "follower_id", "followee_id", user_id, limit, offset);
}

page<accounts::user> account_repository::following_users(std::int64_t user_id, int limit, int offset) const {
  return user_page(db_, "followee_id", "follower_id", user_id, limit, offset);
}

page<catalog::author> account_repository::following_authors(std::int64_t user_id, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    page<catalog::author> out;
    auto r = tx.exec_params("SELECT "s + rows::author_columns +
                                " FROM (SELECT f.author_id AS id, f.created_at FROM author_follows f WHERE f.user_id = $1"
                                " ORDER BY f.created_at DESC, f.author_id DESC LIMIT $2 OFFSET $3) pg"
                                " JOIN authors a ON a.id = pg.id ORDER BY pg.created_at DESC, pg.id DESC",
                            user_id, limit, offset);
    for (const auto& row : r) out.items.push_back(rows::author_from_row(row));
    out.total = tx.exec_params("SELECT count(*) FROM author_follows WHERE user_id = $1", user_id)[0][0]
                    .as<std::int64_t>();
    return out;
  });
}

bool account_repository::like_song(std::int64_t user_id, std::int64_t song_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_params("SELECT 1 FROM songs WHERE id = $1", song_id).empty())
      throw api_error(errc::not_found, "no song with id " + std::to_string(song_id));
    auto r = tx.exec_params("INSERT INTO liked_songs (user_id, song_id) VALUES ($1, $2)"
                            " ON CONFLICT DO NOTHING RETURNING 1",
                            user_id, song_id);
    tx.commit();
    return !r.empty();
  });
}

bool account_repository::unlike_song(std::int64_t user_id, std::int64_t song_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_params("SELECT 1 FROM songs WHERE id = $1", song_id).empty())
      throw api_error(errc::not_found, "no song with id " + std::to_string(song_id));
    auto r = tx.exec_params("DELETE FROM liked_songs WHERE user_id = $1 AND song_id = $2 RETURNING 1", user_id,
                            song_id);
    tx.commit();
    return !r.empty();
  });
}

std::vector<bool> account_repository::likes(std::int64_t user_id, const std::vector<std::int64_t>& song_ids) const {
  std::string array = "{";
  for (std::size_t i = 0; i < song_ids.size(); ++i) array += (i ? "," : "") + std::to_string(song_ids[i]);
  array += "}";
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT song_id FROM liked_songs WHERE user_id = $1 AND song_id = ANY($2::bigint[])",
                            user_id, array);
    std::unordered_set<std::int64_t> liked;
    for (const auto& row : r) liked.insert(row[0].as<std::int64_t>());
    std::vector<bool> out;
    for (auto id : song_ids) out.push_back(liked.count(id) > 0);
    return out;
  });
}

page<std::pair<std::string, std::int64_t>> account_repository::liked_songs(std::int64_t user_id, int limit,
                                                                           int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    page<std::pair<std::string, std::int64_t>> out;
    auto r = tx.exec_params("SELECT " + iso("added_at") +
                                ", song_id FROM liked_songs WHERE user_id = $1"
                                " ORDER BY added_at DESC, song_id DESC LIMIT $2 OFFSET $3",
                            user_id, limit, offset);
    for (const auto& row : r) out.items.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
    out.total =
        tx.exec_params("SELECT count(*) FROM liked_songs WHERE user_id = $1", user_id)[0][0].as<std::int64_t>();
    return out;
  });
}

}  // namespace tonearm::store
