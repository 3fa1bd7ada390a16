// Users, sessions and playlists as the handlers see them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tonearm::accounts {

struct user {
  std::int64_t id = 0;
  std::string username;
  std::string created_at;  // ISO 8601, UTC
  std::int64_t followers = 0;
  std::int64_t following = 0;
  std::optional<std::string> billing_id;  // opaque; shown to the user only
};

struct user_credentials {
  std::int64_t id = 0;
  std::string password_hash;
};

struct user_ref {
  std::int64_t id = 0;
  std::string username;
};

struct playlist {
  std::int64_t id = 0;
  user_ref owner;
  std::string name;
  std::string description;
  bool is_public = true;
  std::int64_t snapshot = 1;
  std::int64_t item_count = 0;
  std::int64_t followers = 0;
  std::string created_at;
  std::string updated_at;
};

struct playlist_item {
  std::int64_t position = 0;
  std::int64_t song_id = 0;
  std::string added_at;
};

// What an item edit names; absent snapshot = apply to the current state.
struct playlist_edit {
  std::int64_t playlist_id = 0;
  std::int64_t user_id = 0;
  std::optional<std::string> snapshot_id;
};

}  // namespace tonearm::accounts
