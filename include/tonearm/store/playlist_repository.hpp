// All SQL of playlists. Every edit is one transaction that locks the playlist row
// first (SELECT ... FOR UPDATE): edits of one playlist run one after another, so
// positions stay dense (0..n-1) and each edit sees the snapshot it checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/accounts/types.hpp"
#include "tonearm/store/account_repository.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

struct playlist_changes {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> is_public;
};

class playlist_repository {
 public:
  playlist_repository(pg_pool& db, std::int64_t max_items) : db_(db), max_items_(max_items) {}

  accounts::playlist create(std::int64_t owner, const std::string& name, const std::string& description,
                            bool is_public) const;
  // The playlist when `viewer` may see it (public, or the viewer owns it), else nullopt.
  std::optional<accounts::playlist> find_visible(std::int64_t id, std::optional<std::int64_t> viewer) const;
  // Items from position `offset` on.
  std::vector<accounts::playlist_item> items(std::int64_t id, int limit, int offset) const;

  // Edits. Each throws api_error: not_found (no such playlist, or private and not the
  // user's), forbidden (someone else's public playlist), conflict (snapshot_id is not
  // the current one; details carry the current one), bad_request (positions, length
  // cap, unknown song ids named in the message and in details). Each returns the new
  // snapshot id.
  accounts::playlist update(const accounts::playlist_edit& edit, const playlist_changes& changes) const;
  void remove(std::int64_t id, std::int64_t user_id) const;
  // Inserts `song_ids` before `position` (at the end when absent).
  std::string add_items(const accounts::playlist_edit& edit, const std::vector<std::int64_t>& song_ids,
                        std::optional<std::int64_t> position) const;
  std::string remove_items(const accounts::playlist_edit& edit, const std::vector<std::int64_t>& positions) const;
  // Spotify's "reorder items": moves [range_start, range_start + range_length) to
  // just before the item that was at `insert_before` (item_count = the end).
  std::string reorder(const accounts::playlist_edit& edit, std::int64_t range_start, std::int64_t range_length,
                      std::int64_t insert_before) const;

  // A user's playlists, newest first; others' private ones left out unless `all`.
  page<accounts::playlist> owned_by(std::int64_t owner, bool all, int limit, int offset) const;
  // The user's own playlists and the public ones they follow, newest first.
  page<accounts::playlist> library(std::int64_t user_id, int limit, int offset) const;
  // Follow a visible playlist: true when something changed.
  bool follow(std::int64_t user_id, std::int64_t playlist_id) const;
  bool unfollow(std::int64_t user_id, std::int64_t playlist_id) const;

  std::int64_t max_items() const { return max_items_; }

 private:
  pg_pool& db_;
  std::int64_t max_items_;
};

}  // namespace tonearm::store
