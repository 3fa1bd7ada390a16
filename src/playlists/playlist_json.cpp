// Playlist JSON and the mapping of refusals to the one error enum.
#include "playlist_json.hpp"

#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::playlists {

nlohmann::json playlist_json(const playlist& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"public", p.is_public},
          {"owner", {{"id", p.owner.id}, {"username", p.owner.username}}},
          {"snapshot_id", std::to_string(p.snapshot)},
          {"followers", {{"total", p.followers}}},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at},
          {"items", {{"total", p.item_count}}}};
}

std::optional<std::string> optional_snapshot(const nlohmann::json& body) {
  auto v = http::present_field(body, "snapshot_id");
  if (!v) return std::nullopt;
  if (v->is_string()) return http::optional_string(body, "snapshot_id");
  if (v->is_number_integer()) return v->dump();
  throw api_error(errc::bad_request, "snapshot_id must be a string");
}

void raise(const refusal& r) {
  switch (r.what) {
    case refusal::kind::not_found: throw api_error(errc::not_found, r.message);
    case refusal::kind::not_owner: throw api_error(errc::forbidden, r.message);
    case refusal::kind::stale_snapshot:
      throw api_error(errc::conflict, r.message, nlohmann::json{{"snapshot_id", r.current_snapshot.value_or("")}}.dump());
    case refusal::kind::invalid:
      if (!r.unknown_song_ids.empty())
        throw api_error(errc::bad_request, r.message, nlohmann::json{{"unknown_song_ids", r.unknown_song_ids}}.dump());
      throw api_error(errc::bad_request, r.message);
  }
  throw api_error(errc::internal, r.message);
}

}  // namespace tonearm::playlists
