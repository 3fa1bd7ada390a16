// The JSON shape of playlists, the snapshot_id field, and refusals as API errors.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tonearm/playlists/rules.hpp"
#include "tonearm/playlists/types.hpp"

namespace tonearm::playlists {

// {"id","name","description","public","owner":{"id","username"},"snapshot_id",
//  "followers":{"total"},"created_at","updated_at","items":{"total"}}; the handlers
// replace "items" with a paging object where the items are shown.
nlohmann::json playlist_json(const playlist& p);

// "snapshot_id": a string (numbers are accepted too), or absent.
std::optional<std::string> optional_snapshot(const nlohmann::json& body);

// Throws the api_error a refusal means: not_found 404, not_owner 403, stale_snapshot
// 409 with {"snapshot_id": current}, invalid 400 (with {"unknown_song_ids": [...]}
// when songs were unknown).
[[noreturn]] void raise(const refusal& r);

// The value of an outcome, or raise() its refusal.
template <class T>
T value_or_raise(outcome<T>&& o) {
  if (auto* r = std::get_if<refusal>(&o)) raise(*r);
  return std::move(std::get<T>(o));
}

}  // namespace tonearm::playlists
