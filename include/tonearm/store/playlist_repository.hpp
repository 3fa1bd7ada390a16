// All SQL of playlists. Every edit is one transaction that locks the playlist row
// first (SELECT ... FOR UPDATE) and checks it with the playlists rules: edits of one
// playlist run one after another, so positions stay dense (0..n-1) and each edit
// sees the snapshot it checks. A refused edit changes nothing and returns the
// playlists::refusal; the caller decides what the client hears.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/core/page.hpp"
#include "tonearm/playlists/rules.hpp"
#include "tonearm/playlists/types.hpp"
#include "tonearm/store/pg_pool.hpp"
#include "tonearm/store/read_route.hpp"

namespace tonearm::store {

class playlist_repository {
 public:
  // Edits go to `db`; a read asked with read_from::replica goes where `reads` says (a
  // standby that keeps up), so a handler reads a user's own playlists from the primary
  // (read-your-writes) and other users' from the standby.
  playlist_repository(pg_pool& db, std::int64_t max_items, const read_route* reads = nullptr)
      : db_(db), reads_(reads), max_items_(max_items) {}

  playlists::playlist create(std::int64_t owner, const std::string& name, const std::string& description,
                             bool is_public) const;
  // The playlist, visible or not (playlists::visible decides).
  std::optional<playlists::playlist> find(std::int64_t id, read_from from = read_from::primary) const;
  // Items from position `offset` on.
  std::vector<playlists::item> items(std::int64_t id, int limit, int offset,
                                     read_from from = read_from::primary) const;

  // Edits, checked by playlists::check_edit and the rule of each; the edits of items
  // return the new snapshot id.
  playlists::outcome<playlists::playlist> update(const playlists::edit& edit, const playlists::changes& changes) const;
  playlists::outcome<bool> remove(std::int64_t id, std::int64_t user_id) const;
  // Inserts `song_ids` before `position` (at the end when absent); unknown song ids
  // are refused, all of them named.
  playlists::outcome<std::string> add_items(const playlists::edit& edit, const std::vector<std::int64_t>& song_ids,
                                            std::optional<std::int64_t> position) const;
  playlists::outcome<std::string> remove_items(const playlists::edit& edit,
                                               const std::vector<std::int64_t>& positions) const;
  // playlists::plan_reorder's move.
  playlists::outcome<std::string> reorder(const playlists::edit& edit, std::int64_t range_start,
                                          std::int64_t range_length, std::int64_t insert_before) const;

  // A user's playlists, newest first; others' private ones left out unless `all`.
  page<playlists::playlist> owned_by(std::int64_t owner, bool all, int limit, int offset,
                                     read_from from = read_from::primary) const;
  // The user's own playlists and the public ones they follow, newest first.
  page<playlists::playlist> library(std::int64_t user_id, int limit, int offset) const;
  // Follow or unfollow a visible playlist: true when something changed.
  playlists::outcome<bool> set_follow(std::int64_t user_id, std::int64_t playlist_id, bool follow) const;

  std::int64_t max_items() const { return max_items_; }

 private:
  pg_pool& reader(read_from from) const { return reads_ ? reads_->pool(from) : db_; }
  pg_pool& db_;
  const read_route* reads_;
  std::int64_t max_items_;
};

}  // namespace tonearm::store
