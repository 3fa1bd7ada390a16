// The media SQL: the queue of songs to encode and measure (media_jobs), renditions,
// and loudness of songs and albums. Blocking; for ingest and the rendition job.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/media/renditions.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

class media_repository {
 public:
  explicit media_repository(pg_pool& db) : db_(db) {}

  // A song to work on, as claimed.
  struct job {
    std::int64_t song_id = 0;
    std::string blob_key, mime_type;
    std::optional<int> bitrate_kbps;
    bool needs_loudness = false;
    std::vector<std::string> formats_done;  // renditions it already has
    int attempts = 0;                       // failed attempts before this one
  };
  // Takes up to `n` due songs for `lease`: other runners skip them until it ends, so a
  // runner that dies gives its songs back. Oldest first.
  std::vector<job> claim(int n, std::chrono::seconds lease);
  // Queues the song with these audio bytes (ingest; nothing when already queued) and
  // returns its id; nullopt when there is no such song.
  std::optional<std::int64_t> queue(const std::string& song_blob_key);
  // Makes every failed song due now (`tonearm renditions --retry-failed`).
  int retry_failed();

  void add_rendition(std::int64_t song_id, const media::rendition& r);
  // Stores a song's loudness and recomputes its album's.
  void set_loudness(std::int64_t song_id, double lufs, std::optional<double> true_peak_dbtp);
  // The song is done: off the queue.
  void finish(std::int64_t song_id);
  // The attempt failed: noted with its reason, due again after a wait that doubles
  // with each attempt (a minute, two, four, ... at most a day).
  void fail(std::int64_t song_id, const std::string& reason);

  struct queue_state {
    std::int64_t due = 0;      // waiting, due now
    std::int64_t waiting = 0;  // due later (failed, or leased by a runner)
    std::int64_t failed = 0;   // with at least one failed attempt
  };
  queue_state state();

 private:
  pg_pool& db_;
};

}  // namespace tonearm::store
