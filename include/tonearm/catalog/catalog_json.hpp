// The JSON shapes of catalog entities, shared by every endpoint that returns songs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <vector>

#include "tonearm/catalog/types.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::catalog {

// {"id","title","author":{"id","name"},"album":{"id","title"}|null,"genre",
//  "release_date","duration_ms","track_number","play_count","stream_url","cover_url","mime_type"}
nlohmann::json song_json(const song& s);
// {"id","name","country","date_of_birth","status","play_count","followers":{"total"},"cover_url"}
nlohmann::json author_json(const author& a);
// {"id","title","author":{"id","name"},"release_date","track_count","cover_url"}
// cover_url: "/v1/songs|authors|albums/{id}/cover" when there is one to serve, else null.
nlohmann::json album_json(const album& a);

// song_json of each song in `ids` that still exists, by id (one query): for lists that
// keep song ids (likes, playlists) and show the songs in their own order.
std::map<std::int64_t, nlohmann::json> songs_json_by_id(const store::catalog_repository& catalog,
                                                        const std::vector<std::int64_t>& ids);

}  // namespace tonearm::catalog
