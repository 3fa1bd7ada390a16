// Accounts SQL. Counters (followers, following) change in the same transaction as
// the row they count, and only when a row was really inserted or deleted, so repeated
// PUTs and DELETEs are idempotent and the counts stay exact. Every statement is
// written once below, under its name.
#include "tonearm/store/account_repository.hpp"

#include <pqxx/pqxx>

#include <unordered_set>

#include "catalog_rows.hpp"
#include "follower_counts.hpp"
#include "sql_text.hpp"
#include "tonearm/accounts/credentials.hpp"

namespace tonearm::store {

namespace {

// The columns user_from_row reads, over "users u".
const std::string user_columns = "u.id, u.username, " + sql::iso("u.created_at") + ", " + followers_of('u', "u.id") +
                                 ", u.following_count, u.billing_id";

const std::string insert_user =
    "INSERT INTO users AS u (username, password_hash) VALUES ($1, $2)"
    " ON CONFLICT ((lower(username))) DO NOTHING RETURNING " + user_columns;
const std::string select_user = "SELECT " + user_columns + " FROM users u WHERE u.id = $1";
// By the canonical name, against the unique index's lower(username).
const std::string select_user_by_name = "SELECT " + user_columns + " FROM users u WHERE lower(u.username) = $1";
const std::string select_credentials = "SELECT id, password_hash FROM users WHERE lower(username) = $1";
const std::string user_exists = "SELECT 1 FROM users WHERE id = $1";
const std::string author_exists = "SELECT 1 FROM authors WHERE id = $1";
const std::string song_exists = "SELECT 1 FROM songs WHERE id = $1";

const std::string insert_session =
    "INSERT INTO tokens (token_hash, user_id, expires_at)"
    " VALUES ($1::bytea, $2, now() + make_interval(secs => $3)) RETURNING " + sql::iso("expires_at");
const std::string select_user_by_token = "SELECT " + user_columns +
                                         " FROM tokens t JOIN users u ON u.id = t.user_id"
                                         " WHERE t.token_hash = $1::bytea AND t.expires_at > now()";
const std::string select_session =
    "SELECT user_id, floor(extract(epoch FROM expires_at))::bigint FROM tokens"
    " WHERE token_hash = $1::bytea AND expires_at > now()";
const std::string delete_session_by_hash =
    "DELETE FROM tokens WHERE token_hash = $1::bytea RETURNING floor(extract(epoch FROM expires_at))::bigint";
const std::string delete_expired = "DELETE FROM tokens WHERE user_id = $1 AND expires_at <= now()";

const std::string insert_user_follow =
    "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";
const std::string delete_user_follow = "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1";
const std::string insert_author_follow =
    "INSERT INTO author_follows (user_id, author_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";
const std::string delete_author_follow =
    "DELETE FROM author_follows WHERE user_id = $1 AND author_id = $2 RETURNING 1";
const std::string move_following_count = "UPDATE users SET following_count = following_count + $2 WHERE id = $1";
const std::string insert_like =
    "INSERT INTO liked_songs (user_id, song_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";
const std::string delete_like = "DELETE FROM liked_songs WHERE user_id = $1 AND song_id = $2 RETURNING 1";

// A page of the users on one side of "follows" ($1 the other side): the page's ids
// first, so the follower-count sums run for its rows only, not for every row the
// OFFSET skips.
const std::string select_followers_page =
    "SELECT " + user_columns +
    " FROM (SELECT f.follower_id AS id, f.created_at FROM follows f WHERE f.followee_id = $1"
    " ORDER BY f.created_at DESC, f.follower_id DESC LIMIT $2 OFFSET $3) pg JOIN users u ON u.id = pg.id"
    " ORDER BY pg.created_at DESC, pg.id DESC";
const std::string count_followers = "SELECT count(*) FROM follows WHERE followee_id = $1";
const std::string select_following_page =
    "SELECT " + user_columns +
    " FROM (SELECT f.followee_id AS id, f.created_at FROM follows f WHERE f.follower_id = $1"
    " ORDER BY f.created_at DESC, f.followee_id DESC LIMIT $2 OFFSET $3) pg JOIN users u ON u.id = pg.id"
    " ORDER BY pg.created_at DESC, pg.id DESC";
const std::string count_following = "SELECT count(*) FROM follows WHERE follower_id = $1";
const std::string select_following_authors_page =
    "SELECT " + rows::author_columns +
    " FROM (SELECT f.author_id AS id, f.created_at FROM author_follows f WHERE f.user_id = $1"
    " ORDER BY f.created_at DESC, f.author_id DESC LIMIT $2 OFFSET $3) pg"
    " JOIN authors a ON a.id = pg.id ORDER BY pg.created_at DESC, pg.id DESC";
const std::string count_following_authors = "SELECT count(*) FROM author_follows WHERE user_id = $1";
const std::string select_likes_among =
    "SELECT song_id FROM liked_songs WHERE user_id = $1 AND song_id = ANY($2::bigint[])";
const std::string select_liked_page = "SELECT " + sql::iso("added_at") +
                                      ", song_id FROM liked_songs WHERE user_id = $1"
                                      " ORDER BY added_at DESC, song_id DESC LIMIT $2 OFFSET $3";
const std::string count_liked = "SELECT count(*) FROM liked_songs WHERE user_id = $1";

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

std::optional<accounts::user> one_user(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return user_from_row(r[0]);
}

std::string bytea(const std::string& raw) { return "\\x" + accounts::to_hex(raw); }

page<accounts::user> user_page(pg_pool& db, const std::string& select, const std::string& count, std::int64_t id,
                               int limit, int offset) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    page<accounts::user> out;
    for (const auto& row : tx.exec_params(select, id, limit, offset)) out.items.push_back(user_from_row(row));
    out.total = tx.exec_params(count, id)[0][0].as<std::int64_t>();
    return out;
  });
}

// The one shape of follow, unfollow, like and unlike: the target must exist; the row
// is inserted or deleted; `counted` runs only when it really was.
template <class Counted>
account_repository::toggle set_row(pg_pool& db, const std::string& exists, std::int64_t target,
                                   const std::string& statement, std::int64_t user_id, Counted counted) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_params(exists, target).empty()) return account_repository::toggle::missing;
    auto r = tx.exec_params(statement, user_id, target);
    if (!r.empty()) counted(tx);
    tx.commit();
    return r.empty() ? account_repository::toggle::unchanged : account_repository::toggle::changed;
  });
}

}  // namespace

std::optional<accounts::user> account_repository::create_user(const std::string& username,
                                                              const std::string& password_hash) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto u = one_user(tx.exec_params(insert_user, username, password_hash));
    tx.commit();
    return u;
  });
}

std::optional<accounts::user> account_repository::find_user(std::int64_t id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return one_user(tx.exec_params(select_user, id));
  });
}

std::optional<accounts::user> account_repository::find_user_by_name(const std::string& canonical) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return one_user(tx.exec_params(select_user_by_name, canonical));
  });
}

std::optional<accounts::user_credentials> account_repository::credentials(const std::string& canonical) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::user_credentials> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_credentials, canonical);
    if (r.empty()) return std::nullopt;
    return accounts::user_credentials{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>()};
  });
}

std::string account_repository::create_session(std::int64_t user_id, const std::string& token_hash,
                                               std::chrono::seconds ttl) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(insert_session, bytea(token_hash), user_id, static_cast<std::int64_t>(ttl.count()));
    auto expires = r[0][0].as<std::string>();
    tx.commit();
    return expires;
  });
}

std::optional<accounts::user> account_repository::user_by_token(const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return one_user(tx.exec_params(select_user_by_token, bytea(token_hash)));
  });
}

std::optional<account_repository::session_info> account_repository::session_by_token(
    const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<session_info> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_session, bytea(token_hash));
    if (r.empty()) return std::nullopt;
    return session_info{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
  });
}

std::optional<std::int64_t> account_repository::delete_session(const std::string& token_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<std::int64_t> {
    pqxx::work tx(c);
    auto r = tx.exec_params(delete_session_by_hash, bytea(token_hash));
    tx.commit();
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  });
}

std::int64_t account_repository::delete_expired_sessions(std::int64_t user_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(delete_expired, user_id);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

// The rows locked are the follower's own and one of the followee's counter shards,
// never another user's row: A following B while B follows A cannot deadlock.
account_repository::toggle account_repository::set_follow_user(std::int64_t follower, std::int64_t followee,
                                                               bool on) const {
  return set_row(db_, user_exists, followee, on ? insert_user_follow : delete_user_follow, follower,
                 [&](pqxx::work& tx) {
                   tx.exec_params(move_following_count, follower, on ? 1 : -1);
                   add_follower_count(tx, 'u', followee, follower, on ? 1 : -1);
                 });
}

account_repository::toggle account_repository::set_follow_author(std::int64_t user_id, std::int64_t author_id,
                                                                 bool on) const {
  return set_row(db_, author_exists, author_id, on ? insert_author_follow : delete_author_follow, user_id,
                 [&](pqxx::work& tx) {
                   tx.exec_params(move_following_count, user_id, on ? 1 : -1);
                   add_follower_count(tx, 'a', author_id, user_id, on ? 1 : -1);
                 });
}

account_repository::toggle account_repository::set_like(std::int64_t user_id, std::int64_t song_id, bool on) const {
  return set_row(db_, song_exists, song_id, on ? insert_like : delete_like, user_id, [](pqxx::work&) {});
}

page<accounts::user> account_repository::followers(std::int64_t user_id, int limit, int offset) const {
  return user_page(db_, select_followers_page, count_followers, user_id, limit, offset);
}

page<accounts::user> account_repository::following_users(std::int64_t user_id, int limit, int offset) const {
  return user_page(db_, select_following_page, count_following, user_id, limit, offset);
}

page<catalog::author> account_repository::following_authors(std::int64_t user_id, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    page<catalog::author> out;
    for (const auto& row : tx.exec_params(select_following_authors_page, user_id, limit, offset))
      out.items.push_back(rows::author_from_row(row));
    out.total = tx.exec_params(count_following_authors, user_id)[0][0].as<std::int64_t>();
    return out;
  });
}

std::vector<bool> account_repository::likes(std::int64_t user_id, const std::vector<std::int64_t>& song_ids) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::unordered_set<std::int64_t> liked;
    for (const auto& row : tx.exec_params(select_likes_among, user_id, sql::int_array(song_ids)))
      liked.insert(row[0].as<std::int64_t>());
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
    for (const auto& row : tx.exec_params(select_liked_page, user_id, limit, offset))
      out.items.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
    out.total = tx.exec_params(count_liked, user_id)[0][0].as<std::int64_t>();
    return out;
  });
}

}  // namespace tonearm::store
