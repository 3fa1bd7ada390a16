// Playlist SQL. Positions are dense: an edit shifts the rows after the change inside
// one transaction, with the (playlist_id, position) key checked at commit
// (SET CONSTRAINTS ... DEFERRED) so rows can pass over each other.
#include "tonearm/store/playlist_repository.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tonearm/core/error.hpp"
#include "follower_counts.hpp"

namespace tonearm::store {

namespace {

std::string iso(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

const std::string playlist_columns = "p.id, p.owner_id, u.username, p.name, p.description, p.is_public, p.snapshot, "
                                     "p.item_count, " + followers_of('p', "p.id") + ", " +
                                     iso("p.created_at") + ", " + iso("p.updated_at");
const std::string playlist_from = " FROM playlists p JOIN users u ON u.id = p.owner_id ";

accounts::playlist playlist_from_row(const pqxx::row& r) {
  accounts::playlist p;
  p.id = r[0].as<std::int64_t>();
  p.owner = {r[1].as<std::int64_t>(), r[2].as<std::string>()};
  p.name = r[3].as<std::string>();
  p.description = r[4].as<std::string>();
  p.is_public = r[5].as<bool>();
  p.snapshot = r[6].as<std::int64_t>();
  p.item_count = r[7].as<std::int64_t>();
  p.followers = r[8].as<std::int64_t>();
  p.created_at = r[9].as<std::string>();
  p.updated_at = r[10].as<std::string>();
  return p;
}

std::string int_array(const std::vector<std::int64_t>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "}";
}

[[noreturn]] void not_found(std::int64_t id) {
  throw api_error(errc::not_found, "no playlist with id " + std::to_string(id));
}

// Locks the playlist for an edit by `edit.user_id` and checks the snapshot.
accounts::playlist lock_for_edit(pqxx::work& tx, const accounts::playlist_edit& edit) {
  auto r = tx.exec_params("SELECT " + playlist_columns + playlist_from + "WHERE p.id = $1 FOR UPDATE OF p",
                          edit.playlist_id);
  if (r.empty()) not_found(edit.playlist_id);
  auto p = playlist_from_row(r[0]);
  if (p.owner.id != edit.user_id) {
    if (!p.is_public) not_found(edit.playlist_id);  // a private playlist does not exist for others
    throw api_error(errc::forbidden, "only the owner can change playlist " + std::to_string(p.id));
  }
  if (edit.snapshot_id && *edit.snapshot_id != std::to_string(p.snapshot))
    throw api_error(errc::conflict,
                    "playlist changed since snapshot '" + edit.snapshot_id->substr(0, 64) +
                        "'; reload it and apply the edit to the current snapshot",
                    nlohmann::json{{"snapshot_id", std::to_string(p.snapshot)}}.dump());
  return p;
}

// Records an edit: new snapshot, item count and time; returns the snapshot id.
std::string bump(pqxx::work& tx, std::int64_t id, std::int64_t item_count) {
  auto r = tx.exec_params(
      "UPDATE playlists SET snapshot = snapshot + 1, item_count = $2, updated_at = now() WHERE id = $1"
      " RETURNING snapshot",
      id, item_count);
  return std::to_string(r[0][0].as<std::int64_t>());
}

void defer_positions(pqxx::work& tx) { tx.exec("SET CONSTRAINTS playlist_items_pkey DEFERRED"); }

void check_position(const char* what, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi)
    throw api_error(errc::bad_request, std::string(what) + " must be between " + std::to_string(lo) + " and " +
                                           std::to_string(hi) + ", got " + std::to_string(value));
}

page<accounts::playlist> playlist_page(pqxx::read_transaction& tx, const std::string& where, std::int64_t user,
                                       int limit, int offset) {
  page<accounts::playlist> out;
  // The page's ids first: the follower-count sums run for its rows only.
  auto r = tx.exec_params("SELECT " + playlist_columns + " FROM (SELECT p.id FROM playlists p WHERE " + where +
                              " ORDER BY p.id DESC LIMIT $2 OFFSET $3) pg JOIN playlists p ON p.id = pg.id"
                              " JOIN users u ON u.id = p.owner_id ORDER BY p.id DESC",
                          user, limit, offset);
  for (const auto& row : r) out.items.push_back(playlist_from_row(row));
  out.total = tx.exec_params("SELECT count(*)" + playlist_from + "WHERE " + where, user)[0][0].as<std::int64_t>();
  return out;
}

}  // namespace

accounts::playlist playlist_repository::create(std::int64_t owner, const std::string& name,
                                               const std::string& description, bool is_public) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto id = tx.exec_params("INSERT INTO playlists (owner_id, name, description, is_public) VALUES ($1, $2, $3, $4)"
                             " RETURNING id",
                             owner, name, description, is_public)[0][0]
                  .as<std::int64_t>();
    auto r = tx.exec_params("SELECT " + playlist_columns + playlist_from + "WHERE p.id = $1", id);
    tx.commit();
    return playlist_from_row(r[0]);
  });
}

std::optional<accounts::playlist> playlist_repository::find_visible(std::int64_t id,
                                                                    std::optional<std::int64_t> viewer) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<accounts::playlist> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT " + playlist_columns + playlist_from + "WHERE p.id = $1", id);
    if (r.empty()) return std::nullopt;
    auto p = playlist_from_row(r[0]);
    if (!p.is_public && (!viewer || *viewer != p.owner.id)) return std::nullopt;
    return p;
  });
}

std::vector<accounts::playlist_item> playlist_repository::items(std::int64_t id, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // Positions are dense, so the page starts at position = offset (an index seek).
    auto r = tx.exec_params("SELECT position, song_id, " + iso("added_at") +
                                " FROM playlist_items WHERE playlist_id = $1 AND position >= $2"
                                " ORDER BY position LIMIT $3",
                            id, offset, limit);
    std::vector<accounts::playlist_item> out;
    for (const auto& row : r)
      out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::string>()});
    return out;
  });
}

accounts::playlist playlist_repository::update(const accounts::playlist_edit& edit,
                                               const playlist_changes& changes) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto p = lock_for_edit(tx, edit);
    tx.exec_params("UPDATE playlists SET name = $2, description = $3, is_public = $4 WHERE id = $1", p.id,
                   changes.name.value_or(p.name), changes.description.value_or(p.description),
                   changes.is_public.value_or(p.is_public));
    bump(tx, p.id, p.item_count);
    auto r = tx.exec_params("SELECT " + playlist_columns + playlist_from + "WHERE p.id = $1", p.id);
    tx.commit();
    return playlist_from_row(r[0]);
  });
}

void playlist_repository::remove(std::int64_t id, std::int64_t user_id) const {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    lock_for_edit(tx, {id, user_id, std::nullopt});
    tx.exec_params("DELETE FROM playlists WHERE id = $1", id);
    tx.exec_params("DELETE FROM follower_counts WHERE kind = 'p' AND id = $1", id);
    tx.commit();
  });
}

std::string playlist_repository::add_items(const accounts::playlist_edit& edit,
                                           const std::vector<std::int64_t>& song_ids,
                                           std::optional<std::int64_t> position) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto p = lock_for_edit(tx, edit);
    auto unknown = tx.exec_params(
        "SELECT DISTINCT u.id FROM unnest($1::bigint[]) AS u(id)"
        " WHERE NOT EXISTS (SELECT 1 FROM songs s WHERE s.id = u.id) ORDER BY u.id",
        int_array(song_ids));
    if (!unknown.empty()) {
      std::vector<std::int64_t> ids;
      std::string list;
      for (const auto& row : unknown) {
        ids.push_back(row[0].as<std::int64_t>());
        list += (list.empty() ? "" : ", ") + std::to_string(ids.back());
      }
      throw api_error(errc::bad_request, "unknown song ids: " + list, nlohmann::json{{"unknown_song_ids", ids}}.dump());
    }
    auto count = p.item_count + static_cast<std::int64_t>(song_ids.size());
    if (count > max_items_)
      throw api_error(errc::bad_request, "a playlist holds at most " + std::to_string(max_items_) +
                                             " items; this one has " + std::to_string(p.item_count) + " and " +
                                             std::to_string(song_ids.size()) + " more would exceed that");
    auto at = position.value_or(p.item_count);
    check_position("position", at, 0, p.item_count);
    defer_positions(tx);
    if (at < p.item_count)
      tx.exec_params("UPDATE playlist_items SET position = position + $3 WHERE playlist_id = $1 AND position >= $2",
                     p.id, at, static_cast<std::int64_t>(song_ids.size()));
    tx.exec_params("INSERT INTO playlist_items (playlist_id, position, song_id)"
                   " SELECT $1, $2 + t.ord - 1, t.id FROM unnest($3::bigint[]) WITH ORDINALITY AS t(id, ord)",
                   p.id, at, int_array(song_ids));
    auto snapshot = bump(tx, p.id, count);
    tx.commit();
    return snapshot;
  });
}

std::string playlist_repository::remove_items(const accounts::playlist_edit& edit,
                                              const std::vector<std::int64_t>& positions) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto p = lock_for_edit(tx, edit);
    auto sorted = positions;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (p.item_count == 0) throw api_error(errc::bad_request, "the playlist is empty");
      check_position("positions", sorted[i], 0, p.item_count - 1);
      if (i > 0 && sorted[i] == sorted[i - 1])
        throw api_error(errc::bad_request, "position " + std::to_string(sorted[i]) + " is given twice");
    }
    defer_positions(tx);
    tx.exec_params("DELETE FROM playlist_items WHERE playlist_id = $1 AND position = ANY($2::int[])", p.id,
                   int_array(sorted));
    // Close the gaps: the rows after the first removed one are numbered on from it.
    tx.exec_params(
        "UPDATE playlist_items i SET position = r.dense FROM ("
        "  SELECT position, $2 + row_number() OVER (ORDER BY position) - 1 AS dense"
        "  FROM playlist_items WHERE playlist_id = $1 AND position > $2) r"
        " WHERE i.playlist_id = $1 AND i.position = r.position AND i.position <> r.dense",
        p.id, sorted.front());
    auto snapshot = bump(tx, p.id, p.item_count - static_cast<std::int64_t>(sorted.size()));
    tx.commit();
    return snapshot;
  });
}

std::string playlist_repository::reorder(const accounts::playlist_edit& edit, std::int64_t range_start,
                                         std::int64_t range_length, std::int64_t insert_before) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto p = lock_for_edit(tx, edit);
    if (p.item_count == 0) throw api_error(errc::bad_request, "the playlist is empty");
    check_position("range_start", range_start, 0, p.item_count - 1);
    check_position("range_length", range_length, 1, p.item_count - range_start);
    check_position("insert_before", insert_before, 0, p.item_count);
    auto s = range_start, e = range_start + range_length, b = insert_before;
    defer_positions(tx);
    if (b < s) {
      // [b, s) moves down by the range's length; the range moves up to b.
      tx.exec_params("UPDATE playlist_items SET position = CASE WHEN position >= $2 THEN position - $2 + $4"
                     " ELSE position + ($3 - $2) END"
                     " WHERE playlist_id = $1 AND position >= $4 AND position < $3",
                     p.id, s, e, b);
    } else if (b > e) {
      // [e, b) moves up by the range's length; the range lands just before b.
      tx.exec_params("UPDATE playlist_items SET position = CASE WHEN position < $3 THEN position - $3 + $4"
                     " ELSE position - ($3 - $2) END"
                     " WHERE playlist_id = $1 AND position >= $2 AND position < $4",
                     p.id, s, e, b);
    }  // else b is inside or right after the range: nothing moves
    auto snapshot = bump(tx, p.id, p.item_count);
    tx.commit();
    return snapshot;
  });
}

page<accounts::playlist> playlist_repository::owned_by(std::int64_t owner, bool all, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return playlist_page(tx, all ? "p.owner_id = $1" : "p.owner_id = $1 AND p.is_public", owner, limit, offset);
  });
}

page<accounts::playlist> playlist_repository::library(std::int64_t user_id, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return playlist_page(tx,
                         "p.id IN (SELECT id FROM playlists WHERE owner_id = $1 UNION"
                         " SELECT f.playlist_id FROM playlist_follows f JOIN playlists q ON q.id = f.playlist_id"
                         " WHERE f.user_id = $1 AND q.is_public)",
                         user_id, limit, offset);
  });
}

namespace {
bool change_follow(pg_pool& db, std::int64_t user_id, std::int64_t playlist_id, bool follow) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("SELECT owner_id, is_public FROM playlists WHERE id = $1", playlist_id);
    if (r.empty() || (!r[0][1].as<bool>() && r[0][0].as<std::int64_t>() != user_id)) not_found(playlist_id);
    auto changed = follow ? tx.exec_params("INSERT INTO playlist_follows (user_id, playlist_id) VALUES ($1, $2)"
                                           " ON CONFLICT DO NOTHING RETURNING 1",
                                           user_id, playlist_id)
                          : tx.exec_params("DELETE FROM playlist_follows WHERE user_id = $1 AND playlist_id = $2"
                                           " RETURNING 1",
                                           user_id, playlist_id);
    if (!changed.empty()) add_follower_count(tx, 'p', playlist_id, user_id, follow ? 1 : -1);
    tx.commit();
    return !changed.empty();
  });
}
}  // namespace

bool playlist_repository::follow(std::int64_t user_id, std::int64_t playlist_id) const {
  return change_follow(db_, user_id, playlist_id, true);
}

bool playlist_repository::unfollow(std::int64_t user_id, std::int64_t playlist_id) const {
  return change_follow(db_, user_id, playlist_id, false);
}

}  // namespace tonearm::store
