// The JSON shapes of catalog entities, shared by every endpoint that returns songs.
#pragma once

#include <nlohmann/json.hpp>

#include "tonearm/catalog/types.hpp"

namespace tonearm::catalog {

// {"id","title","author":{"id","name"},"album":{"id","title"}|null,"genre",
//  "release_date","duration_ms","track_number","play_count","stream_url","mime_type"}
nlohmann::json song_json(const song& s);
// {"id","name","country","date_of_birth","status","play_count","followers":{"total"}}
nlohmann::json author_json(const author& a);
// {"id","title","author":{"id","name"},"release_date","track_count"}
nlohmann::json album_json(const album& a);

}  // namespace tonearm::catalog
