// Playlists as the rules, the store and the handlers see them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tonearm/accounts/types.hpp"

namespace tonearm::playlists {

struct playlist {
  std::int64_t id = 0;
  accounts::user_ref owner;
  std::string name;
  std::string description;
  bool is_public = true;
  std::int64_t snapshot = 1;
  std::int64_t item_count = 0;
  std::int64_t followers = 0;
  std::string created_at;
  std::string updated_at;
};

struct item {
  std::int64_t position = 0;
  std::int64_t song_id = 0;
  std::string added_at;
};

// What an item edit names; absent snapshot = apply to the current state.
struct edit {
  std::int64_t playlist_id = 0;
  std::int64_t user_id = 0;
  std::optional<std::string> snapshot_id;
};

// Fields a PATCH changes; absent = unchanged.
struct changes {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> is_public;
};

}  // namespace tonearm::playlists
