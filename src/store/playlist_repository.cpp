// Playlist SQL. Positions are dense: an edit shifts the rows after the change inside
// one transaction, with the (playlist_id, position) key checked at commit
// (SET CONSTRAINTS ... DEFERRED) so rows can pass over each other. Every statement is
// written once below, under its name.
#include "tonearm/store/playlist_repository.hpp"

#include <pqxx/pqxx>

#include "follower_counts.hpp"
#include "sql_text.hpp"

namespace tonearm::store {

namespace {

// The columns playlist_from_row reads, over "playlists p JOIN users u".
const std::string playlist_columns = "p.id, p.owner_id, u.username, p.name, p.description, p.is_public, p.snapshot, "
                                     "p.item_count, " + followers_of('p', "p.id") + ", " +
                                     sql::iso("p.created_at") + ", " + sql::iso("p.updated_at");

const std::string select_playlist =
    "SELECT " + playlist_columns + " FROM playlists p JOIN users u ON u.id = p.owner_id WHERE p.id = $1";
const std::string lock_playlist = select_playlist + " FOR UPDATE OF p";
const std::string insert_playlist =
    "INSERT INTO playlists (owner_id, name, description, is_public) VALUES ($1, $2, $3, $4) RETURNING id";
const std::string update_playlist = "UPDATE playlists SET name = $2, description = $3, is_public = $4 WHERE id = $1";
const std::string delete_playlist = "DELETE FROM playlists WHERE id = $1";
const std::string delete_playlist_followers = "DELETE FROM follower_counts WHERE kind = 'p' AND id = $1";
// A new snapshot, item count and time.
const std::string bump_playlist =
    "UPDATE playlists SET snapshot = snapshot + 1, item_count = $2, updated_at = now() WHERE id = $1"
    " RETURNING snapshot";
// Positions are dense, so the page starts at position = offset (an index seek).
const std::string select_items = "SELECT position, song_id, " + sql::iso("added_at") +
                                 " FROM playlist_items WHERE playlist_id = $1 AND position >= $2"
                                 " ORDER BY position LIMIT $3";
const std::string select_unknown_songs =
    "SELECT DISTINCT u.id FROM unnest($1::bigint[]) AS u(id)"
    " WHERE NOT EXISTS (SELECT 1 FROM songs s WHERE s.id = u.id) ORDER BY u.id";
const std::string defer_positions = "SET CONSTRAINTS playlist_items_pkey DEFERRED";
const std::string open_gap =
    "UPDATE playlist_items SET position = position + $3 WHERE playlist_id = $1 AND position >= $2";
const std::string insert_items =
    "INSERT INTO playlist_items (playlist_id, position, song_id)"
    " SELECT $1, $2 + t.ord - 1, t.id FROM unnest($3::bigint[]) WITH ORDINALITY AS t(id, ord)";
const std::string delete_items = "DELETE FROM playlist_items WHERE playlist_id = $1 AND position = ANY($2::int[])";
// Closes the gaps: the rows after the first removed one ($2) are numbered on from it.
const std::string close_gaps =
    "UPDATE playlist_items i SET position = r.dense FROM ("
    "  SELECT position, $2 + row_number() OVER (ORDER BY position) - 1 AS dense"
    "  FROM playlist_items WHERE playlist_id = $1 AND position > $2) r"
    " WHERE i.playlist_id = $1 AND i.position = r.position AND i.position <> r.dense";
// A playlists::reorder_plan: $2..$3 the rows that move, $4..$5 the range, $6 and $7
// the shifts of the range and of the others.
const std::string move_items =
    "UPDATE playlist_items SET position = position +"
    " CASE WHEN position >= $4 AND position < $5 THEN $6::bigint ELSE $7::bigint END"
    " WHERE playlist_id = $1 AND position >= $2 AND position < $3";
// One page of ids first: the follower-count sums run for the page's rows only.
const std::string page_of = "SELECT " + playlist_columns +
                            " FROM (SELECT p.id FROM playlists p WHERE {where} ORDER BY p.id DESC LIMIT $2 OFFSET $3) pg"
                            " JOIN playlists p ON p.id = pg.id JOIN users u ON u.id = p.owner_id ORDER BY p.id DESC";
const std::string count_of = "SELECT count(*) FROM playlists p WHERE {where}";
const std::string where_owned_public = "p.owner_id = $1 AND p.is_public";
const std::string where_owned = "p.owner_id = $1";
const std::string where_library =
    "p.id IN (SELECT id FROM playlists WHERE owner_id = $1 UNION"
    " SELECT f.playlist_id FROM playlist_follows f JOIN playlists q ON q.id = f.playlist_id"
    " WHERE f.user_id = $1 AND q.is_public)";
const std::string select_owned_public_page = sql::with_where(page_of, where_owned_public);
const std::string count_owned_public = sql::with_where(count_of, where_owned_public);
const std::string select_owned_page = sql::with_where(page_of, where_owned);
const std::string count_owned = sql::with_where(count_of, where_owned);
const std::string select_library_page = sql::with_where(page_of, where_library);
const std::string count_library = sql::with_where(count_of, where_library);
const std::string select_visibility = "SELECT owner_id, is_public FROM playlists WHERE id = $1";
const std::string insert_follow =
    "INSERT INTO playlist_follows (user_id, playlist_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";
const std::string delete_follow = "DELETE FROM playlist_follows WHERE user_id = $1 AND playlist_id = $2 RETURNING 1";

playlists::playlist playlist_from_row(const pqxx::row& r) {
  playlists::playlist p;
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

// Locks the playlist for `edit` and checks it may be edited: the playlist, or why not.
playlists::outcome<playlists::playlist> lock_for_edit(pqxx::work& tx, const playlists::edit& edit) {
  auto r = tx.exec_params(lock_playlist, edit.playlist_id);
  if (r.empty()) return playlists::no_playlist(edit.playlist_id);
  auto p = playlist_from_row(r[0]);
  if (auto refused = playlists::check_edit(p, edit)) return *refused;
  return p;
}

std::string bump(pqxx::work& tx, std::int64_t id, std::int64_t item_count) {
  return std::to_string(tx.exec_params(bump_playlist, id, item_count)[0][0].as<std::int64_t>());
}

page<playlists::playlist> playlist_page(pqxx::read_transaction& tx, const std::string& select,
                                        const std::string& count, std::int64_t user, int limit, int offset) {
  page<playlists::playlist> out;
  for (const auto& row : tx.exec_params(select, user, limit, offset)) out.items.push_back(playlist_from_row(row));
  out.total = tx.exec_params(count, user)[0][0].as<std::int64_t>();
  return out;
}

}  // namespace

playlists::playlist playlist_repository::create(std::int64_t owner, const std::string& name,
                                                const std::string& description, bool is_public) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto id = tx.exec_params(insert_playlist, owner, name, description, is_public)[0][0].as<std::int64_t>();
    auto r = tx.exec_params(select_playlist, id);
    tx.commit();
    return playlist_from_row(r[0]);
  });
}

std::optional<playlists::playlist> playlist_repository::find(std::int64_t id, read_from from) const {
  return reader(from).with_connection([&](pqxx::connection& c) -> std::optional<playlists::playlist> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_playlist, id);
    if (r.empty()) return std::nullopt;
    return playlist_from_row(r[0]);
  });
}

std::vector<playlists::item> playlist_repository::items(std::int64_t id, int limit, int offset,
                                                        read_from from) const {
  return reader(from).with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<playlists::item> out;
    for (const auto& row : tx.exec_params(select_items, id, offset, limit))
      out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::string>()});
    return out;
  });
}

playlists::outcome<playlists::playlist> playlist_repository::update(const playlists::edit& edit,
                                                                    const playlists::changes& changes) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<playlists::playlist> {
    pqxx::work tx(c);
    auto locked = lock_for_edit(tx, edit);
    if (auto* refused = std::get_if<playlists::refusal>(&locked)) return *refused;
    const auto& p = std::get<playlists::playlist>(locked);
    tx.exec_params(update_playlist, p.id, changes.name.value_or(p.name), changes.description.value_or(p.description),
                   changes.is_public.value_or(p.is_public));
    bump(tx, p.id, p.item_count);
    auto r = tx.exec_params(select_playlist, p.id);
    tx.commit();
    return playlist_from_row(r[0]);
  });
}

playlists::outcome<bool> playlist_repository::remove(std::int64_t id, std::int64_t user_id) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<bool> {
    pqxx::work tx(c);
    auto locked = lock_for_edit(tx, {id, user_id, std::nullopt});
    if (auto* refused = std::get_if<playlists::refusal>(&locked)) return *refused;
    tx.exec_params(delete_playlist, id);
    tx.exec_params(delete_playlist_followers, id);
    tx.commit();
    return true;
  });
}

playlists::outcome<std::string> playlist_repository::add_items(const playlists::edit& edit,
                                                               const std::vector<std::int64_t>& song_ids,
                                                               std::optional<std::int64_t> position) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<std::string> {
    pqxx::work tx(c);
    auto locked = lock_for_edit(tx, edit);
    if (auto* refused = std::get_if<playlists::refusal>(&locked)) return *refused;
    const auto& p = std::get<playlists::playlist>(locked);
    auto unknown = tx.exec_params(select_unknown_songs, sql::int_array(song_ids));
    if (!unknown.empty()) {
      std::vector<std::int64_t> ids;
      for (const auto& row : unknown) ids.push_back(row[0].as<std::int64_t>());
      return playlists::unknown_songs(std::move(ids));
    }
    auto at = position.value_or(p.item_count);
    if (auto refused = playlists::check_add(p, song_ids.size(), at, max_items_)) return *refused;
    tx.exec(defer_positions);
    auto added = static_cast<std::int64_t>(song_ids.size());
    if (at < p.item_count) tx.exec_params(open_gap, p.id, at, added);
    tx.exec_params(insert_items, p.id, at, sql::int_array(song_ids));
    auto snapshot = bump(tx, p.id, p.item_count + added);
    tx.commit();
    return snapshot;
  });
}

playlists::outcome<std::string> playlist_repository::remove_items(const playlists::edit& edit,
                                                                  const std::vector<std::int64_t>& positions) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<std::string> {
    pqxx::work tx(c);
    auto locked = lock_for_edit(tx, edit);
    if (auto* refused = std::get_if<playlists::refusal>(&locked)) return *refused;
    const auto& p = std::get<playlists::playlist>(locked);
    auto checked = playlists::removal(p, positions);
    if (auto* refused = std::get_if<playlists::refusal>(&checked)) return *refused;
    const auto& sorted = std::get<std::vector<std::int64_t>>(checked);
    tx.exec(defer_positions);
    tx.exec_params(delete_items, p.id, sql::int_array(sorted));
    tx.exec_params(close_gaps, p.id, sorted.front());
    auto snapshot = bump(tx, p.id, p.item_count - static_cast<std::int64_t>(sorted.size()));
    tx.commit();
    return snapshot;
  });
}

playlists::outcome<std::string> playlist_repository::reorder(const playlists::edit& edit, std::int64_t range_start,
                                                             std::int64_t range_length,
                                                             std::int64_t insert_before) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<std::string> {
    pqxx::work tx(c);
    auto locked = lock_for_edit(tx, edit);
    if (auto* refused = std::get_if<playlists::refusal>(&locked)) return *refused;
    const auto& p = std::get<playlists::playlist>(locked);
    auto planned = playlists::plan_reorder(p, range_start, range_length, insert_before);
    if (auto* refused = std::get_if<playlists::refusal>(&planned)) return *refused;
    const auto& plan = std::get<playlists::reorder_plan>(planned);
    if (plan.moves()) {
      tx.exec(defer_positions);
      tx.exec_params(move_items, p.id, plan.lo, plan.hi, plan.range_start, plan.range_end, plan.range_shift,
                     plan.others_shift);
    }
    auto snapshot = bump(tx, p.id, p.item_count);
    tx.commit();
    return snapshot;
  });
}

page<playlists::playlist> playlist_repository::owned_by(std::int64_t owner, bool all, int limit, int offset,
                                                        read_from from) const {
  return reader(from).with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return all ? playlist_page(tx, select_owned_page, count_owned, owner, limit, offset)
               : playlist_page(tx, select_owned_public_page, count_owned_public, owner, limit, offset);
  });
}

page<playlists::playlist> playlist_repository::library(std::int64_t user_id, int limit, int offset) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return playlist_page(tx, select_library_page, count_library, user_id, limit, offset);
  });
}

playlists::outcome<bool> playlist_repository::set_follow(std::int64_t user_id, std::int64_t playlist_id,
                                                         bool follow) const {
  return db_.with_connection([&](pqxx::connection& c) -> playlists::outcome<bool> {
    pqxx::work tx(c);
    auto r = tx.exec_params(select_visibility, playlist_id);
    if (r.empty() || !playlists::visible(r[0][1].as<bool>(), r[0][0].as<std::int64_t>(), user_id))
      return playlists::no_playlist(playlist_id);
    auto changed = tx.exec_params(follow ? insert_follow : delete_follow, user_id, playlist_id);
    if (!changed.empty()) add_follower_count(tx, 'p', playlist_id, user_id, follow ? 1 : -1);
    tx.commit();
    return !changed.empty();
  });
}

}  // namespace tonearm::store
