// Where each recently played song's audio is, kept in Redis so that playback goes on
// while PostgreSQL is away (a restart, a failover, a partition). The stream handler
// asks it only when the database is unavailable; the play recorder writes it, one
// pipeline per batch of plays, so a song stays findable for `ttl` after its last
// counted play. Any Redis trouble just means "not found".
//
//   tonearm:song:{id}  ->  "{mime_type}\n{blob_key}"   (EX ttl)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tonearm/media/renditions.hpp"
#include "tonearm/store/redis_client.hpp"

namespace tonearm::stream {

// What streaming needs of a song. The original is immutable once ingested (a new
// recording is a new song); renditions are added by the media job, so an entry for a
// song still queued for it (`settled` false) is kept only a short while.
struct audio_ref {
  audio_ref() = default;
  audio_ref(std::string key, std::string mime) : blob_key(std::move(key)), mime_type(std::move(mime)) {}
  std::string blob_key;
  std::string mime_type;
  std::optional<int> bitrate_kbps;
  std::vector<media::rendition> renditions;
  std::string version = "original";  // what this blob is: original, or a rendition's format
  bool settled = true;
  std::chrono::steady_clock::time_point fetched{};
};

class song_directory {
 public:
  // `ttl` 0 turns the directory off (nothing written, nothing found).
  song_directory(store::redis_client& redis, std::chrono::seconds ttl) : redis_(redis), ttl_(ttl) {}
  bool enabled() const { return ttl_.count() > 0; }
  // Writes (and renews) the entries in one round trip; false when Redis did not take them.
  bool remember_many(const std::vector<std::pair<std::int64_t, audio_ref>>& songs) const;
  std::optional<audio_ref> find(std::int64_t id) const;

 private:
  store::redis_client& redis_;
  const std::chrono::seconds ttl_;
};

}  // namespace tonearm::stream
