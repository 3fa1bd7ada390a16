// The rules of playlists, with no I/O: who may see and edit one, which edits are
// valid against its current state, and how a reorder moves positions. The store
// runs them inside the transaction that locks the playlist and reports a refusal;
// the playlists module turns a refusal into an api_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tonearm/playlists/types.hpp"

namespace tonearm::playlists {

// Why a read or an edit is refused.
struct refusal {
  enum class kind {
    not_found,       // no such playlist, or private and not the user's (it does not exist for them)
    not_owner,       // someone else's public playlist
    stale_snapshot,  // snapshot_id is not the current one: `current_snapshot` says which is
    invalid,         // positions, the length cap, unknown songs (`unknown_song_ids`)
  };
  kind what = kind::invalid;
  std::string message;
  std::optional<std::string> current_snapshot;
  std::vector<std::int64_t> unknown_song_ids;
};

// A result, or why there is none.
template <class T>
using outcome = std::variant<T, refusal>;

// Why a playlist name (not blank, at most 200 characters) or description (at most 300)
// cannot be taken, or "" when it can.
std::string name_problem(const std::string& name);
std::string description_problem(const std::string& description);

// A public playlist is visible to everyone, a private one to its owner only.
bool visible(bool is_public, std::int64_t owner, std::optional<std::int64_t> viewer);
inline bool visible(const playlist& p, std::optional<std::int64_t> viewer) {
  return visible(p.is_public, p.owner.id, viewer);
}

refusal no_playlist(std::int64_t id);
refusal unknown_songs(std::vector<std::int64_t> sorted_ids);

// May `e.user_id` edit `p` (as locked for the edit), at the snapshot it names?
std::optional<refusal> check_edit(const playlist& p, const edit& e);
// Adding `count` songs before position `at` (p.item_count = at the end) under the cap.
std::optional<refusal> check_add(const playlist& p, std::size_t count, std::int64_t at, std::int64_t max_items);
// Removing the items at `positions`: the positions sorted, or why not (out of range,
// given twice, an empty playlist).
outcome<std::vector<std::int64_t>> removal(const playlist& p, std::vector<std::int64_t> positions);

// Spotify's "reorder items": [range_start, range_start + range_length) moves to just
// before the item that was at insert_before. Only positions in [lo, hi) change: the
// range's by range_shift, the others' by others_shift (lo == hi: nothing moves).
struct reorder_plan {
  std::int64_t lo = 0, hi = 0;
  std::int64_t range_start = 0, range_end = 0;
  std::int64_t range_shift = 0, others_shift = 0;
  bool moves() const { return lo < hi; }
  // Where the item now at `position` ends up.
  std::int64_t after(std::int64_t position) const;
};
outcome<reorder_plan> plan_reorder(const playlist& p, std::int64_t range_start, std::int64_t range_length,
                                   std::int64_t insert_before);

}  // namespace tonearm::playlists
